"""The rollout's pure parts on recorded FRR output: the change, its idempotency, the rollback, waves, parsers."""

from pathlib import Path

import pytest

from extranet.devices.diff import change, differences, restore
from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock
from extranet.platforms import get
from extranet.render import ContextBuilder, Names, Renderer
from extranet.rollout.engine import KIND, Options, open_run
from extranet.rollout.waves import WaveError, batches, core_outwards, failure_budget, parse_sizes
from extranet.store import open_store

from ..conftest import REPO

RECORDED = Path(__file__).parent / "recorded" / "frr"
FRR = get("frr")
LAB_NAMES = Names("lo", {"eth1": "eth1", "eth2.100": "eth2"})


def fragment() -> str:
    inv = load_inventory(REPO / "inventory")
    context = ContextBuilder(inv, read_lock(REPO / "netplan" / "allocations.yml")).build(
        "yl-bs-acc-01", LAB_NAMES, lab=True
    )
    return Renderer(REPO / "playbooks" / "templates").render(context)


def test_change_is_the_missing_lines_with_router_id_first_and_sections_left() -> None:
    legacy = (RECORDED / "legacy-yl-bs-acc-01.txt").read_text()
    lines = change(FRR, legacy, fragment())
    assert lines[0] == "ipv6 forwarding"  # the legacy config prints `no ipv6 forwarding`
    assert lines.index(" ospf6 router-id 198.18.1.15") < lines.index(" ipv6 ospf6 area 0.0.0.5")
    assert lines.count("exit") == lines.count("interface lo") + lines.count("interface eth1") + 2
    assert " no ipv6 nd suppress-ra" in lines  # a negation of an unprinted default is still sent
    assert not any(line.lstrip().startswith("ip ") for line in lines)  # IPv4 untouched


def test_applied_change_leaves_nothing_to_do_and_restores_exactly() -> None:
    legacy = (RECORDED / "legacy-yl-bs-acc-01.txt").read_text()
    after = (RECORDED / "dual-stack-yl-bs-acc-01.txt").read_text()  # the lab router after `push dual-stack`
    assert change(FRR, after, fragment()) == []
    back = restore(FRR, after, legacy)
    assert "no router ospf6" in back and "no ipv6 forwarding" in back
    assert not any("ip address" in line for line in back)
    assert differences(FRR, legacy, legacy) == []


def test_a_stale_owned_address_is_removed_and_case_never_counts_as_stale() -> None:
    after = (RECORDED / "dual-stack-yl-bs-acc-01.txt").read_text()
    old_plan = after.replace("interface lo\n", "interface lo\n ipv6 address 2001:DB8:DEAD::1/128\n", 1)
    assert change(FRR, old_plan, fragment()) == ["interface lo", " no ipv6 address 2001:DB8:DEAD::1/128", "exit"]
    printed_upper = after.replace("ipv6 address 2001:db8", "ipv6 address 2001:DB8")
    assert not any(line.strip().startswith("no ") for line in change(FRR, printed_upper, fragment()))
    unmanaged = after + "interface eth9\n ipv6 address 2001:db8:beef::1/64\nexit\n"  # not in the fragment
    assert change(FRR, unmanaged, fragment()) == []


def test_waves_follow_ansible_serial_from_the_core_outwards() -> None:
    inv = load_inventory(REPO / "inventory")
    order = core_outwards(inv, sorted(inv.devices))
    assert order[0] == "yl-core-01" and order.index("yl-qt-agg-01") < order.index("yl-qj-acc-01")
    assert [len(w) for w in batches(order, parse_sizes("1,10%,100%"))] == [1, 1, 11]
    assert failure_budget("10%", 13) == 1
    for bad in ("0", "abc", "150%", ""):
        with pytest.raises(WaveError):
            parse_sizes(bad)


def test_a_dry_run_neither_resumes_nor_hides_an_interrupted_rollout(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'extranet.db'}")
    interrupted = store.start_run(KIND, summary={"pid": 2**22 + 7, "dry_run": False})  # a pid no process has
    store.save_device_result(interrupted, "yl-core-01", 1, "ok")
    dry = Options(sizes=["100%"], budget=0, dry_run=True)
    _, done, resumed = open_run(store, dry)
    assert (done, resumed) == (set(), None)
    last = store.last_run(KIND)
    assert last is not None and (last.id, last.status) == (interrupted, "running")
    _, done, resumed = open_run(store, Options(sizes=["100%"], budget=0))
    assert (done, resumed) == ({"yl-core-01"}, interrupted)
