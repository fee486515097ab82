"""Properties of the planner under random growth and removal (hypothesis)."""

from ipaddress import IPv4Network, IPv6Network
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extranet.inventory.load import Inventory, Origin
from extranet.inventory.models import Department, Lan, Region, Site, SiteLevel
from extranet.inventory.source import SourceDocument
from extranet.plan.lock import Lock
from extranet.plan.planner import Geometry, plan
from extranet.plan.policy import Policy

from ..conftest import REPO

POLICY = Policy.model_validate(__import__("yaml").safe_load((REPO / "netplan" / "policy.yml").read_text()))
SITES = {
    "c": SiteLevel.COUNTY,
    **{f"t{i}": SiteLevel.TOWNSHIP for i in range(4)},
    "v0": SiteLevel.VILLAGE,
    "cloud": SiteLevel.CLOUD,
}
NAMES = [f"d{i:02d}" for i in range(14)]
DOC = SourceDocument("inventory/test.yml", None, {})


def inventory(state: dict[str, tuple[str, int]]) -> Inventory:
    region = Region(
        id="r", name="县", code="341100", ipv4=[IPv4Network("198.18.0.0/15")], ipv6=IPv6Network("2001:db8:ab00::/40")
    )
    inv = Inventory(root=Path("."), region=region)
    inv.origins[("region", "r")] = Origin(DOC, ("region",))
    for site_id, level in SITES.items():
        inv.sites[site_id] = Site(id=site_id, name=site_id, level=level, parent=None if site_id == "c" else "c")
    for n, (dept_id, (site, lans)) in enumerate(sorted(state.items())):
        inv.departments[dept_id] = Department(
            id=dept_id,
            name=dept_id,
            site=site,
            access_class="D",
            lans=[
                Lan(name=f"lan{i}", ipv4=IPv4Network(f"198.19.{n}.{i * 16}/28"), zone="private" if i == 2 else "public")
                for i in range(lans)
            ],
        )
        inv.origins[("departments", dept_id)] = Origin(DOC, ("departments", n))
    return inv


operations = st.lists(
    st.tuples(
        st.sampled_from(["add", "remove", "resize"]),
        st.sampled_from(NAMES),
        st.sampled_from(sorted(SITES)),
        st.integers(min_value=1, max_value=3),
    ),
    min_size=1,
    max_size=12,
)


def check_invariants(inv: Inventory, lock: Lock) -> None:
    geo = Geometry.of(POLICY)
    values = list(lock.subnets.values()) + [h.value for k, h in lock.held.items() if k.startswith("subnets:")]
    assert len(values) == len(set(values)), "two subnets share a /64"
    blocks = {}
    for key, slot in lock.departments.items():
        class_name, site_id, dept_id = key.split("/")
        site_slot = lock.sites[f"{class_name}/{site_id}"]
        cls = POLICY.classes[class_name]
        assert slot < 1 << cls.department.bits and site_slot < 1 << cls.site.bits
        block = geo.block(POLICY, class_name, "public", site_slot, slot)
        shift = geo.department_shift(cls)
        assert shift % 4 == 0 and block & ((1 << shift) - 1) == 0, "block not nibble-aligned"
        assert block not in blocks, f"{dept_id} and {blocks.get(block)} share a block"
        blocks[block] = dept_id
        for lan in inv.departments[dept_id].lans:
            value = lock.subnets[f"{dept_id}/{lan.name}"]
            own = geo.block(POLICY, class_name, lan.zone, site_slot, slot)
            assert own <= value < own + (1 << shift), "a LAN lies outside its department's block"
            assert value & ((1 << 64) - 1) == 0
            assert POLICY.prefix.network_address._ip <= value < POLICY.prefix.broadcast_address._ip  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_growth_and_removal_never_move_existing_allocations(ops: list[tuple[str, str, str, int]]) -> None:
    state: dict[str, tuple[str, int]] = {}
    lock = Lock()
    for op, dept_id, site, lans in ops:
        if op == "add" and dept_id not in state:
            state[dept_id] = (site, lans)
        elif op == "remove":
            state.pop(dept_id, None)
        elif op == "resize" and dept_id in state:
            state[dept_id] = (state[dept_id][0], lans)
        inv = inventory(state)
        result = plan(inv, POLICY, lock)
        new = result.lock
        for section, key, value in lock.entries():  # nothing that stays moves
            if key in new.section(section):
                assert new.section(section)[key] == value, f"{section} {key} moved"
        for key, held in lock.held.items():  # held space is never given to another key
            section, _, own = key.partition(":")
            parent = own.rpartition("/")[0]  # slots are relative to their parent; prefixes are absolute
            for k, v in new.section(section).items():
                same_place = v == held.value and (
                    section not in ("sites", "departments") or k.rpartition("/")[0] == parent
                )
                assert not same_place or k == own, f"held {key} given to {k}"
        check_invariants(inv, new)
        lock = new


@settings(max_examples=25, deadline=None)
@given(st.permutations(NAMES))
def test_plan_is_deterministic_whatever_the_file_order(order: list[str]) -> None:
    state = {name: ("c" if i % 2 else "t1", 1 + i % 3) for i, name in enumerate(sorted(NAMES))}
    shuffled = {name: state[name] for name in order}
    assert plan(inventory(state), POLICY, Lock()).lock == plan(inventory(shuffled), POLICY, Lock()).lock
