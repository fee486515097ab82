"""Issue 12, classes 4 and 5: secrets are never stored or printed, and no value gets in through any door.

Secrets: the offline dry run of every platform, with distinctive SNMPv3 keys in the environment, leaves none
of them in stdout, stderr or any table of the database; the database and reports are created 0600; a secret
typed where a credentials profile belongs is never echoed. Injection: values from the environment and
options are refused (exit 2, naming the variable or option, saying what is allowed, never repeating the
value); IPv6 scope ids and IPv4-mapped forms are refused; inventory text is printed as text, never as rich
markup; CSV exports guard formula cells.
"""

import csv
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from extranet.files import write_atomically
from extranet.inventory import load_inventory
from extranet.render import Snmp
from extranet.rollout.engine import Outcome
from tests.fakes.device import FakeNetwork

from ..conftest import REPO
from .test_fake_rollouts import DEVICE, Run, fakes, inv  # noqa: F401 (fixtures)
from .test_offline_dry_run import SAVED

EXTRANET = str(Path(sys.executable).parent / "extranet")
PLATFORMS = {name: str(device.platform) for name, device in load_inventory(REPO / "inventory").devices.items()}
# Distinctive values, with every punctuation mark a key may hold, so a rule that stops at one would leak the rest.
SECRETS = {
    "EXTRANET_SNMP_AUTH_KEY": "Au7hK3y!#$%&()*+,-./:;<=>@[]^_`{|}~",
    "EXTRANET_SNMP_PRIV_KEY": "Pr1vK3y-distinct-%^%#-9x",
    "EXTRANET_DEFAULT_PASSWORD": "L0gin-Passw0rd-distinct",
}
SNMP = {"EXTRANET_SNMP_USER": "nms-poller", "EXTRANET_SNMP_GROUP": "NMS-RO", **SECRETS}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace of its own: the example inventory and plan (copied, so a row may change them), the
    templates, and every device's saved config."""
    for name in ("inventory", "netplan"):
        shutil.copytree(REPO / name, tmp_path / name)
    for name in ("playbooks", "ansible.cfg"):
        (tmp_path / name).symlink_to(REPO / name)
    (tmp_path / "saved").mkdir()
    for name, platform in PLATFORMS.items():
        (tmp_path / "saved" / f"{name}.cfg").write_text(SAVED[platform].format(name=name), encoding="utf-8")
    return tmp_path


def extranet(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    env = {**clean, "EXTRANET_DB_URL": f"sqlite:///{workspace / 'var' / 'extranet.db'}", **env}
    (workspace / "var").mkdir(exist_ok=True)
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=workspace, env=env)


def database_text(path: Path) -> str:
    """Every row of every table, as text."""
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in db.execute(f'SELECT * FROM "{table}"'))


def edit(workspace: Path, file: str, old: str, new: str) -> None:
    path = workspace / "inventory" / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- class 4: secrets ------------------------------------------------------------------------------------
def test_no_secret_in_any_output_or_table_of_the_offline_dry_run_of_every_platform(workspace: Path) -> None:
    assert len(set(PLATFORMS.values())) == 7  # the example inventory has a device of every platform
    planned = extranet(workspace, "push", "dual-stack", "--dry-run", "--running", "saved", "--json", **SNMP)
    shown = extranet(workspace, "push", "dual-stack", "--dry-run", "--running", "saved", "--diff", **SNMP)
    assert planned.returncode == shown.returncode == 0, planned.stderr + shown.stderr
    devices = {d["device"]: d for d in json.loads(planned.stdout)["devices"]}
    # the keys were rendered (else this test proves nothing), and shown scrubbed, on every platform but FRR
    # (the lab's snmpd carries SNMP there, not vtysh)
    for name, platform in PLATFORMS.items():
        keyed = [line for line in devices[name]["lines"] if "<scrubbed>" in line]
        assert (len(keyed) == 2 if platform == "juniper_junos" else len(keyed) == 1) or platform == "frr", name
    database = workspace / "var" / "extranet.db"
    everything = planned.stdout + planned.stderr + shown.stdout + shown.stderr + database_text(database)
    for variable, value in SECRETS.items():
        assert value not in everything, variable
    assert stat.S_IMODE(database.stat().st_mode) == 0o600


