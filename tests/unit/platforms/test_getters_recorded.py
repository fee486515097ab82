"""Every platform's parsers against the real device output kept in its package (NAPALM's mocked_data idea).

``scripts/extranet/platforms/<platform>/recorded/<getter>/<case>.txt`` is the raw output as published (say
where in ``<case>.yml``: ``source``, ``device``, ``command``), and ``<case>.yml`` holds what extranet must read
from it: ``expected`` (the whole result, as ``extranet device parse`` prints it) or, for long tables, ``count``
plus ``contains`` (entries that must be among the result, chosen from the lines that are easy to misread).
``year`` pins the year of log stamps that print none (``command-log`` on IOS and Junos): the parser otherwise
takes the current one, as it does on a device.
"""

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from extranet.platforms.results import GETTERS, ParseError, as_json

PLATFORMS = Path(__file__).resolve().parents[3] / "scripts" / "extranet" / "platforms"
LIST_KEY = {"ipv4-routes": "routes", "ospf-neighbors": "neighbors", "ospfv3-neighbors": "neighbors",
            "ipv6-interfaces": "interfaces", "bgp-neighbors": "neighbors", "command-log": "commands"}  # fmt: skip


def cases() -> list[Any]:
    found = []
    for raw in sorted(PLATFORMS.glob("*/recorded/*/*.txt")):
        platform, getter = raw.parts[-4], raw.parts[-2]
        found.append(pytest.param(platform, getter, raw, id=f"{platform}-{getter}-{raw.stem}"))
    return found


def parser(platform: str, getter: str) -> Any:
    module = importlib.import_module(f"extranet.platforms.{platform}.getters")
    return module.PARSERS[getter]


def result_json(getter: str, value: object) -> Any:
    return {LIST_KEY[getter]: as_json(value)} if getter in LIST_KEY else as_json(value)


@pytest.mark.parametrize(("platform", "getter", "raw"), cases())
def test_recorded_output_reads_as_expected(platform: str, getter: str, raw: Path) -> None:
    assert getter in GETTERS
    meta = yaml.safe_load(raw.with_suffix(".yml").read_text(encoding="utf-8"))
    assert meta.get("source"), f"{raw}: say where the output came from"
    pinned = {"year": meta["year"]} if "year" in meta else {}
    got = result_json(getter, parser(platform, getter)(raw.read_text(encoding="utf-8"), **pinned))
    if "expected" in meta:
        assert got == meta["expected"]
        return
    key = LIST_KEY[getter]
    assert len(got[key]) == meta["count"]
    for entry in meta["contains"][key]:
        assert entry in got[key]


OTHER_COMMAND = """interface GigabitEthernet0/0/1
 description uplink
 ip address 198.51.100.1 255.255.255.252
"""


def platform_getters() -> list[Any]:
    found = []
    for module in sorted(PLATFORMS.glob("*/getters.py")):
        platform = module.parent.name
        for getter in importlib.import_module(f"extranet.platforms.{platform}.getters").PARSERS:
            found.append(pytest.param(platform, getter, id=f"{platform}-{getter}"))
    return found


@pytest.mark.parametrize(("platform", "getter"), platform_getters())
def test_another_commands_output_is_refused(platform: str, getter: str) -> None:
    with pytest.raises(ParseError):
        parser(platform, getter)(OTHER_COMMAND)


@pytest.mark.parametrize(("platform", "getter"), platform_getters())
def test_a_megabyte_line_is_refused_in_a_readable_message(platform: str, getter: str) -> None:
    """Garbage the size of a paging accident: refused, and the message quotes at most a line's worth of it."""
    for garbage in ("198.51.100.1 " * 80_000 + "\n", " " * 1_000_000 + "x\n"):
        with pytest.raises(ParseError) as refused:
            parser(platform, getter)(garbage)
        assert len(str(refused.value)) < 400
