"""Classification of a department from its probe results, and the checks planned from inventory + plan."""

from pathlib import Path

from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock
from extranet.probe.classify import Result, classify
from extranet.probe.settings import ProbeSettings, SettingsError, load_settings
from extranet.probe.targets import Check, DepartmentPlan, Planner

from ..conftest import REPO

SETTINGS = ProbeSettings(loss_degraded=0.2, rtt_degraded_ms=100)
PLAN = DepartmentPlan(
    "xwb", "xh-xwb-office", "xwb.office (lab)", [Check("xwb", 4, "tcp", "oa https", "198.18.16.11", 443)]
)


def ping(family: int, target: str, ok: bool | None, loss: float = 0.0, rtt: float | None = 1.0,
         error: str | None = None) -> Result:  # fmt: skip
    return Result(family, "icmp", target, "198.19.1.1" if family == 4 else "2001:db8::1", ok,
                  {"loss": loss, "rtt_avg": rtt}, error)  # fmt: skip


def both(v4: bool | None, v6: bool | None) -> list[Result]:
    return [ping(4, t, v4, error=None if v4 else "timeout") for t in ("gateway", "core")] + [
        ping(6, t, v6, error=None if v6 else "network unreachable") for t in ("gateway", "core")
    ]


def test_both_families_answer_is_dual_stack() -> None:
    verdict = classify(PLAN, both(True, True), SETTINGS)
    assert (verdict.status, verdict.ipv4, verdict.ipv6, verdict.reasons) == ("dual-stack", "ok", "ok", [])


def test_one_family_never_stands_in_for_the_other() -> None:
    verdict = classify(PLAN, both(True, False), SETTINGS)
    assert (verdict.status, verdict.ipv6) == ("ipv4-only", "down")
    assert "IPv6: gateway 2001:db8::1: no reply (network unreachable)" in verdict.reasons
    assert classify(PLAN, both(False, True), SETTINGS).status == "ipv6-only"
    assert classify(PLAN, both(False, False), SETTINGS).status == "down"


def test_loss_or_latency_over_the_thresholds_is_degraded() -> None:
    lossy = [ping(4, "gateway", True, loss=0.4), ping(4, "core", True), ping(6, "gateway", True), ping(6, "core", True)]
    verdict = classify(PLAN, lossy, SETTINGS)
    assert verdict.status == "degraded" and verdict.ipv4 == "degraded" and verdict.ipv6 == "ok"
    assert "IPv4: gateway 198.19.1.1: loss 40% over threshold 20%" in verdict.reasons
    slow = [ping(4, "gateway", True), ping(4, "core", True, rtt=150.0), ping(6, "gateway", True)]
    assert "RTT 150.0 ms over threshold 100 ms" in "; ".join(classify(PLAN, slow, SETTINGS).reasons)


def test_a_probe_that_could_not_run_is_unknown_not_down() -> None:
    results = [*both(True, True)[:2], ping(6, "gateway", None, error="permission denied")]
    verdict = classify(PLAN, results, SETTINGS)
    assert verdict.status == "unknown" and verdict.ipv6 == "unknown"
    snmp = Result(4, "snmp", "yl-agg-01 Gi1/0/11", "198.18.0.6", None, {}, "authentication failed")
    verdict = classify(PLAN, [*both(True, True), snmp], SETTINGS)
    assert verdict.status == "unknown" and "SNMP yl-agg-01 Gi1/0/11: authentication failed" in verdict.reasons


def test_services_that_fail_are_reasons_not_a_status() -> None:
    tcp = Result(6, "tcp", "oa https", "[2001:db8::11]:443", False, {}, "refused")
    verdict = classify(PLAN, [*both(True, True), tcp], SETTINGS)
    assert verdict.status == "dual-stack" and "IPv6: TCP oa https [2001:db8::11]:443: refused" in verdict.reasons


def test_a_department_without_services_says_so() -> None:
    verdict = classify(DepartmentPlan("tjj", None, "core"), both(True, True), SETTINGS)
    assert verdict.status == "dual-stack" and any("no declared services" in r for r in verdict.reasons)


