"""The `extranet` command as an operator runs it: exit codes, messages, JSON."""

import json
import subprocess
import sys
from pathlib import Path

from extranet import __version__

from ..conftest import BASE_INVENTORY, write_inventory

EXTRANET = str(Path(sys.executable).parent / "extranet")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXTRANET, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_version(workspace: Path) -> None:
    result = run("--version", cwd=workspace)
    assert result.returncode == 0
    assert result.stdout.strip() == f"extranet {__version__}"


def test_every_command_has_help(workspace: Path) -> None:
    for command in (
        [],
        ["inventory"],
        ["inventory", "check"],
        ["inventory", "show"],
        ["inventory", "ansible"],
        ["db"],
        ["db", "upgrade"],
        ["audit"],
        ["audit", "verify"],
    ):
        result = run(*command, "--help", cwd=workspace)
        assert result.returncode == 0, command
        assert "Usage: extranet" in result.stdout


def test_check_ok_exits_zero_and_summarises(workspace: Path) -> None:
    result = run("inventory", "check", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "inventory ok: 测试县 (341100): 3 sites, 2 departments, 2 devices, 1 links" in result.stdout


def test_bad_input_exits_two_with_location_and_no_traceback(workspace: Path) -> None:
    devices = BASE_INVENTORY["devices.yml"].replace("platform: hp_comware", "platform: huawai")
    write_inventory(workspace, {"devices.yml": devices})
    result = run("inventory", "check", cwd=workspace)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert "inventory/devices.yml:11: devices[1].platform: 'huawai' is not one of huawei," in result.stderr


def test_check_json_lists_errors_for_machines(workspace: Path) -> None:
    write_inventory(workspace, {"links.yml": BASE_INVENTORY["links.yml"].replace("GigabitEthernet1/0/1", "Eth9")})
    result = run("inventory", "check", "--json", cwd=workspace)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert report["errors"][0]["file"] == "inventory/links.yml"
    assert report["errors"][0]["line"] == 4
    assert report["errors"][0]["path"] == "links[0].b.interface"


def test_missing_inventory_directory_is_bad_input(tmp_path: Path) -> None:
    result = run("inventory", "check", "--inventory", "nowhere", cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere: no such inventory directory" in result.stderr


def test_show_json_is_a_tree_of_sites_departments_and_devices(workspace: Path) -> None:
    result = run("inventory", "show", "--json", cwd=workspace)
    assert result.returncode == 0, result.stderr
    tree = json.loads(result.stdout)
    assert tree["region"]["name"] == "测试县"
    [county] = tree["sites"]
    assert county["id"] == "county"
    assert [d["name"] for d in county["devices"]] == ["core1"]
    assert [d["name"] for d in county["departments"]] == ["县公安局"]
    town = next(s for s in county["sites"] if s["id"] == "town1")
    assert town["departments"][0]["uplink"] == "town1-r1 GigabitEthernet1/0/2"


def test_show_renders_chinese_names_in_a_tree(workspace: Path) -> None:
    result = run("inventory", "show", "--site", "town1", cwd=workspace)
    assert result.returncode == 0, result.stderr
    assert "一号镇人民政府" in result.stdout
    assert "县公安局" not in result.stdout  # another site
    assert run("inventory", "show", "--site", "nowhere", cwd=workspace).returncode == 2


def test_checks_are_recorded_as_runs(workspace: Path) -> None:
    from extranet.store import open_store
    from extranet.store.schema import Run

    assert run("inventory", "check", cwd=workspace).returncode == 0
    store = open_store()
    with store.sessions() as session:
        runs = session.query(Run).all()
    assert [(r.kind, r.status) for r in runs] == [("inventory.check", "ok")]
    assert len(runs[0].inventory_digest or "") == 64


def test_a_command_loads_only_its_own_module(workspace: Path) -> None:
    """`extranet plan …` does not import the report, probe or push code (each command paid ~2 s for all)."""
    code = (
        "import sys; sys.argv = ['extranet', 'plan', '--help']\n"
        "from extranet.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('extranet.cli.'))), file=sys.stderr)\n"
        "print('sqlalchemy' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=workspace, capture_output=True, text=True, timeout=60)
    loaded, database = result.stderr.split("\n")[-3:-1]
    assert "Usage: extranet plan" in result.stdout, result.stderr
    assert set(loaded.split()) <= {
        "extranet.cli.plan",
        "extranet.cli.inventory",
        "extranet.cli.options",
        "extranet.cli.output",
    }, loaded
    assert "extranet.cli.plan" in loaded.split()
    assert database == "False"  # no database module for a command that needs none