@pytest.mark.parametrize("platform", sorted(set(PLATFORMS.values())))
def test_a_refusal_that_echoes_the_keyed_line_is_stored_and_shown_scrubbed(
    platform: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A device echoes a refused line behind its prompt, where no command rule looks: what goes to
    device_results.detail, audit_events.detail and the terminal (Outcome.summary) holds no key."""
    for variable, value in SECRETS.items():
        monkeypatch.setenv(variable, value)
    auth, priv = SECRETS["EXTRANET_SNMP_AUTH_KEY"], SECRETS["EXTRANET_SNMP_PRIV_KEY"]
    line = f"snmp-agent usm-user v3 nms NMS authentication-mode sha {auth} privacy-mode aes128 {priv}"
    outcome = Outcome("r1", 1, "failed", lines=[line], platform=platform,
                      error=f"{line!r} refused: [~r1]{line}\n      ^\nError: Unrecognized command")  # fmt: skip
    stored = json.dumps(outcome.summary(), ensure_ascii=False)
    assert auth not in stored and priv not in stored
    assert "<scrubbed>" in stored


@pytest.mark.parametrize(("fakes", "platform"), [([DEVICE[p]], p) for p in ("huawei_vrpv8", "cisco_ios", "hp_comware")],
                         indirect=["fakes"])  # fmt: skip
def test_a_device_that_refuses_the_keyed_line_records_no_key(
    fakes: tuple[FakeNetwork, Run],  # noqa: F811 (the fixture imported above)
    platform: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A real rollout against a fake device that refuses the SNMP user line: the failure, its row in
    device_results, its audit event and the history hold no key."""
    network, run = fakes
    auth, priv = SECRETS["EXTRANET_SNMP_AUTH_KEY"], SECRETS["EXTRANET_SNMP_PRIV_KEY"]
    for variable, value in SECRETS.items():
        monkeypatch.setenv(variable, value)
    network.devices[DEVICE[platform]].refuse = [r"snmp-agent usm-user|snmp-server user"]
    [outcome] = run(snmp=Snmp("nms", "NMS", auth, priv, ""))
    assert outcome.failed and "refused" in outcome.summary()["error"], outcome.summary()
    stored = json.dumps(outcome.summary()) + database_text(run.tmp / "extranet.db")
    assert "usm-user" in stored or "snmp-server user" in stored  # the refused line is there, scrubbed
    history = "".join(p.read_text(encoding="utf-8") for p in (run.tmp / "history").glob("*.cfg"))
    assert not [key for key in (auth, priv) if key in stored + history]


def test_reports_and_the_database_are_created_readable_by_their_owner_only(workspace: Path) -> None:
    report = workspace / "report.csv"
    write_atomically(report, ["department\n"])  # what `report connections -o` writes through
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    proc = extranet(workspace, "db", "upgrade")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE((workspace / "var" / "extranet.db").stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("typed", "args", "said"),
    [
        # not a profile name at all: the inventory refuses it, without repeating it
        ("S3cr3t!Pass word", ["inventory", "check"], "is not a credentials profile name (value not shown: it may be"),
        # a name no profile in the environment has: refused before any device is reached, not echoed
        (
            "hunter2secretword",
            ["push", "dual-stack", "--dry-run"],
            "unknown credentials profile (value not shown: it may be a secret) at inventory/devices.yml:",
        ),
        ("hunter2secretword", ["run", "dual_stack.yml"], "profiles set in the environment: default"),
    ],
)
def test_a_secret_typed_as_a_credentials_profile_is_never_echoed(
    workspace: Path, typed: str, args: list[str], said: str
) -> None:
    edit(workspace, "devices.yml", "    model: NE40E-M2K\n", f'    model: NE40E-M2K\n    credentials: "{typed}"\n')
    proc = extranet(workspace, *args, EXTRANET_DEFAULT_USERNAME="admin", EXTRANET_DEFAULT_PASSWORD="x" * 12)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in " ".join(proc.stderr.split()), proc.stderr
    output = (proc.stdout + proc.stderr).lower()
    assert typed.lower() not in output and typed.split()[0].lower() not in output
    assert not (workspace / "var" / "history").exists()


# ---- class 5: injection ----------------------------------------------------------------------------------
SNMP_ALLOWED_NAME = "allowed: 1 to 32 letters, digits, '.', '-' and '_'"
SNMP_ALLOWED_KEY = "allowed: 8 to 64 printable ASCII characters without blanks, quotes, '\\' or '?'"
PUSH = ["push", "dual-stack", "--dry-run", "--running", "saved", "--limit", "yl-core-01"]


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("EXTRANET_SNMP_GROUP", "NMS\nsnmp-agent community write public", "contains control character U+000A"),
        ("EXTRANET_SNMP_GROUP", "NMS RO", "has a character or form that is not allowed"),
        ("EXTRANET_SNMP_USER", "nms\rpoller", "contains control character U+000D"),
        ("EXTRANET_SNMP_USER", "n" * 33, "is 33 characters long"),
        ("EXTRANET_SNMP_AUTH_KEY", "short", "is 5 characters long"),
        ("EXTRANET_SNMP_AUTH_KEY", "two words here", "has a character or form that is not allowed"),
        ("EXTRANET_SNMP_PRIV_KEY", 'quote"d-secret', "has a character or form that is not allowed"),
        ("EXTRANET_SNMP_PRIV_KEY", "question?mark", "has a character or form that is not allowed"),
        ("EXTRANET_SNMP_PRIV_KEY", "秘密秘密秘密秘密", "has a character outside ASCII"),
        ("EXTRANET_SNMP_MANAGER", "198.51.100.1/24", "is not well formed"),
        ("EXTRANET_OPERATOR", "zhang\nTicket: FORGED", "contains control character U+000A"),
        ("EXTRANET_OPERATOR", "zhang\x1b[2Jsan", "contains control character U+001B"),
    ],
)
def test_an_environment_value_that_could_inject_is_refused(
    workspace: Path, variable: str, value: str, said: str
) -> None:
    proc = extranet(workspace, *PUSH, **{**SNMP, variable: value})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    message = " ".join(proc.stderr.split())
    assert f"error: {variable}: {said}; allowed: " in message, proc.stderr
    if variable in ("EXTRANET_SNMP_USER", "EXTRANET_SNMP_GROUP"):
        assert SNMP_ALLOWED_NAME in message
    if variable.endswith("_KEY"):
        assert SNMP_ALLOWED_KEY in message
    assert "Traceback" not in proc.stderr
    assert value not in proc.stdout + proc.stderr