def test_a_one_family_run_says_ok_without_judging_the_other() -> None:
    verdict = classify(PLAN, both(True, True)[:2], SETTINGS, families=(4,))
    assert (verdict.status, verdict.ipv4, verdict.ipv6) == ("ok", "ok", "not-probed")


def test_checks_planned_from_the_example_inventory() -> None:
    inv = load_inventory(REPO / "inventory")
    planner = Planner(inv, read_lock(REPO / "netplan" / "allocations.yml"), None, "core", ["198.18.8.53"])
    plan = planner.plan(inv.departments["zfb"])
    icmp = {(c.family, c.target): c.address for c in plan.checks if c.kind == "icmp"}
    assert icmp[(4, "gateway")] == "198.19.2.1" and icmp[(6, "gateway")].startswith("2001:db8:")
    assert (4, "core") not in icmp  # from the core, the core is not a target
    tcp = {(c.family, c.address, c.port) for c in plan.checks if c.kind == "tcp"}
    assert (4, "198.18.16.11", 443) in tcp and (6, "2001:db8:ab02:4::b", 443) in tcp  # system oa, both families
    dns = {(c.family, c.name) for c in plan.checks if c.kind == "dns"}
    assert (4, "oa.yunling.gov.example") in dns and (6, "oa.yunling.gov.example") in dns
    snmp = [c for c in plan.checks if c.kind == "snmp"]
    assert [(c.device, c.name) for c in snmp] == [("yl-agg-01", "GigabitEthernet1/0/12")]
    unconnected = planner.plan(inv.departments["rmt"])
    assert unconnected.not_connected and classify(unconnected, [], SETTINGS).status == "down"


def test_settings_errors_name_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "probe.yml"
    path.write_text("extranet_probe:\n  count: 0\n  resolvers: [not-an-ip]\n", encoding="utf-8")
    try:
        load_settings(path)
    except SettingsError as exc:
        text = str(exc)
    else:
        raise AssertionError("bad settings were accepted")
    assert "probe.yml:2" in text and "count" in text and "probe.yml:3" in text and "resolvers" in text
    assert load_settings(REPO / "playbooks" / "group_vars" / "all" / "probe.yml").count == 5


def test_a_moving_system_is_checked_at_its_target_in_both_families_and_at_its_old_place() -> None:
    inv = load_inventory(REPO / "inventory")
    planner = Planner(inv, read_lock(REPO / "netplan" / "allocations.yml"), None, "core", [])
    tcp = {(c.at, c.family, c.address, c.port, c.live) for c in planner.plan(inv.departments["czj"]).checks
           if c.kind == "tcp" and c.system == "budget"}  # fmt: skip
    assert tcp == {
        *(("target", 4, a, p, False) for a in ("198.18.16.41", "198.18.16.42") for p in (443, 8443)),
        *(("target", 6, a, p, False) for a in ("2001:db8:ab02:4::29", "2001:db8:ab02:4::2a") for p in (443, 8443)),
        *(("old", 4, a, p, True) for a in ("198.18.8.21", "198.18.8.22") for p in (443, 8443)),
    }  # before the move (it runs in the data centre) the old place is the live one
    zombie = {(c.at, c.target, c.address) for c in planner.plan(inv.departments["czj"]).checks
              if c.system == "czj-gkk-query"}  # fmt: skip
    assert zombie == {("now", "czj-gkk-query http", "198.19.6.20")}


def test_a_moving_systems_check_where_it_does_not_run_is_no_department_reason() -> None:
    target = Result(6, "tcp", "budget https (target)", "[2001:db8:ab02:4::29]:443", False,
                    {"system": "budget", "at": "target", "live": False}, "timeout")  # fmt: skip
    old = Result(4, "tcp", "budget https (old)", "[198.18.8.21]:443", False,
                 {"system": "budget", "at": "old", "live": True}, "refused")  # fmt: skip
    verdict = classify(PLAN, [*both(True, True), target, old], SETTINGS)
    assert verdict.reasons == ["IPv4: TCP budget https (old) [198.18.8.21]:443: refused"]
