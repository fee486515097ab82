"""Issue 12, classes 7 and 8: the database fails like everything else (one line, exit 2 for bad input, 1 when
the work failed, never a traceback, nothing changed), and options mean what they say."""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from extranet import store

from ..conftest import REPO
from .test_offline_dry_run import COUNTY, SAVED

EXTRANET = str(Path(sys.executable).parent / "extranet")
DEVICE = sorted(COUNTY)[0]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """The example workspace; its own copy of netplan/ (plan --apply writes there) and a saved config for one
    device (push dual-stack --dry-run --running saved reaches the database without a network)."""
    for name in ("inventory", "playbooks", "ansible.cfg"):
        (tmp_path / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "netplan", tmp_path / "netplan")
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / f"{DEVICE}.cfg").write_text(SAVED[COUNTY[DEVICE]].format(name=DEVICE), encoding="utf-8")
    return tmp_path


def extranet(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=workspace,
                          env={**clean, "EXTRANET_LAB_DIR": str(workspace / "var" / "lab"), **env})  # fmt: skip


def sha256(path: Path) -> str:
    if path.is_dir() or path.is_fifo():
        stat = path.stat()
        return f"{stat.st_mode} {stat.st_mtime_ns} {sorted(p.name for p in path.iterdir()) if path.is_dir() else ''}"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


# ---- class 7: the database ------------------------------------------------------------------------------------


def _current(workspace: Path) -> str:
    path = workspace / "db" / "extranet.db"
    path.parent.mkdir()
    store.open_store(f"sqlite:///{path}").engine.dispose()
    return f"sqlite:///{path}"


def _file(content: bytes) -> Callable[[Path], str]:
    def make(workspace: Path) -> str:
        (workspace / "db").mkdir()
        (workspace / "db" / "extranet.db").write_bytes(content)
        return f"sqlite:///{workspace / 'db' / 'extranet.db'}"

    return make


def _sql(workspace: Path, *statements: str) -> None:
    """Run statements and close: the file is whole (no -wal beside it) when the command under test starts."""
    with closing(sqlite3.connect(workspace / "db" / "extranet.db")) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()


def _foreign(workspace: Path) -> str:
    (workspace / "db").mkdir()
    _sql(workspace, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
         "INSERT INTO customers (name) VALUES ('another application')")  # fmt: skip
    return f"sqlite:///{workspace / 'db' / 'extranet.db'}"


def _foreign_alembic(workspace: Path) -> str:
    (workspace / "db").mkdir()
    _sql(workspace, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)",
         "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
         "INSERT INTO alembic_version VALUES ('ae1027a6acf')")  # fmt: skip
    return f"sqlite:///{workspace / 'db' / 'extranet.db'}"


def _directory(workspace: Path) -> str:
    (workspace / "db" / "extranet.db").mkdir(parents=True)
    return f"sqlite:///{workspace / 'db' / 'extranet.db'}"


def _fifo(workspace: Path) -> str:
    (workspace / "db").mkdir()
    os.mkfifo(workspace / "db" / "extranet.db")
    return f"sqlite:///{workspace / 'db' / 'extranet.db'}"


def _newer(workspace: Path) -> str:
    url = _current(workspace)
    _sql(workspace, "UPDATE alembic_version SET version_num = '9999'")
    return url


def _read_only(workspace: Path) -> str:
    """Read-only as SQLite sees it (chmod does not stop root): opened with mode=ro."""
    _current(workspace)
    return f"sqlite:///file:{workspace / 'db' / 'extranet.db'}?mode=ro&uri=true"


def _url(url: str) -> Callable[[Path], str]:
    return lambda _workspace: url


