"""`extranet device parse` and `extranet device commands`: what extranet reads from a saved output, and what
it sends, as an engineer checks them without a device."""

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from extranet.cli import app
from extranet.platforms import PLATFORM_NAMES, all_platforms, get
from extranet.platforms.results import GETTERS

FRR = get("frr").package / "recorded"
ROUTES = FRR / "ipv4-routes" / "lab-yl-bs-acc-01-legacy.txt"
OSPF = FRR / "ospf-neighbors" / "lab-yl-bs-acc-01-legacy.txt"
PLATFORMS = all_platforms()
SHAPES = {"ipv4-routes": {"routes"}, "ospf-neighbors": {"neighbors"}, "ospfv3-neighbors": {"neighbors"},
          "ping": {"sent", "received"}, "ipv6-interfaces": {"interfaces"}, "bgp-neighbors": {"neighbors"},
          "command-log": {"commands"}}  # fmt: skip


def device(*args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(app, ["device", *args], input=stdin)
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result


def parsed(*args: str, stdin: str | None = None) -> Any:
    result = device("parse", *args, stdin=stdin)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def refused(*args: str, stdin: str | None = None) -> str:
    """The one-line error of a refused call (exit 2), whitespace-normalised."""
    result = device(*args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    return " ".join(result.stderr.split())


# ---- parse: real outputs -------------------------------------------------------------------------------------
def test_frr_routes_read_from_the_recorded_lab_output() -> None:
    routes = parsed("frr", "ipv4-routes", str(ROUTES))["routes"]
    by_prefix = {r["prefix"]: r for r in routes}
    assert by_prefix["198.18.1.1/32"] == {"prefix": "198.18.1.1/32", "protocol": "ospf", "next_hops": ["198.18.2.56"]}
    # a connected route has no next-hop address: the interface stands for it
    assert by_prefix["198.18.0.0/24"] == {"prefix": "198.18.0.0/24", "protocol": "connected", "next_hops": ["mgmt0"]}
    assert all(set(r) == {"prefix", "protocol", "next_hops"} for r in routes)
    assert len(routes) > 10


def test_frr_ospf_neighbours_read_from_the_recorded_lab_output() -> None:
    # FRR prints "Full/-" on "eth1:198.18.2.57": the state without the DR role, the interface without its address
    assert parsed("frr", "ospf-neighbors", str(OSPF)) == {
        "neighbors": [{"router_id": "198.18.1.1", "state": "full", "interface": "eth1"}]
    }


def test_ping_is_one_result_not_a_list() -> None:
    summary = "PING 2001:db8::1 56 data bytes\n--- ping statistics ---\n3 packets transmitted, 2 received, 33% loss\n"
    assert parsed("frr", "ping", "-", stdin=summary) == {"sent": 3, "received": 2}


@pytest.mark.parametrize(
    "case",
    [pytest.param(path, id=f"{p.name}/{path.parent.name}/{path.stem}") for p in PLATFORMS for path in p.recorded()],
)
def test_every_recorded_output_prints_its_getters_shape(case: Path) -> None:
    platform, getter = case.parents[2].name, case.parent.name
    result = parsed(platform, getter, str(case))
    assert set(result) == SHAPES[getter]


# ---- parse: what it cannot read ------------------------------------------------------------------------------
def test_garbage_names_the_file_and_the_line(tmp_path: Path) -> None:
    garbage = tmp_path / "show-ip-route.txt"
    garbage.write_text("% Unknown command.\nyl-bs-acc-01# \n", encoding="utf-8")
    said = refused("parse", "frr", "ipv4-routes", str(garbage))
    assert said == f"error: {garbage}:1: expected vtysh's JSON (an object), read '% Unknown command.'"


def test_a_cut_off_output_names_the_line_it_stopped_at(tmp_path: Path) -> None:
    lines = ROUTES.read_text(encoding="utf-8").splitlines()
    cut = tmp_path / "cut.txt"
    cut.write_text("\n".join(lines[:40]) + "\n", encoding="utf-8")  # the session dropped mid-table
    # the text ends after line 40's comma: that is where JSON stops making sense
    assert refused("parse", "frr", "ipv4-routes", str(cut)).startswith(f"error: {cut}:40: not JSON")


def test_a_problem_with_the_whole_output_has_no_line(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"198.18.0.0/15": {"protocol": "ospf"}}\n', encoding="utf-8")
    said = refused("parse", "frr", "ipv4-routes", str(wrong))
    assert said.startswith(f"error: {wrong}: 198.18.0.0/15: expected a list")


def test_a_parser_that_trips_is_still_a_refusal_without_traceback() -> None:
    said = refused("parse", "frr", "ipv4-routes", "-", stdin='{"198.18.0.0/15": [1]}')
    assert said.startswith("error: <stdin>: the frr ipv4-routes parser cannot read it: AttributeError")


def test_unreadable_file(tmp_path: Path) -> None:
    assert refused("parse", "frr", "ping", str(tmp_path / "nowhere.txt")) == (
        f"error: {tmp_path / 'nowhere.txt'}: No such file or directory"
    )
    assert refused("parse", "frr", "ping", str(tmp_path)) == f"error: {tmp_path}: Is a directory"


def test_unknown_getter_lists_the_getters() -> None:
    said = refused("parse", "huawei", "ospf-neighbours", str(OSPF))
    assert said.startswith(f"error: unknown getter 'ospf-neighbours': one of {', '.join(GETTERS)}")


def test_a_getter_the_platform_lacks_lists_what_it_has() -> None:
    lacking = [(p, g) for p in PLATFORMS for g in GETTERS if g not in p.parsers]
    if not lacking:
        pytest.skip("every platform has every getter")
    platform, getter = lacking[0]
    said = refused("parse", platform.name, getter, str(OSPF))
    assert said == f"error: {platform.name} has no {getter} getter: it has {', '.join(platform.parsers)}"


def test_unknown_platform_lists_the_platforms() -> None:
    said = refused("parse", "huawai", "ping", str(OSPF))
    assert said == f"error: unknown platform 'huawai': one of {', '.join(PLATFORM_NAMES)}"


# ---- commands ------------------------------------------------------------------------------------------------
def test_commands_show_getters_and_change_flow() -> None:
    result = device("commands", "juniper_junos")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "show configuration | display set" in text
    assert "getter ospfv3-neighbors" in text and "show ospf3 neighbor" in text
    assert "commit confirmed {minutes} ; exit" in text
    assert "flow timer" in text and "minutes" in text


def test_commands_json_for_every_platform() -> None:
    for platform in PLATFORMS:
        result = device("commands", platform.name, "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        assert data["getters"] == dict(platform.commands)
        assert data["flow"]["enter"] == list(platform.flow.enter)
        assert data["flow"]["has_timer"] == platform.flow.has_timer
        assert data["running_config"] == platform.running_config


def test_commands_of_an_unknown_platform() -> None:
    assert refused("commands", "ios").startswith("error: unknown platform 'ios': one of huawei,")
