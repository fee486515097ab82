"""Lines read from a file written one item per line must be the lines PyYAML's marks give, or not be used."""

import json
import re
from pathlib import Path
from typing import Any

import pytest

from extranet.inventory import InventoryError, load_inventory
from extranet.inventory.fields import SECRET_KEY
from extranet.inventory.layout import flat_layout, outline
from extranet.inventory.source import PathKey, SourceDocument, _may_hold_secrets, load_yaml
from extranet.inventory.synth import synth

REGION = 'region: {"id": "r", "name": "测试", "code": "340000", "ipv4": ["198.18.0.0/15"], "ipv6": "2001:db8::/32"}\n'


def _paths(data: Any, path: PathKey = ()) -> list[PathKey]:
    """Every path in the data, and one that does not exist below each collection (its line is its parent's)."""
    found: list[PathKey] = [path]
    if isinstance(data, dict):
        found.append((*path, "absent"))
        for key, value in data.items():
            found += _paths(value, (*path, str(key)))
    elif isinstance(data, list):
        found.append((*path, len(data)))
        for index, item in enumerate(data):
            found += _paths(item, (*path, index))
    return found


def _lines_both_ways(tmp_path: Path, text: str) -> tuple[dict[PathKey, int], dict[PathKey, int], bool]:
    file = tmp_path / "f.yml"
    file.write_text(text, encoding="utf-8")
    fast, problems = load_yaml(file)
    slow, _ = load_yaml(file)
    assert fast is not None and slow is not None and not problems
    paths = _paths(fast.data)
    flat = flat_layout(text, outline(fast.data)) is not None
    fast.release()  # as the loader does: only the outline stays
    _ = slow.lines  # the line map composed by PyYAML
    return {p: fast.line_of(p) for p in paths}, {p: slow.line_of(p) for p in paths}, flat


def test_synthetic_files_are_read_from_their_layout_with_pyyaml_s_lines(tmp_path: Path) -> None:
    for name, text in synth(300, lans=2).files().items():
        fast, slow, flat = _lines_both_ways(tmp_path, text)
        assert flat, name
        assert fast == slow, name


@pytest.mark.parametrize(
    "text",
    [
        "# generated\n\ndepartments:\n  - {id: a, lans: [{name: x}]}\n\n  - {id: b}\nlinks:\nsites: []\n",
        "departments:\n- {id: a}\n- {id: b}  # trailing comment\nsystems:   # none yet\n",
        "region: {id: r, name: x}\nsites:\n  - {id: s1}\n",
        "sites:\n  - s1\n  -\n  - [a, b]\n",
        "departments:\n    - {id: a}\n    - {id: b}\nsites:\n  - {id: c}\n",
    ],
)
def test_one_item_per_line_variants_give_pyyaml_s_lines(tmp_path: Path, text: str) -> None:
    fast, slow, flat = _lines_both_ways(tmp_path, text)
    assert flat
    assert fast == slow


@pytest.mark.parametrize(
    "text",
    [
        "departments:\n  - id: a\n    name: x\n  - id: b\n",  # block mappings
        "departments:\n  - {id: a,\n     name: x}\n",  # an item over two lines
        'departments:\n  - {id: a, name: "x\n  - y"}\n  - {id: b}\n',  # a continuation that looks like an item
        'departments:\n  - {id: a, name: "x\n# y", site: s}\n',  # a continuation that looks like a comment
        "departments:\n  - {id: a}\n  # a comment between items\n  - {id: b}\n",
        "departments:\r\n  - {id: a}\r\n  - {id: b}\r\n",  # CRLF
        "departments:\n  - - a\n    - b\n",  # a nested block sequence
        "---\ndepartments:\n  - {id: a}\n",
        '"departments":\n  - {id: a}\n',
        "region: {id: r,\nname: x}\n",  # a continuation at column 0 that looks like a header
    ],
)
def test_other_layouts_are_composed_by_pyyaml(tmp_path: Path, text: str) -> None:
    fast, slow, flat = _lines_both_ways(tmp_path, text)
    assert not flat
    assert fast == slow


def _workspace(tmp_path: Path, departments: list[dict[str, Any]]) -> Path:
    root = tmp_path / "inventory"
    root.mkdir()
    (root / "region.yml").write_text(REGION, encoding="utf-8")
    sites = [{"id": "s1", "name": "站点", "level": "county"}]
    (root / "sites.yml").write_text("sites:\n" + "".join(f"  - {json.dumps(s)}\n" for s in sites), encoding="utf-8")
    lines = "".join(f"  - {json.dumps(d, ensure_ascii=False)}\n" for d in departments)
    (root / "departments.yml").write_text("departments:\n" + lines, encoding="utf-8")
    return root


def test_errors_in_a_one_item_per_line_file_name_the_item_s_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    ok = {"site": "s1", "access_class": "A", "uplink": None}
    departments = [{"id": f"d{i}", "name": f"部门{i}", **ok} for i in range(5)]
    departments[3]["access_class"] = "Z"
    departments[4]["site"] = "nowhere"
    with pytest.raises(InventoryError) as caught:
        load_inventory(_workspace(tmp_path, departments))
    shown = [str(p) for p in caught.value.problems]
    assert shown[0] == "inventory/departments.yml:5: departments[3].access_class: 'Z' is not one of A, B, C, D, E, F"
    assert shown[1].startswith("inventory/departments.yml:6: departments[4].site: unknown site 'nowhere'")


def test_warnings_are_located_when_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    departments = [{"id": f"d{i}", "name": f"部门{i}", "site": "s1", "access_class": "A"} for i in range(3)]
    inv = load_inventory(_workspace(tmp_path, departments))
    assert [str(w) for w in inv.warnings] == [
        f"inventory/departments.yml:{i + 2}: departments[{i}].uplink: not yet connected to the extranet"
        for i in range(3)
    ]


@pytest.mark.parametrize(
    "text",
    ["a: 1", "PassWord: x", "pasſword: 1", "x: ToKen", "ok: 中文 PSK", "privateKEY: 1", "PRİVATE_KEY: 1",
     "private_\u212aey: 1", "ıd: 1", "community: 中文", "notes: 社区"],
)  # fmt: skip
def test_the_secret_prefilter_agrees_with_the_secret_key_pattern(text: str) -> None:
    assert _may_hold_secrets(text) == (re.search(SECRET_KEY, text) is not None)


def test_a_layout_document_without_data_is_composed(tmp_path: Path) -> None:
    doc = SourceDocument("f.yml", None, text="sites:\n  - {id: a}\n")
    assert doc.line_of(("sites", 0)) == 2