@pytest.mark.parametrize("args", [["plan", "--apply", "--ticket", "CHG-7"], ["plan", "release", "--all"]])
def test_a_bad_operator_is_refused_before_the_lock_changes(workspace: Path, args: list[str]) -> None:
    lock = workspace / "netplan" / "allocations.yml"
    lock.write_text(lock.read_text(encoding="utf-8").replace('  "county/yunling/czj": 0x0\n', ""), encoding="utf-8")
    before = lock.read_bytes()
    proc = extranet(workspace, *args, EXTRANET_OPERATOR="ops\nRun: 999")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "error: EXTRANET_OPERATOR: contains control character U+000A; allowed: one line" in proc.stderr
    assert lock.read_bytes() == before
    assert not (workspace / "var" / "extranet.db").exists()


def test_a_well_formed_environment_is_accepted_and_the_operator_may_be_chinese(workspace: Path) -> None:
    proc = extranet(workspace, *PUSH, **SNMP, EXTRANET_OPERATOR="张三",
                    EXTRANET_SNMP_MANAGER="198.51.100.0/24")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "snmp-agent group v3 NMS-RO privacy" in proc.stdout


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["plan", "--apply", "--ticket", "CHG-1\nOperator: someone-else"],
            "--ticket: contains control character U+000A",
        ),
        (
            ["plan", "release", "--all", "--ticket", "CHG\x1b]8;;http://x\x07"],
            "--ticket: contains control character U+001B",
        ),
        ([*PUSH, "--ticket", "T" * 129], "--ticket: is 129 characters long"),
        (
            ["run", "backup.yml", "--ticket", "{{ lookup('pipe', 'id') }}"],
            "--ticket: contains '{{', which Ansible would evaluate as a template",
        ),
        (
            ["plan", "--apply", "--ticket", "CHG {% if 1 %}"],
            "--ticket: contains '{%', which Ansible would evaluate as a template",
        ),
        (["plan", "dns", "--ns", "ns1.example.org.\n@ IN NS evil.example."], "--ns: contains control character U+000A"),
        (["plan", "dns", "--ns", "-ns1.example.org"], "--ns: has a character or form that is not allowed"),
        (["plan", "dns", "--ns", "ns1..example.org"], "--ns: has a character or form that is not allowed"),
        (["plan", "dns", "--ns", "ns_1.example.org"], "--ns: has a character or form that is not allowed"),
        (["plan", "dns", "--ns", "ns1"], "--ns: has a character or form that is not allowed"),
        (["plan", "dns", "--ns", f"{'n' * 64}.example.org"], "--ns: has a character or form that is not allowed"),
        (["plan", "dns", "--ns", ".".join(["n" * 63] * 4)], "--ns: is 255 characters long"),
    ],
)
def test_an_option_that_could_inject_is_refused(workspace: Path, args: list[str], said: str) -> None:
    lock = (workspace / "netplan" / "allocations.yml").read_bytes()
    proc = extranet(workspace, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error: {said}; allowed: " in " ".join(proc.stderr.split()), proc.stderr
    assert (workspace / "netplan" / "allocations.yml").read_bytes() == lock
    assert not (workspace / "var" / "extranet.db").exists() or "apply" not in database_text(
        workspace / "var" / "extranet.db"
    )


@pytest.mark.parametrize("name", ["ns1.example.org", "ns1.example.org.", f"{'n' * 63}.example.org"])
def test_a_name_server_is_written_fully_qualified(workspace: Path, name: str) -> None:
    proc = extranet(workspace, "plan", "dns", "--ns", name)
    assert proc.returncode == 0, proc.stderr
    assert f"NS {name.rstrip('.')}." in " ".join(proc.stdout.split())


@pytest.mark.parametrize(
    ("file", "old", "new", "said"),
    [
        ("devices.yml", '"2001:db8:ab00:ffff::1"', '"fe80::1%eth0"', "fe80::1%eth0 has a scope id (%eth0)"),
        ("devices.yml", '"2001:db8:ab00:ffff::1"', '"::ffff:198.51.100.1"', "is an IPv4-mapped address"),
        ("region.yml", "ipv6: 2001:db8:ab00::/40", "ipv6: 2001:db8:ab00::%eth0/40", "has a scope id (%eth0)"),
        ("region.yml", "ipv6: 2001:db8:ab00::/40", "ipv6: ::ffff:0:0/96", "is an IPv4-mapped address"),
    ],
)
def test_an_address_with_a_scope_id_or_mapped_ipv4_is_refused(
    workspace: Path, file: str, old: str, new: str, said: str
) -> None:
    edit(workspace, file, old, new)
    proc = extranet(workspace, "inventory", "check")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"inventory/{file}:" in proc.stderr and said in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "name", ["[/] x", "[link=http://evil.example]click here[/link]", "[bold red]ALERT[/]", "\\[escaped] [/"]
)
def test_inventory_text_is_printed_as_text_not_markup(workspace: Path, name: str) -> None:
    edit(workspace, "region.yml", "name: 云岭县", f"name: {json.dumps(name)}")
    edit(workspace, "departments.yml", "name: 中共云岭县委办公室", f"name: {json.dumps(name)}")
    for args in (["inventory", "check"], ["inventory", "show"], ["plan", "show"]):
        proc = extranet(workspace, *args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert name in proc.stdout, (args, proc.stdout[:500])
        assert "\x1b]8;" not in proc.stdout  # no hyperlink escape
    proc = extranet(workspace, "inventory", "show", "--site", name)
    assert proc.returncode == 2 and f"unknown site {name!r}" in proc.stderr


def test_csv_exports_guard_formula_cells(workspace: Path) -> None:
    edit(workspace, "departments.yml", "name: 云岭县财政局", 'name: "=HYPERLINK(\\"http://x\\")"')
    proc = extranet(workspace, "plan", "export", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert '\'=HYPERLINK("http://x") office' in [row["description"] for row in rows]
    assert not [cell for row in rows for cell in row.values() if cell and cell[0] in "=+-@\t\r"]
    netbox = extranet(workspace, "plan", "export", "--format", "netbox")
    assert netbox.returncode == 0, netbox.stderr
    assert "'=HYPERLINK(" in netbox.stdout and '"=HYPERLINK' not in netbox.stdout