DATABASES = {
    "garbage URL": (_url("not a url"), 2, "database URL 'not a url' is not a database URL: set EXTRANET_DB_URL to"),
    "unknown kind": (_url("foo://db.example/x"), 2, "unknown kind of database 'foo'"),
    "driver not installed": (_url("mysql://u@127.0.0.1:1/x"), 2, "its driver is not installed (No module named"),
    "server unreachable": (
        _url("postgresql+psycopg://ops:s3cret@127.0.0.1:1/extranet"),
        1,
        "database postgresql+psycopg://ops:***@127.0.0.1:1/extranet cannot be used (connection failed:",
    ),
    "directory missing": (_url("sqlite:////nonexistent/dir/x.db"), 2, "directory /nonexistent/dir does not exist"),
    "random bytes": (_file(os.urandom(8192)), 2, "is not a usable SQLite database (file is not a database)"),
    "a text file": (_file(b"name,address\nhq,198.51.100.1\n"), 2, "is not a usable SQLite database"),
    "another application's": (_foreign, 2, "is not extranet's: it holds other tables (customers)"),
    "another application's, with Alembic": (
        _foreign_alembic,
        2,
        "another application's tables (customers) at its revision 'ae1027a6acf'",
    ),
    "newer than the code": (_newer, 2, "schema revision '9999', which this extranet does not know"),
    "a directory": (_directory, 2, "extranet.db is a directory, not a database file"),
    "a FIFO": (_fifo, 2, "extranet.db is not a regular file, not a database file"),
}
COMMANDS = {
    "audit verify": ["audit", "verify"],
    "audit log": ["audit", "log"],
    "db status": ["db", "status"],
    "db upgrade": ["db", "upgrade"],
    "report": ["report", "connections"],
    "plan --apply": ["plan", "--apply"],
    "push": ["push", "dual-stack", "--dry-run", "--running", "saved", "--limit", DEVICE],
}


def _refused(workspace: Path, make: Callable[[Path], str], args: list[str], code: int, said: str) -> None:
    url = make(workspace)
    db, lock = workspace / "db" / "extranet.db", workspace / "netplan" / "allocations.yml"
    before = sha256(db), sha256(lock), sorted(p.name for p in (workspace / "db").glob("*") if p.exists())
    proc = extranet(workspace, *args, EXTRANET_DB_URL=url)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert said in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr  # one line
    assert "s3cret" not in proc.stdout + proc.stderr
    after = sha256(db), sha256(lock), sorted(p.name for p in (workspace / "db").glob("*") if p.exists())
    assert after == before  # the database, its directory and the lock are as they were
    assert not (workspace / "var" / "history").exists()


@pytest.mark.parametrize(("make", "code", "said"), DATABASES.values(), ids=DATABASES.keys())
def test_a_database_that_cannot_be_used_is_one_line_and_left_as_it_is(workspace: Path, make: Callable[[Path], str],
                                                                      code: int, said: str) -> None:  # fmt: skip
    _refused(workspace, make, ["audit", "verify"], code, said)


@pytest.mark.parametrize("args", COMMANDS.values(), ids=COMMANDS.keys())
def test_every_command_that_opens_the_database_refuses_it_alike(workspace: Path, args: list[str]) -> None:
    make, code, said = DATABASES["another application's"]  # the worst case: migrating it would add our tables
    _refused(workspace, make, args, code, said)


def test_a_write_refused_half_way_is_one_line_exit_1(workspace: Path) -> None:
    url = _read_only(workspace)
    before = sha256(workspace / "db" / "extranet.db")
    proc = extranet(workspace, "plan", "--apply", EXTRANET_DB_URL=url)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "is read-only (attempt to write a readonly database): make the file and its directory writable" in (
        proc.stderr
    )
    assert sha256(workspace / "db" / "extranet.db") == before


