"""The inventory's memo (issue 16): a load of files found valid before takes that load's verdict, and gives the
same inventory, the same warnings and the same output; any change to the files, to the code that judges them or
to the memo itself sends the load back to reading and checking everything."""

import json
import os
import shutil
from pathlib import Path

import pytest

from extranet.inventory import InventoryError, load_inventory
from extranet.inventory import checks as checks_module
from extranet.inventory import memo as memo_module
from extranet.inventory.load import Inventory
from extranet.inventory.memo import memo_path

from .test_cli import run
from .test_province_fast_paths import _synth as _synth_files

REPO = Path(__file__).resolve().parents[2]
KINDS = ("sites", "departments", "devices", "links", "private_networks", "systems")


def _synth(root: Path, departments: int) -> Path:
    """A synthetic workspace that has recorded something already (its var/ folder)."""
    _synth_files(root, departments)
    (root / "var").mkdir(exist_ok=True)
    return root


@pytest.fixture
def checked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the rules across files ran."""
    calls: list[int] = []
    real = checks_module.check_inventory

    def counting(inv: Inventory) -> list:
        calls.append(1)
        return real(inv)

    monkeypatch.setattr(checks_module, "check_inventory", counting)
    return calls


def _edited(path: Path, change) -> None:
    memo = json.loads(path.read_text(encoding="utf-8"))
    change(memo)
    path.write_text(json.dumps(memo), encoding="utf-8")


def _everything(inv: Inventory) -> dict:
    """What a command can see of an inventory: every object, where each was defined, the warnings by line."""
    return {
        "region": inv.region,
        **{kind: dict(inv.collection(kind)) for kind in KINDS},
        "origins": {key: str(origin) for key, origin in inv.origins.items()},
        "warnings": inv.warnings,
        "digest": inv.digest,
    }


@pytest.mark.parametrize("flat", [True, False], ids=["one JSON object per item", "YAML"])
def test_a_second_load_of_the_same_files_skips_the_checks_and_gives_the_same_inventory(
    tmp_path: Path, checked: list[int], flat: bool
) -> None:
    if flat:
        root = _synth(tmp_path, 300) / "inventory"
    else:
        root = tmp_path / "inventory"
        shutil.copytree(REPO / "inventory", root)
        (tmp_path / "var").mkdir()
    first = load_inventory(root)
    assert checked == [1] and memo_path(root).is_file()
    assert oct(memo_path(root).stat().st_mode & 0o777) == "0o600"
    second = load_inventory(root)
    assert checked == [1]  # the verdict was taken, not found again
    # files of one JSON object per item: nothing validated until used; YAML: parsed, only the checks spared
    assert ("departments" in vars(second)) is not flat
    assert second.count("departments") == first.count("departments") > 0
    assert _everything(second) == _everything(first)
    assert len(first.unlocated) > 0  # warnings to compare


def test_one_department_is_validated_alone(tmp_path: Path) -> None:
    root = _synth(tmp_path, 300) / "inventory"
    first = load_inventory(root)
    dept_id = list(first.departments)[150]
    second = load_inventory(root)
    assert second.item("departments", dept_id) == first.departments[dept_id]
    assert second.item("departments", "no-such-department") is None
    assert "departments" not in vars(second)  # the other 299 were not validated for it
    # the report's columns of every department, read as written (valid), equal the validated objects' values
    assert second.fields("departments", "id", "name", "site") == first.fields("departments", "id", "name", "site")
    assert "departments" not in vars(second)
    assert second.count("departments") == 300
    assert second.departments == first.departments  # and all of them when a command uses them


@pytest.mark.parametrize(
    "edit",
    [
        lambda text: text.replace('"site": "c000"', '"site": "nowhere"', 1),  # a new problem
        lambda text: text + "\n",  # the same data, other bytes
    ],
    ids=["a reference broken", "a blank line added"],
)
def test_a_changed_file_is_read_and_checked_again(tmp_path: Path, checked: list[int], edit) -> None:
    root = _synth(tmp_path, 300) / "inventory"
    load_inventory(root)
    path = root / "departments.yml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    try:
        load_inventory(root)
    except InventoryError as exc:
        assert any("unknown site 'nowhere'" in p.message for p in exc.problems)
    assert checked == [1, 1]


def test_other_code_judging_the_files_is_no_memo(tmp_path: Path, checked: list[int],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    root = _synth(tmp_path, 100) / "inventory"
    load_inventory(root)
    monkeypatch.setattr(memo_module, "_code", lambda: "another extranet")
    load_inventory(root)
    assert checked == [1, 1]


SPOILS = ["world-writable", "another owner", "not JSON", "binary", "ids not text", "wrong shape", "no such file",
          "a kind without ids", "a warning in no file", "gone"]  # fmt: skip


@pytest.mark.parametrize(
    "spoil",
    [
        lambda path: path.chmod(0o666),  # others may write it
        lambda path: os.chown(path, 65534, -1),  # another user's
        lambda path: path.write_text("{not json", encoding="utf-8"),
        lambda path: path.write_bytes(b"\x00\xff" * 100),
        lambda path: path.write_text(json.dumps({**json.loads(path.read_text()), "keys": {"sites": [1, 2]}})),
        lambda path: path.write_text(json.dumps({**json.loads(path.read_text()), "flat": {"runs": 5}})),
        lambda path: _edited(path, lambda memo: memo["flat"]["runs"]["departments"][0].__setitem__(0, 99)),
        lambda path: _edited(path, lambda memo: memo["flat"]["runs"].__setitem__("elsewhere", [[0, [1]]])),
        lambda path: _edited(path, lambda memo: memo["warnings"][1][0].__setitem__(0, 99)),
        lambda path: path.unlink(),
    ],
    ids=SPOILS,
)
def test_a_memo_that_cannot_be_trusted_is_no_memo(tmp_path: Path, checked: list[int], spoil) -> None:
    if spoil.__code__.co_names == ("os", "chown") and os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    root = _synth(tmp_path, 100) / "inventory"
    first = load_inventory(root)
    spoil(memo_path(root))
    second = _everything(load_inventory(root))
    assert checked == [1, 1]  # checked again (a warning the memo cannot place: when the warnings are asked for)
    assert second == _everything(first)


def test_a_memo_that_lies_about_the_files_stops_the_command_and_is_removed(tmp_path: Path) -> None:
    """Its key fits the files but its ids do not (written by hand): no wrong object is ever used."""
    root = _synth(tmp_path, 100) / "inventory"
    load_inventory(root)
    path = memo_path(root)
    memo = json.loads(path.read_text(encoding="utf-8"))
    memo["keys"]["departments"][0], memo["keys"]["departments"][1] = memo["keys"]["departments"][1:3][::-1]
    path.write_text(json.dumps(memo), encoding="utf-8")
    path.chmod(0o600)
    inv = load_inventory(root)
    with pytest.raises(InventoryError, match="memo does not match its files"):
        inv.departments  # noqa: B018 - the kind is validated when used
    assert not path.exists()
    assert load_inventory(root).count("departments") == 100  # the next command reads the files again


def test_a_workspace_that_cannot_keep_a_memo_still_loads(tmp_path: Path, checked: list[int]) -> None:
    root = _synth(tmp_path, 100) / "inventory"
    (tmp_path / "var").mkdir(exist_ok=True)
    (tmp_path / "var" / "cache").write_text("a file where the folder would be", encoding="utf-8")
    load_inventory(root)
    load_inventory(root)
    assert checked == [1, 1]


def test_no_memo_where_the_workspace_has_no_var_folder(tmp_path: Path, checked: list[int]) -> None:
    """A command that only reads leaves nothing behind where nothing was recorded yet."""
    root = tmp_path / "county" / "inventory"
    shutil.copytree(REPO / "inventory", root)
    load_inventory(root)
    load_inventory(root)
    assert checked == [1, 1] and not (tmp_path / "county" / "var").exists()


def test_the_first_command_that_makes_var_keeps_the_memo_at_its_end(tmp_path: Path) -> None:
    """A new workspace (no var/ yet): a command that only reads leaves nothing; the first `inventory check` (or
    `plan --apply`) makes var/ as it records itself, and keeps the memo then, so that the second one is quick."""
    _synth_files(tmp_path, 200)
    root = tmp_path / "inventory"
    shown = run("plan", "show", "-i", str(root), cwd=tmp_path)
    assert shown.returncode == 0 and not (tmp_path / "var").exists()
    first = run("inventory", "check", "-i", str(root), cwd=tmp_path)
    assert first.returncode == 0 and memo_path(root).is_file()
    assert json.loads(memo_path(root).read_text(encoding="utf-8"))["keys"]["departments"][:1] == ["d000000"]
    assert run("inventory", "check", "-i", str(root), cwd=tmp_path).stdout == first.stdout


def test_inventory_check_says_the_same_from_the_memo(tmp_path: Path) -> None:
    workspace = _synth(tmp_path, 300)
    first = run("inventory", "check", "-i", str(workspace / "inventory"), cwd=workspace)
    assert first.returncode == 0 and memo_path(workspace / "inventory").is_file()
    second = run("inventory", "check", "-i", str(workspace / "inventory"), cwd=workspace)
    assert second.returncode == 0
    assert second.stdout == first.stdout
    assert "300 departments" in second.stdout and "300 warnings" in second.stdout
    as_json = [run("inventory", "check", "--json", "-i", str(workspace / "inventory"), cwd=workspace) for _ in "ab"]
    assert json.loads(as_json[0].stdout) == json.loads(as_json[1].stdout)
    path = workspace / "inventory" / "departments.yml"
    path.write_text(path.read_text(encoding="utf-8").replace('"site": "c000"', '"site": "nowhere"', 1))
    third = run("inventory", "check", "-i", str(workspace / "inventory"), cwd=workspace)
    assert third.returncode == 2 and "unknown site 'nowhere'" in third.stdout + third.stderr


def test_plan_show_of_one_site_is_the_same_from_the_memo(tmp_path: Path) -> None:
    workspace = _synth(tmp_path, 300)
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    memo = memo_path(workspace / "inventory")
    assert memo.is_file()
    lines = (workspace / "inventory" / "departments.yml").read_text(encoding="utf-8").splitlines()
    site = json.loads(lines[-1].removeprefix("  - "))["site"]  # a township's
    shown = [run("plan", "show", "--site", site, cwd=workspace) for _ in "ab"]
    memo.unlink()
    fresh = run("plan", "show", "--site", site, cwd=workspace)
    assert shown[0].returncode == shown[1].returncode == fresh.returncode == 0
    assert shown[0].stdout == shown[1].stdout == fresh.stdout
    assert "LANs" in fresh.stdout and "↔ 2001:db8:" in fresh.stdout  # departments with their planned LANs


def test_the_first_warnings_are_those_of_the_whole_list(tmp_path: Path) -> None:
    """`inventory check` shows the first 30 warnings by file and line, locating only those that can be among
    them: the same ones, in the same order, as locating every warning, across flat files, a YAML block file and
    warnings on the same line (a LAN outside the region's space on a department not yet connected)."""
    root = _synth(tmp_path, 200) / "inventory"
    lines = (root / "departments.yml").read_text(encoding="utf-8").splitlines(keepends=True)
    head, items = lines[0], lines[1:]
    for n, index in enumerate((3, 17, 170)):
        outside = f'{{"name": "lan1", "ipv4": "203.0.113.{n * 16}/28"}}'
        items[index] = items[index].replace('{"name": "lan1"}', outside)
    (root / "departments.yml").write_text(head + "".join(items[:150]), encoding="utf-8")
    (root / "a-more.yml").write_text(head + "".join(items[150:]), encoding="utf-8")
    (root / "b-block.yml").write_text(
        "departments:\n"
        + "".join(f"  - id: y{n}\n    name: 部门y{n}\n    site: c000\n    access_class: A\n"
                  f"    lans:\n      - name: lan0\n        ipv4: 203.0.113.{64 + n * 8}/29\n" for n in range(3)),
        encoding="utf-8",
    )  # fmt: skip
    for count in (1, 2, 30, 55, 60, 204):
        assert load_inventory(root).first_warnings(count) == load_inventory(root).warnings[:count], count
    shown = load_inventory(root).first_warnings(60)
    assert [p.file.rsplit("/", 1)[-1] for p in shown[:2]] == ["a-more.yml"] * 2
    # a-more.yml's 50 (its item 20 twice: on one line), b-block.yml's 6, then departments.yml's first 4
    assert [p.file.rsplit("/", 1)[-1] for p in shown].count("a-more.yml") == 51
    assert sum("lies outside the region" in p.message for p in shown) == 4


def _as_planned(departments) -> dict:
    """What the planner reads of each department, as plain values."""
    return {
        key: (d.id, d.name, d.site, [(lan.name, lan.zone, lan.ipv4, lan.ipv6, lan.vlan,
                                      (lan.gateway.device, lan.gateway.interface) if lan.gateway else None)
                                     for lan in d.lans])
        for key, d in departments.items()
    }  # fmt: skip


def _varied(tmp_path: Path) -> Path:
    """A synthetic inventory whose LANs are written in several ways: a VLAN as a number and as text, a pinned
    prefix, a zone and a gateway, nulls, an IPv4 prefix as written and with a length of three digits."""
    root = _synth(tmp_path, 60) / "inventory"
    path = root / "departments.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    changes = {
        2: ('{"name": "lan0"}', '{"name": "lan0", "vlan": 100}'),
        3: ('{"name": "lan1"}', '{"name": "lan1", "vlan": "200"}'),
        4: ('{"name": "lan2"}', '{"name": "lan2", "ipv6": "2001:db8:ffff:1::/64"}'),
        5: ('{"name": "lan3"}', '{"name": "lan3", "zone": "private", "gateway": {"device": "c000-core1", '
                                '"interface": "Vlanif300"}}'),
        6: ('{"name": "lan0"}', '{"name": "lan0", "zone": "public", "ipv6": null, "vlan": null}'),
        7: ('{"name": "lan1"}', '{"name": "lan1", "ipv4": "203.0.113.0/28"}'),
        8: ('{"name": "lan2"}', '{"name": "lan2", "ipv4": "203.0.113.16/028"}'),
    }  # fmt: skip
    for index, (old, new) in changes.items():
        assert old in lines[index + 1]
        lines[index + 1] = lines[index + 1].replace(old, new)
    lines[5 + 1] = lines[5 + 1].replace('"access_class": "A"', '"access_class": "D"').replace(
        '"access_class": "B"', '"access_class": "D"').replace('"access_class": "C"', '"access_class": "D"')
    path.write_text("".join(lines), encoding="utf-8")
    devices = root / "devices.yml"
    text = devices.read_text(encoding="utf-8")
    devices.write_text(text.replace('"interfaces": [', '"interfaces": [{"name": "Vlanif300"}, ', 1), encoding="utf-8")
    return root


