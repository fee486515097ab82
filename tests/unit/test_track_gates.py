"""The system and zombie gates (issue 13), judged against a real SQLite store holding probe runs made the way
`extranet probe` makes them: the probe's own checks (``probe.targets``) and results (``probe.run``)."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from extranet import store
from extranet.inventory import Inventory, load_inventory
from extranet.plan.lock import read_lock
from extranet.plan.systems import system_addresses
from extranet.probe.classify import classify
from extranet.probe.run import Probed, rows, tcp_result
from extranet.probe.settings import ProbeSettings
from extranet.probe.targets import Check, Planner
from extranet.probe.tcp import TcpResult
from extranet.track import items
from extranet.track.gates import Verdict, judge

from ..conftest import REPO

TODAY = date(2026, 11, 27)
EXTRANET = str(Path(sys.executable).parent / "extranet")
Answer = Callable[[int, Check], str | None]  # (run index, check) → None when it answered, else the error


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "inventory", tmp_path / "inventory")
    return tmp_path / "inventory"


def edit(inventory: Path, system: str, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` within one system's entry of systems.yml."""
    path = inventory / "systems.yml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {system}\n")
    end = text.find("\n  - id:", start + 1)
    end = len(text) if end == -1 else end
    assert old in text[start:end], (system, old)
    path.write_text(text[:start] + text[start:end].replace(old, new) + text[end:], encoding="utf-8")


def moved(inventory: Path) -> None:
    """budget has moved: the inventory says it runs on the cloud (at its target_addresses)."""
    edit(
        inventory,
        "budget",
        "runs_at: {kind: datacenter, ref: yunling-dc}",
        "runs_at: {kind: cloud, ref: yunling-cloud}",
    )


def probe(db: store.Store, inv: Inventory, answer: Answer, count: int = 3) -> list[int]:
    """``count`` full probe runs of czj's checks, each TCP check answering as ``answer`` says."""
    lock = read_lock(REPO / "netplan" / "allocations.yml")
    plan = Planner(inv, lock, None, "core", []).plan(inv.departments["czj"])
    ids = []
    for n in range(count):
        results = [tcp_result(c, TcpResult(str(c.address), c.port or 0, answer(n, c) is None, 1.0, answer(n, c)))
                   for c in plan.checks if c.kind == "tcp"]  # fmt: skip
        run = db.start_run("probe")
        db.save_probe(run, *rows([Probed(plan, results, classify(plan, results, ProbeSettings()))]))
        db.finish_run(run, "ok", {})
        ids.append(run)
    return ids


def verdict(db: store.Store, inventory: Path, item: str) -> Verdict:
    inv = load_inventory(inventory)
    [found] = [i for i in items(inv, TODAY) if i.item == item]
    [said] = judge(db, [found], 3, system_addresses(inv, read_lock(REPO / "netplan" / "allocations.yml")))
    return said


def db_in(tmp_path: Path) -> store.Store:
    return store.open_store(f"sqlite:///{tmp_path / 'extranet.db'}")


def at_target_only(n: int, check: Check) -> str | None:
    """The move as it should look: the target answers, the old place is gone."""
    return None if check.at in ("target", "now") else "refused"


def test_a_moved_system_is_verified_when_reached_at_its_target_over_both_families_and_its_old_place_is_silent(
    tmp_path: Path, inventory: Path
) -> None:
    moved(inventory)
    db = db_in(tmp_path)
    runs = probe(db, load_inventory(inventory), at_target_only)
    said = verdict(db, inventory, "system:budget")
    assert said.item.state == "cut-over" and said.state == "verified", said.why
    assert said.evidence == {
        "probe_runs": runs, "rule": "cloud-first", "verdict": "reached at target, old silent",
        "addresses": {"target": ["198.18.16.41", "2001:db8:ab02:4::29", "198.18.16.42", "2001:db8:ab02:4::2a"],
                      "old": ["198.18.8.21", "198.18.8.22"]},
    }  # fmt: skip


def test_a_moved_system_whose_target_does_not_answer_over_ipv6_stays_cut_over_naming_run_address_family(
    tmp_path: Path, inventory: Path
) -> None:
    moved(inventory)
    db = db_in(tmp_path)

    def no_ipv6_in_the_second_run(n: int, check: Check) -> str | None:
        return "timeout" if n == 1 and check.at == "target" and check.family == 6 else at_target_only(n, check)

    runs = probe(db, load_inventory(inventory), no_ipv6_in_the_second_run)
    said = verdict(db, inventory, "system:budget")
    assert (said.item.state, said.state) == ("cut-over", None)
    assert said.why == (f"probe run #{runs[1]}: budget https (target) did not answer at its target address "
                        "2001:db8:ab02:4::29 over IPv6 (timeout)")  # fmt: skip


def test_a_moved_system_still_answering_at_its_old_address_stays(tmp_path: Path, inventory: Path) -> None:
    moved(inventory)
    db = db_in(tmp_path)
    runs = probe(db, load_inventory(inventory), lambda n, c: "refused" if c.at == "old" and n < 2 else None)
    said = verdict(db, inventory, "system:budget")
    assert said.state is None
    assert (
        said.why == f"probe run #{runs[2]}: budget https (old) still answers at its old address 198.18.8.21 over IPv4"
    )