def test_a_read_only_database_can_still_be_read(workspace: Path) -> None:
    url = _read_only(workspace)
    proc = extranet(workspace, "audit", "verify", EXTRANET_DB_URL=url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("audit chain intact: 0 events")


def test_an_older_extranet_database_is_still_upgraded(workspace: Path) -> None:
    url = _current(workspace)
    _sql(workspace, "DROP TABLE track_events", "DROP TABLE probe_results", "DROP TABLE department_status",
         "ALTER TABLE audit_events DROP COLUMN os_user", "ALTER TABLE audit_events DROP COLUMN ssh_client",
         "ALTER TABLE runs DROP COLUMN vantage",
         "UPDATE alembic_version SET version_num = '0002'")  # fmt: skip
    proc = extranet(workspace, "db", "status", EXTRANET_DB_URL=url)
    assert proc.returncode == 1 and f"revision 0002, code head {store.SCHEMA_HEAD}" in proc.stdout
    assert extranet(workspace, "audit", "verify", EXTRANET_DB_URL=url).returncode == 0
    assert f"revision {store.SCHEMA_HEAD}" in extranet(workspace, "db", "status", EXTRANET_DB_URL=url).stdout


# ---- class 8: options mean what they say -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("limit", "devices"),
    [
        ("site_yunling", ["yl-agg-01", "yl-agg-02", "yl-core-01", "yl-core-02"]),
        ("site_yunling-dc", ["yl-dc-01"]),  # the site id as written
        ("site_yunling_dc", ["yl-dc-01"]),  # the Ansible group name (inventory ansible --list)
        ("level_county", ["yl-agg-01", "yl-agg-02", "yl-core-01", "yl-core-02"]),
        ("level_datacenter", ["yl-dc-01"]),
        ("role_backbone", ["yl-core-01", "yl-core-02"]),
        ("platform_huawei_vrpv8", ["yl-core-01"]),
        ("yl-core-01, role_backbone", ["yl-core-01", "yl-core-02"]),
    ],
)
def test_every_group_prefix_the_help_names_selects_its_devices(limit: str, devices: list[str]) -> None:
    from extranet.cli.push import select
    from extranet.inventory import load_inventory

    assert select(load_inventory(REPO / "inventory"), limit) == devices