def test_the_planner_reads_the_departments_as_validated(tmp_path: Path, checked: list[int]) -> None:
    """From a memo the planner reads departments' JSON without making 100,000 models: the values it gets are
    those validation gives, whether written as validation gives them (a VLAN number, a zone, a gateway) or not
    (a VLAN as text, a pinned prefix: that department is validated alone)."""
    root = _varied(tmp_path)
    full = load_inventory(root)
    expected = _as_planned(full.departments)
    assert expected["d000002"][3][0][4] == 100 and expected["d000003"][3][1][4] == 200
    assert expected["d000005"][3][3][1] == "private" and expected["d000005"][3][3][5] == ("c000-core1", "Vlanif300")
    assert str(expected["d000004"][3][2][3]) == "2001:db8:ffff:1::/64"
    written = [str(expected[d][3][n][2]) for d, n in (("d000007", 1), ("d000008", 2))]
    assert written == ["203.0.113.0/28", "203.0.113.16/28"]
    again = load_inventory(root)
    assert checked == [1]  # the memo's verdict taken
    planned = again.department_facts()
    assert "departments" not in again.__dict__  # no models made for all of them
    assert _as_planned(planned) == expected
    made = {key for key, d in planned.items() if not isinstance(d, tuple)}
    assert made == {"d000003", "d000004", "d000008"}  # written otherwise than validation gives it: validated alone