def test_a_system_the_inventory_has_not_moved_is_not_judged_on_the_network(tmp_path: Path, inventory: Path) -> None:
    db = db_in(tmp_path)
    probe(db, load_inventory(inventory), at_target_only)
    said = verdict(db, inventory, "system:budget")
    assert (said.item.state, said.state) == ("planned", None) and said.why.startswith("not cut over (planned)")


def test_a_zombie_is_retired_when_silent_in_the_last_runs_and_the_plan_holds_none_of_its_addresses(
    tmp_path: Path, inventory: Path
) -> None:
    db = db_in(tmp_path)
    runs = probe(db, load_inventory(inventory), lambda n, c: "refused" if c.system == "czj-gkk-query" else None)
    said = verdict(db, inventory, "system:czj-gkk-query")
    assert said.state == "retired", said.why
    assert said.evidence == {"probe_runs": runs, "rule": "zombie-retire", "verdict": "silent and released",
                             "addresses": {"checked": ["198.19.6.20"], "planned": []}}  # fmt: skip


def test_a_zombie_that_answers_or_still_holds_a_planned_address_stays_with_the_facts(
    tmp_path: Path, inventory: Path
) -> None:
    edit(inventory, "czj-gkk-query", "addresses: [198.19.6.20]", 'addresses: [198.19.6.20, "2001:db8:ab11::14"]')
    db = db_in(tmp_path)
    runs = probe(db, load_inventory(inventory), lambda n, c: None if n == 2 and c.family == 4 else "refused")
    said = verdict(db, inventory, "system:czj-gkk-query")
    assert said.state is None
    assert said.why == (f"probe run #{runs[2]}: czj-gkk-query http answered over IPv4 at 198.19.6.20; the plan "
                        "still holds 2001:db8:ab11::14 (in subnets czj/payment 2001:db8:ab11::/64)")  # fmt: skip


def test_gates_need_enough_full_probe_runs(tmp_path: Path, inventory: Path) -> None:
    moved(inventory)
    db = db_in(tmp_path)
    probe(db, load_inventory(inventory), at_target_only, count=2)
    for item in ("system:budget", "system:czj-gkk-query"):
        assert verdict(db, inventory, item).why == "2 of the 3 full probe runs needed have been made (extranet probe)"


def extranet(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=cwd, env=env)


@pytest.fixture
def county(inventory: Path) -> Path:
    """A workspace with the example inventory and its plan."""
    shutil.copytree(REPO / "netplan", inventory.parent / "netplan")
    return inventory.parent


def test_the_example_inventory_lies_in_its_plan(county: Path) -> None:
    checked = extranet(county, "inventory", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    planned = extranet(county, "plan")
    assert planned.returncode == 0 and "No changes." in planned.stdout, planned.stdout + planned.stderr
    shown = extranet(county, "track", "show", "system:budget")
    assert "target addresses: 198.18.16.41, 2001:db8:ab02:4::29, 198.18.16.42, 2001:db8:ab02:4::2a" in shown.stdout


@pytest.mark.parametrize(
    ("system", "old", "new", "said"),
    [
        ("budget", "target_addresses: [198.18.16.41,", "target_addresses: [198.18.8.41,",
         "inventory/systems.yml:87: systems[3].target_addresses[0]: 198.18.8.41 is outside the planned server LANs "
         "of yunling-cloud: 198.18.16.0/24 ↔ 2001:db8:ab02:4::/64 (yl-cloud-01 GigabitEthernet1/0/3); "
         "198.18.17.0/24 ↔ 2001:db8:ab02:5::/64 (yl-cloud-01 GigabitEthernet1/0/4)"),
        ("budget", "198.18.16.42]", '198.18.16.42, "2001:db8:ab00:10::29"]',
         "systems[3].target_addresses[2]: 2001:db8:ab00:10::29 is outside the planned server LANs of yunling-cloud"),
        ("budget", "198.18.16.42]", "198.18.16.42, 198.18.16.11]",
         "systems[3].target_addresses[2]: 198.18.16.11 is already an address of 'oa'"),
        ("gis-yzt", "[198.18.17.10]", "[198.18.16.41]",
         "systems[10].target_addresses[0]: 198.18.16.41 is already the target address of system 'budget'"),
        ("oa", '"2001:db8:ab02:4::b"', '"2001:db8:ab00:10::11"',
         "inventory/systems.yml:31: systems[0].addresses[1]: 2001:db8:ab00:10::11 lies in no planned IPv6 prefix "
         "(extranet plan show); numbered from the plan it is 2001:db8:ab02:4::b"),
    ],
)  # fmt: skip
def test_an_address_outside_the_plan_is_refused_naming_file_line_and_what_is_allowed(
    county: Path, system: str, old: str, new: str, said: str
) -> None:
    edit(county / "inventory", system, old, new)
    for args in (["inventory", "check"], ["plan"]):
        proc = extranet(county, *args)
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert said in " ".join(proc.stderr.split()) and "Traceback" not in proc.stderr