SAVED_RUN = ["push", "dual-stack", "--dry-run", "--running", "saved"]
SYNTH = ["inventory", "synth", "-o", "syn"]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([*SAVED_RUN, "--limit", "role_nosuch"], "--limit 'role_nosuch': no such group; role groups: role_access,"),
        ([*SAVED_RUN, "--limit", "nosuch"], "groups: site_<id>, level_<level>, role_<role>, platform_<name>"),
        ([*SAVED_RUN, "--failure-budget", "120%"], "--failure-budget '120%': give a count (0, 1, …) or a percentage"),
        ([*SAVED_RUN, "--waves", "1,150%"], "'150%' is not a count (1, 2, …) or a percentage (1%–100%)"),
        (["run", "backup.yml", "--max-fail-percentage", "120"], "Invalid value for '--max-fail-percentage'"),
        ([*SAVED_RUN, "--confirm-timer", "-5"], "--confirm-timer -5: give seconds from 60 to 7200"),
        ([*SAVED_RUN, "--confirm-timer", "0"], "--confirm-timer 0: give seconds from 60 to 7200"),
        (["run", "backup.yml", "--converge-timeout", "-1"], "--converge-timeout -1.0: give seconds from 0 to 3600"),
        (["lab", "fault", "netem", "a", "b", "--loss", "150"], "Invalid value for '--loss'"),
        (["probe", "--dept", ""], "--dept '': names no department (leave --dept out to take every department)"),
        (["probe", "--site", " , "], "--site ' , ': names no site"),
        ([*SYNTH, "--departments", "0"], "Invalid value for '--departments'"),
        ([*SYNTH, "--departments", "-1"], "Invalid value for '--departments'"),
        ([*SYNTH, "--departments", "10000000"], "--departments 10000000: give 1 to 255499"),
        ([*SYNTH, "--departments", "100", "--devices", "5000"], "--devices 5000: give 2 to 32 for 100 departments"),
        ([*SYNTH, "--departments", "100", "--links", "99999"], "--links 99999: give 0 to 21 for 10 routers"),
        ([*SYNTH, "--lans", "17"], "Invalid value for '--lans'"),
    ],
)
def test_an_option_it_cannot_honour_is_refused(workspace: Path, args: list[str], said: str) -> None:
    proc = extranet(workspace, *args, EXTRANET_DB_URL=f"sqlite:///{workspace / 'test.db'}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert said in " ".join(proc.stderr.replace("│", " ").split()), proc.stderr
    assert not (workspace / "syn").exists() and not (workspace / "test.db").exists()  # nothing written


LOCK = (REPO / "netplan" / "allocations.yml").read_text(encoding="utf-8")
HEAD = LOCK.split("\nsubnets:")[0] + "\n"
LOCK_CASES = ["cut mid-line", "cut at a section", "department slot twice", "site slot twice", "/64 twice",
              "slot wraps its field", "/128 inside a /64", "outside the region"]  # fmt: skip


@pytest.mark.parametrize(
    ("lock", "said"),
    [
        (LOCK[:-1], "allocations.yml:141: the last line has no end: the lock was cut short"),
        (HEAD, "section 'subnets' is missing: the lock was cut short"),
        (
            LOCK.replace('"county/yunling/daj": 0x80', '"county/yunling/daj": 0x0'),
            "allocations.yml:23: departments.county/yunling/daj: slot 0x0 is also given to 'county/yunling/czj'",
        ),
        (
            LOCK.replace('"township/liulin": 0x40', '"township/liulin": 0x80'),
            "allocations.yml:16: sites.township/liulin: slot 0x80 is also given to 'township/chengguan'",
        ),
        (
            LOCK.replace('"czj/office": 2001:db8:ab10::/64', '"czj/office": 2001:db8:ab10:8000::/64'),
            "subnets: 'daj/digitise': 2001:db8:ab10:8000::/64 is also given to 'czj/office'",
        ),
        (
            LOCK.replace('"county/yunling/daj": 0x80', '"county/yunling/daj": 0x100'),
            "allocations.yml:23: departments.county/yunling/daj: slot 0x100 does not fit the 8-bit department "
            "field of county (0x0–0xff)",
        ),
        (
            LOCK.replace('"czj/office": 2001:db8:ab10::/64', '"czj/office": 2001:db8:ab00::/64'),
            "allocations.yml:54: subnets.czj/office: 2001:db8:ab00::/64 holds the loopback 2001:db8:ab00::1/128 of "
            "'yl-agg-01' (and 12 more): a /128 is never inside an allocated /64",
        ),
        (
            LOCK.replace('"czj/office": 2001:db8:ab10::/64', '"czj/office": 2001:db9:ab10::/64'),
            "allocations.yml:54: subnets.czj/office: 2001:db9:ab10::/64 is outside the region's 2001:db8:ab00::/40",
        ),
    ],
    ids=LOCK_CASES,
)
def test_a_damaged_lock_is_refused_with_its_line(workspace: Path, lock: str, said: str) -> None:
    path = workspace / "netplan" / "allocations.yml"
    path.write_text(lock, encoding="utf-8")
    proc = extranet(workspace, "plan", "--apply", EXTRANET_DB_URL=f"sqlite:///{workspace / 'test.db'}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert said in " ".join(proc.stderr.split()), proc.stderr
    assert path.read_text(encoding="utf-8") == lock  # the lock as it was
    assert not (workspace / "test.db").exists()


HANDOFF = "{name: GigabitEthernet1/0/23, ipv4: 198.18.3.1/30,"  # yl-agg-01's hand-off, 2001:db8:ab02::/64 in the lock
LINK_END = "{name: GigabitEthernet1/0/1, ipv4: 198.18.2.66/30,"
GATEWAY = "{name: Vlanif101,"
PIN_AT = "inventory/devices.yml:136: devices[5].interfaces[14].ipv6:"


def _pinned(workspace: Path, port: str, pin: str) -> Path:
    """The workspace with its own inventory, ``pin`` set on ``port`` of devices.yml."""
    (workspace / "inventory").unlink()
    shutil.copytree(REPO / "inventory", workspace / "inventory")
    devices = workspace / "inventory" / "devices.yml"
    text = devices.read_text(encoding="utf-8")
    assert port in text
    devices.write_text(text.replace(port, f'{port[:-1]}, ipv6: "{pin}",', 1), encoding="utf-8")
    return workspace


def test_an_interface_pin_is_the_address_rendered_and_exported(workspace: Path) -> None:
    _pinned(workspace, HANDOFF, "2001:db8:ab02::5/64")
    env = {"EXTRANET_DB_URL": f"sqlite:///{workspace / 'test.db'}"}
    assert "No changes" in extranet(workspace, "plan", **env).stdout  # the same /64 as the lock's
    exported = extranet(workspace, "plan", "export", "--format", "json", **env)
    assert '"ipv6": "2001:db8:ab02::5/64"' in exported.stdout
    (workspace / "saved" / "yl-agg-01.cfg").write_text("#\nsysname yl-agg-01\n#\nreturn\n", encoding="utf-8")
    pushed = extranet(workspace, *SAVED_RUN, "--limit", "yl-agg-01", "--diff", **env)
    assert "ipv6 address 2001:db8:ab02::5/64" in pushed.stdout, pushed.stdout + pushed.stderr


def test_an_interface_pin_to_a_new_64_moves_the_hand_off(workspace: Path) -> None:
    _pinned(workspace, HANDOFF, "2001:db8:ab02:100::1/64")
    proc = extranet(workspace, "plan", "--apply", EXTRANET_DB_URL=f"sqlite:///{workspace / 'test.db'}")
    assert proc.returncode == 0, proc.stderr
    lock = (workspace / "netplan" / "allocations.yml").read_text(encoding="utf-8")
    assert '"yl-agg-01/GigabitEthernet1/0/23": 2001:db8:ab02:100::/64' in lock


@pytest.mark.parametrize(
    ("port", "pin", "said"),
    [
        (
            HANDOFF,
            "2001:db8:ab02:2::1/64",
            f"{PIN_AT} pinned 2001:db8:ab02:2::/64 is already allocated to yl-agg-02/GigabitEthernet1/0/17",
        ),
        (
            HANDOFF,
            "2001:db9::1/64",
            f"{PIN_AT} 2001:db9::1/64: hand-offs lie in the policy's hand-offs block 2001:db8:ab02::/48",
        ),
        (HANDOFF, "2001:db8:ab10::1/64", f"{PIN_AT} 2001:db8:ab10::1/64: hand-offs lie in the policy's hand-offs"),
        (HANDOFF, "2001:db8:ab02:100::1/127", f"{PIN_AT} 2001:db8:ab02:100::1/127: a hand-off is a /64"),
        (HANDOFF, "2001:db8:ab02:100::/64", "the subnet-router anycast address is not an interface address"),
        (
            LINK_END,
            "2001:db8:ab01:9::2/127",
            "a link end is numbered from its link's /64 (::2/127 and ::3/127); pin the link instead",
        ),
        (GATEWAY, "2001:db8:ab10::1/64", "a LAN gateway takes ::1 of its LAN's /64; pin the LAN instead"),
    ],
    ids=[
        "another hand-off's /64",
        "outside the region",
        "in a LAN's space",
        "not a /64",
        "the anycast address",
        "a link end",
        "a LAN gateway",
    ],
)
def test_an_interface_pin_that_cannot_be_honoured_is_refused_with_its_line(workspace: Path, port: str, pin: str,
                                                                           said: str) -> None:  # fmt: skip
    _pinned(workspace, port, pin)
    lock = sha256(workspace / "netplan" / "allocations.yml")
    proc = extranet(workspace, "plan", "--apply", EXTRANET_DB_URL=f"sqlite:///{workspace / 'test.db'}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert said in " ".join(proc.stderr.split()), proc.stderr
    assert sha256(workspace / "netplan" / "allocations.yml") == lock


# ---- commands that only read never create a database ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["audit", "verify"], 1, "no database at var/extranet.db: nothing has been recorded here yet"),
        (["audit", "log"], 1, "no database at var/extranet.db: nothing has been recorded here yet"),
        (["db", "status"], 1, "database sqlite:///var/extranet.db: none yet (`extranet db upgrade` creates it"),
        (["report", "connections"], 1, "no probe run yet: run `extranet probe` first"),
    ],
)
def test_readers_leave_no_database_behind(workspace: Path, args: list[str], code: int, said: str) -> None:
    """Run outside a workspace (or before anything was recorded), a report or `audit verify` must not leave an
    empty database that later says "intact: 0 events"."""
    proc = extranet(workspace, *args)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert said in " ".join((proc.stdout + proc.stderr).split()) and "Traceback" not in proc.stderr
    assert not (workspace / "var").exists()


def test_a_deleted_workspace_database_is_a_truncated_audit_log(workspace: Path) -> None:
    assert extranet(workspace, "plan", "--apply", "--ticket", "T-1").returncode == 0
    assert extranet(workspace, "audit", "verify").returncode == 0
    for name in ("extranet.db", "extranet.db-wal", "extranet.db-shm"):
        (workspace / "var" / name).unlink(missing_ok=True)
    proc = extranet(workspace, "audit", "verify")
    assert proc.returncode == 1
    assert "the database is missing, but var/history recorded 1 audit events" in " ".join(proc.stdout.split())
    assert not (workspace / "var" / "extranet.db").exists()
