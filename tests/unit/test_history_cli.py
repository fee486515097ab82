"""Issue 15 item 1 and 7: `extranet history log|show|diff|blame DEVICE` over a real config history (git), as an
auditor reads it, and its JSON."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extranet.history import ConfigHistory

EXTRANET = str(Path(sys.executable).parent / "extranet")
V1 = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n!\n"
V2 = "hostname core1\ninterface lo\n ip address 198.18.1.1/32\n ipv6 address 2001:db8:ab00::1/128\n!\n"
V3 = V2 + "ntp server 198.18.0.9\n"


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, "history", *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    history = ConfigHistory(tmp_path / "var" / "history")
    history.record("core1", "frr", V1, operator="alice", ticket="CHG-1", run_id="3", action="backup", result="ok")
    time.sleep(1.1)  # git dates are to the second: the moments below tell the commits apart
    history.record("core1", "frr", V2, operator="alice", ticket="CHG-1", run_id="3", action="change", result="ok")
    time.sleep(1.1)
    history.record("core1", "frr", V3, operator="bob", ticket=None, run_id="9", action="backup", result="ok")
    return tmp_path


def entries(workspace: Path) -> list[dict[str, object]]:
    proc = cli(workspace, "log", "core1", "--json")
    assert proc.returncode == 0, proc.stderr
    found: list[dict[str, object]] = json.loads(proc.stdout)["entries"]
    return found


def test_log_gives_who_when_why_and_how_it_ended(workspace: Path) -> None:
    found = entries(workspace)
    assert [(e["operator"], e["ticket"], e["run"], e["action"], e["attribution"]) for e in found] == [
        ("bob", None, "9", "backup", "unattributed"),  # a difference no run of ours made
        ("alice", "CHG-1", "3", "change", "planned"),
        ("alice", "CHG-1", "3", "backup", "baseline"),
    ]
    assert set(found[0]) == {"commit", "at", "operator", "ticket", "run", "action", "result", "attribution",
                             "os_user", "ssh_client"}
    table = cli(workspace, "log", "core1", "-n", "1")
    assert "bob" in table.stdout and "alice" not in table.stdout


def test_show_gives_the_config_at_a_moment(workspace: Path) -> None:
    found = entries(workspace)
    middle = cli(workspace, "show", "core1", "--at", str(found[1]["at"]))
    assert middle.returncode == 0 and middle.stdout == V2
    assert str(found[1]["commit"])[:12] in middle.stderr and "change ok by alice" in middle.stderr
    assert cli(workspace, "show", "core1").stdout == V3
    assert cli(workspace, "show", "core1", "--at", str(found[2]["commit"])[:8]).stdout == V1
    before = cli(workspace, "show", "core1", "--at", "2020-01-01")
    assert before.returncode == 2 and "had no recorded config yet at 2020-01-01" in before.stderr


def test_diff_between_two_moments(workspace: Path) -> None:
    found = entries(workspace)
    proc = cli(workspace, "diff", "core1", "--from", str(found[2]["at"]))
    assert proc.returncode == 0
    assert "+ ipv6 address 2001:db8:ab00::1/128" in proc.stdout and "+ntp server 198.18.0.9" in proc.stdout
    same = cli(workspace, "diff", "core1", "--from", str(found[0]["commit"]), "--to", str(found[0]["commit"]))
    assert same.returncode == 0 and same.stdout == ""


def test_blame_names_the_change_behind_each_line(workspace: Path) -> None:
    proc = cli(workspace, "blame", "core1", "--json")
    assert proc.returncode == 0, proc.stderr
    lines = {row["line"]: row for row in json.loads(proc.stdout)["lines"]}
    assert lines[" ipv6 address 2001:db8:ab00::1/128"]["attribution"] == "planned"
    assert lines[" ipv6 address 2001:db8:ab00::1/128"]["ticket"] == "CHG-1"
    assert lines["ntp server 198.18.0.9"]["operator"] == "bob"
    assert lines["ntp server 198.18.0.9"]["attribution"] == "unattributed"
    assert lines["hostname core1"]["attribution"] == "baseline"


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["log", "nope"], 2, "no history of 'nope'; devices with a history: core1"),
        (["log", "../etc/passwd"], 2, "invalid device name"),
        (["show", "core1", "--at", "yesterday"], 2, "'yesterday' is not a date (2026-11-27)"),
        (["diff", "core1", "--from", "abcdef1"], 2, "commit abcdef1 did not change core1"),
    ],
)
def test_bad_input_is_named(workspace: Path, args: list[str], code: int, said: str) -> None:
    proc = cli(workspace, *args)
    assert proc.returncode == code and said in proc.stderr and "Traceback" not in proc.stderr


def test_no_history_yet_says_what_records_one(tmp_path: Path) -> None:
    proc = cli(tmp_path, "log", "core1")
    assert proc.returncode == 1 and "no config history in var/history yet" in proc.stderr