def test_plan_says_the_same_from_the_memo(tmp_path: Path) -> None:
    """Departments added to an applied plan: `plan --json` lists the same additions with the memo (the
    departments read as facts) as after a full load."""
    workspace = _synth(tmp_path, 300)
    path = workspace / "inventory" / "departments.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-40]), encoding="utf-8")
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    path.write_text("".join(lines), encoding="utf-8")
    memo = memo_path(workspace / "inventory")
    runs = []
    for keep in (False, True, True):
        if not keep:
            memo.unlink(missing_ok=True)
        runs.append(run("plan", "--json", cwd=workspace))
    assert [r.returncode for r in runs] == [1, 1, 1] and memo.is_file()
    found = [json.loads(r.stdout) for r in runs]
    assert found[0] == found[1] == found[2]
    assert len(found[0]["added"]) == 40 * 5 and found[0]["kept"] > 0  # each department and its 4 LANs


@pytest.mark.parametrize("command", [["plan", "export", "-f", "csv"], ["plan", "export", "-f", "netbox"],
                                     ["plan", "export", "-f", "json"], ["plan", "dns", "-o", "zones"]])  # fmt: skip
def test_exports_say_the_same_from_the_memo(tmp_path: Path, command: list[str]) -> None:
    """The plan's pairs read departments as facts from the memo: the exports and zones are byte for byte those
    of a full load."""
    workspace = _varied(tmp_path).parent
    assert run("plan", "--apply", cwd=workspace).returncode == 0
    memo = memo_path(workspace / "inventory")
    outputs = []
    for keep in (False, True):
        if not keep:
            memo.unlink(missing_ok=True)
        done = run(*command, cwd=workspace)
        assert done.returncode == 0, done.stderr
        zones = sorted((workspace / "zones").glob("*")) if command[1] == "dns" else []
        outputs.append((done.stdout, {p.name: p.read_bytes() for p in zones}))
        shutil.rmtree(workspace / "zones", ignore_errors=True)
    assert memo.is_file()
    assert outputs[0] == outputs[1]
    if command[-1] in ("csv", "json"):  # the LANs' IPv4 prefixes are in the pairs, as validated
        assert "203.0.113.16/28" in outputs[0][0] and "203.0.113.16/028" not in outputs[0][0]
    if command[1] == "dns":
        assert outputs[0][1] and all(outputs[0][1].values())
