"""Migration moves through the rollout engine: integrate a private network, withdraw a department's own exit.

Front door: `extranet run integrate_private_network.yml --item network:ID` and `extranet run withdraw_exit.yml
--item exit:DEPT` (modules ``extranet_integrate`` and ``extranet_withdraw_exit`` in playbooks/library/). Like the
dual-stack rollout, every device touched is backed up into the config history first, the change is verified on
the network, and a change that does not verify is rolled back; every step is a history commit and an audit event
under the run `extranet run` opened.

- **Integrate** (on the router the inventory's ``integration.attach`` names, usually the owner's access router):
  configure the hand-off port and route the network's prefixes to its router over it, into the public zone
  (redistributed like every static of the extranet). Verified when the router routes every prefix to the
  hand-off peer and lost no route it had. Its legacy line is the carrier's to cut: `track advance` wants it
  silent before the network counts as integrated.
- **Withdraw an exit**: the department's default route moves from its own provider to the extranet (the unified
  exit). That default lives on the department's own router, which the extranet's inventory does not manage; the
  lab models it (a namespace behind the hand-off), so on the lab the move is made and verified there: its routes
  recorded before and after in the history (as device ``edge-DEPT``), then a trace from inside the department to
  the Internet test address must cross the unified exit router and reach it, else the old default comes back.
  The access router's config is backed up as evidence of the extranet side. On real devices the command refuses:
  the department's engineer changes their router; `track advance` verifies the result.
"""

import asyncio
import time
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Interface, ip_address
from pathlib import Path
from typing import Any

from ..devices.base import DeviceError
from ..devices.cli import CliDriver
from ..history import ConfigHistory
from ..inventory import Inventory, load_inventory
from ..inventory.models import Classification, Department, DeviceRole, Exit, PrivateNetwork, PrivateNetworkTarget
from ..lab.state import load_state
from ..platforms.results import RouteProtocol
from ..store import open_store, operator_name
from .engine import Options, Outcome, Rollout, Session
from .setup import HISTORY, prepare

INTEGRATE_KIND = "integrate private network"
WITHDRAW_KIND = "withdraw exit"
EDGE_DEVICE = "edge-{dept}"  # the history's name for a department's own router (not an inventory device)
WITHDRAW_REAL = ("a department's own router is not in the inventory, so extranet cannot change it outside the lab: "
                 "its engineer points its default route at the extranet hand-off; `extranet track advance` then "
                 "verifies the exit from the probe's trace and the router's recorded config")  # fmt: skip


class MoveError(ValueError):
    """The item cannot be moved this way (unknown, classified, no integration planned, no own exit): say why."""


# ---- what each move works on --------------------------------------------------------------------------------


def integration_of(inv: Inventory, net_id: str) -> PrivateNetwork:
    net = inv.private_networks.get(net_id)
    if net is None:
        known = ", ".join(sorted(inv.private_networks)) or "none"
        raise MoveError(f"no private network {net_id!r} in the inventory (private networks: {known})")
    if net.classification == Classification.CLASSIFIED or net.target == PrivateNetworkTarget.INTERNAL:
        raise MoveError(f"{net_id} goes to the internal network (涉密): it never joins the extranet")
    if net.target != PrivateNetworkTarget.EXTRANET_PUBLIC:
        raise MoveError(f"{net_id} goes into its department's VPN ({net.target}): the inventory names no VPN "
                        "instance for departments yet, so only public-zone integrations (extranet_public) can be "
                        "pushed")  # fmt: skip
    if net.integration is None:
        raise MoveError(f"{net_id} has no planned integration: give it `integration: {{attach: {{device, interface}}, "
                        "handoff: ADDRESS/30}` in inventory/private_networks.yml")  # fmt: skip
    return net


def own_exit_of(inv: Inventory, dept_id: str) -> str:
    """The access router of a department with its own Internet exit (the run's host)."""
    dept: Department | None = inv.item("departments", dept_id)  # one department validated, not a province's
    if dept is None:
        raise MoveError(f"no department {dept_id!r} in the inventory")
    if dept.effective_exit != Exit.OWN:
        raise MoveError(f"{dept_id} has no own Internet exit (internet_exit: {dept.effective_exit}): nothing to "
                        "withdraw")  # fmt: skip
    if dept.uplink is None:
        raise MoveError(f"{dept_id} is not connected to the extranet yet: connect it before withdrawing its exit")
    return dept.uplink.device


def move_hosts(inv: Inventory, playbook: str, item: str | None) -> list[str]:
    """The hosts of a move playbook's run, from ``--item KIND:ID``."""
    wanted = {"integrate_private_network": "network", "withdraw_exit": "exit"}[playbook]
    if not item:
        raise MoveError(f"{playbook}.yml needs --item {wanted}:ID (the item `extranet track status` lists)")
    kind, _, ident = item.partition(":")
    if kind != wanted or not ident:
        raise MoveError(f"{playbook}.yml moves {wanted} items: --item {wanted}:ID, not {item!r}")
    if wanted == "network":
        spec = integration_of(inv, ident).integration
        assert spec is not None
        return [spec.attach.device]
    return [own_exit_of(inv, ident)]


def exit_addresses(inv: Inventory) -> set[str]:
    """Every address of the unified exit's routers: a trace that crosses one left through the unified exit."""
    found: set[str] = set()
    for device in inv.devices.values():
        if device.role == DeviceRole.EXIT:
            found |= {str(a) for a in (device.loopback, device.mgmt) if a is not None}
            found |= {str(i.ipv4.ip) for i in device.interfaces if i.ipv4 is not None}
    return found


# ---- integrate ------------------------------------------------------------------------------------------------


def integration_data(net: PrivateNetwork, names: dict[str, str]) -> dict[str, Any]:
    """The integrate template's ``move``: the port (as the target names it), its address, the routes."""
    spec = net.integration
    assert spec is not None
    handoff = spec.handoff
    peer = next(h for h in handoff.network.hosts() if h != handoff.ip)
    return {
        "id": net.id,
        "interface": names.get(spec.attach.interface, spec.attach.interface),
        "description": f"private network {net.id} integrated",
        "address": str(handoff), "ip": str(handoff.ip), "mask": str(handoff.netmask),
        "length": handoff.network.prefixlen, "next_hop": str(peer),
        "prefixes": [{"prefix": str(p), "network": str(p.network_address), "mask": str(p.netmask),
                      "length": p.prefixlen} for p in net.prefixes],
    }  # fmt: skip


class Integrate(Rollout):
    kind = INTEGRATE_KIND
    template = "integrate_private_network.j2"

    def _post_checks(self, s: Session) -> list[str]:
        """Every prefix routed to the hand-off peer, no route the router had lost (waits for convergence)."""
        assert s.driver is not None
        driver, move = s.driver, s.context.move
        wanted = {p["prefix"] for p in move["prefixes"]}

        def attempt(last: bool) -> list[str] | None:
            routes = driver.ipv4_routes()
            static = {r.prefix for r in routes
                      if r.protocol == RouteProtocol.STATIC and move["next_hop"] in r.next_hops}  # fmt: skip
            lost = sorted(s.routes - frozenset(routes))
            if wanted <= static and not lost:
                s.outcome.checks.append(f"{len(wanted)} prefix(es) routed to {move['next_hop']}; no route lost")
                return []
            if not last:
                return None
            missing = sorted(wanted - static)
            problems = [f"not routed to {move['next_hop']}: {', '.join(missing)}"] if missing else []
            return problems + ([f"routes lost: {', '.join(r.prefix for r in lost[:5])}"] if lost else [])

        return self._until(attempt)


def integrate(params: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Integrate ``params["item"]`` (a private network id) on ``params["device"]``: the module's result."""
    from .ansible import _workspace, result

    _workspace(params)
    inv = load_inventory(Path(params["inventory"]))
    net = integration_of(inv, params["item"])
    device = params["device"]
    prepared = prepare(inv, [device], lab=params["lab"], lock=Path(params["lock"]), templates=Path(params["templates"]),
                       trust_new_hosts=params["trust_new_hosts"])  # fmt: skip
    target = prepared.targets[device]
    context = replace(prepared.contexts[device], move=integration_data(net, dict(target.interfaces)))
    options = Options(["1"], 0, 1, check_mode or params["dry_run"], params["ticket"], params["confirm_timer"],
                      params["converge_timeout"])  # fmt: skip
    mover = Integrate(inv, {device: target}, {device: context}, prepared.renderer, open_store(),
                      ConfigHistory(HISTORY), options)  # fmt: skip
    return result(mover.one(device, 1, int(params["run_id"]), set()))


# ---- withdraw an exit -----------------------------------------------------------------------------------------


def edge_config(routes: str, dept: str, ns: str) -> str:
    """A department router's static routes (the lab's Linux table) in FRR's syntax, for the history."""
    lines = [f"! {dept}'s own router (lab namespace {ns}): its IPv4 static routes"]
    for line in routes.splitlines():
        words = line.split()
        if "via" not in words:
            continue  # connected routes: the interfaces' own subnets
        prefix = "0.0.0.0/0" if words[0] == "default" else words[0]
        lines.append(f"ip route {prefix} {words[words.index('via') + 1]}")
    return "\n".join(lines) + "\n"


def withdraw_exit(params: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Move department ``params["item"]``'s default route to the extranet (the lab's department router), verify
    that its Internet traffic leaves through the unified exit, else put the old default back."""
    from .ansible import _workspace, result

    _workspace(params)
    inv = load_inventory(Path(params["inventory"]))
    dept, device = params["item"], params["device"]
    if own_exit_of(inv, dept) != device:
        raise MoveError(f"{device} is not the access router of {dept}")
    store, run_id, history = open_store(), int(params["run_id"]), ConfigHistory(HISTORY)
    prepared = prepare(inv, [device], lab=params["lab"], lock=Path(params["lock"]), templates=Path(params["templates"]),
                       trust_new_hosts=params["trust_new_hosts"])  # fmt: skip
    target = prepared.targets[device]
    outcome = Outcome(device, 1, platform=target.platform)
    started = time.monotonic()
    mover = _Withdrawal(inv, dept, params, history, outcome, run_id)
    try:
        mover.backup_access_router(target)
        if not params["lab"]:
            raise MoveError(WITHDRAW_REAL)
        mover.run(check_mode or params["dry_run"])
    except (DeviceError, MoveError, OSError) as exc:
        outcome.status, outcome.error = "failed", str(exc)
    outcome.seconds = time.monotonic() - started
    store.save_device_result(run_id, device, 1, outcome.status, changed_lines=len(outcome.lines),
                             detail=outcome.summary())  # fmt: skip
    if not (check_mode or params["dry_run"]):
        store.audit(WITHDRAW_KIND, f"exit:{dept}", outcome.status, {"device": device, **outcome.summary()},
                    run_id=run_id, reason=params["ticket"])  # fmt: skip
    return result(outcome)


class _Withdrawal:
    def __init__(self, inv: Inventory, dept: str, params: dict[str, Any], history: ConfigHistory, outcome: Outcome,
                 run_id: int) -> None:  # fmt: skip
        self.inv, self.dept, self.params, self.history, self.outcome = inv, dept, params, history, outcome
        self.run_id = run_id
        self.edge = EDGE_DEVICE.format(dept=dept)

    def _record(self, device: str, platform: str, config: str, action: str, result: str) -> None:
        sha = self.history.record(device, platform, config, operator=operator_name(), ticket=self.params["ticket"],
                                  run_id=str(self.run_id), action=action, result=result)  # fmt: skip
        if sha:
            self.outcome.commits.append(sha[:12])

    def backup_access_router(self, target: Any) -> None:
        driver = CliDriver(target)
        try:
            driver.open()
            self._record(target.device, target.platform, driver.running_config(), "backup", "ok")
        finally:
            driver.close()
        self.outcome.checks.append(f"{target.device} backed up (the extranet side)")

    def run(self, dry_run: bool) -> None:
        from ..lab import faults
        from ..lab.system import run, run_script
        from ..probe.path import trace

        lab = Path(self.params["lab_dir"])
        state = load_state(lab)
        if state is None or self.dept not in state.edges or not state.internet_ns:
            raise MoveError(f"the lab in {lab} models no own router for {self.dept} or no unified exit: "
                            "bring the lab up from this inventory")  # fmt: skip
        ns, gateway = state.edges[self.dept], state.edge_gateways[self.dept]
        isp = str(IPv4Interface(state.isp_links[self.dept]).ip)

        def routes() -> str:
            return edge_config(run(["ip", "-n", ns, "-4", "route", "show"]).stdout, self.dept, ns)

        before = routes()
        self._record(self.edge, "frr", before, "backup", "ok")
        planned = [f"no ip route 0.0.0.0/0 {isp}", f"ip route 0.0.0.0/0 {gateway}"]
        if f"ip route 0.0.0.0/0 {gateway}" in before.splitlines():
            self.outcome.status = "unchanged"
            return
        self.outcome.lines = planned
        if dry_run:
            self.outcome.status, self.outcome.error = "would-change", "dry run: nothing sent"
            return
        with faults.locked(lab) as locked:
            run_script([f"ip -n {ns} route replace default via {gateway}"])
            locked.withdrawn = sorted({*locked.withdrawn, self.dept})
        exits, internet = exit_addresses(self.inv), state.internet
        deadline = time.monotonic() + float(self.params["converge_timeout"])
        while True:
            found = asyncio.run(trace(internet, ns))
            crossed = found.crosses(exits)
            if found.reached and crossed:
                self.outcome.checks.append(f"trace to the Internet {internet} crosses the unified exit at {crossed}: "
                                           f"{' > '.join(h or '*' for h in found.hops)}")  # fmt: skip
                self._record(self.edge, "frr", routes(), "change", "ok")
                self.outcome.status = "ok"
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        hops = " > ".join(h or "*" for h in found.hops) or found.error or "nothing"
        self.outcome.error = (f"the Internet {internet} is {'reached' if found.reached else 'not reached'} and the "
                              f"trace does not cross the unified exit ({hops})")  # fmt: skip
        with faults.locked(lab) as locked:
            run_script([f"ip -n {ns} route replace default via {isp}"])
            locked.withdrawn = [d for d in locked.withdrawn if d != self.dept]
        self._record(self.edge, "frr", routes(), "rollback", "rolled back")
        self.outcome.status = "rolled-back"


def default_routes(config: str) -> list[str]:
    """The next hops of a config's IPv4 default routes, whatever the platform's syntax: FRR/IOS/Ruijie
    ``ip route 0.0.0.0/0 X`` or ``ip route 0.0.0.0 0.0.0.0 X``, VRP/Comware ``ip route-static 0.0.0.0 0 X``
    (or the mask), Junos ``set routing-options static route 0.0.0.0/0 next-hop X``, Linux ``default via X``."""
    found = []
    for line in config.splitlines():
        words = line.split()
        candidates: list[str] = []
        if words[:3] == ["ip", "route", "0.0.0.0/0"]:
            candidates = words[3:4]
        elif words[:4] == ["ip", "route", "0.0.0.0", "0.0.0.0"] or _static_default(words):
            candidates = words[4:5]
        elif words[:5] == ["set", "routing-options", "static", "route", "0.0.0.0/0"] and "next-hop" in words:
            candidates = words[words.index("next-hop") + 1 : words.index("next-hop") + 2]
        elif words[:2] == ["default", "via"] and len(words) >= 3:
            candidates = words[2:3]
        found += [c for c in candidates if _is_ipv4(c)]
    return found


def _static_default(words: list[str]) -> bool:
    """VRP/Comware: ``ip route-static 0.0.0.0 0 X`` or ``ip route-static 0.0.0.0 0.0.0.0 X``."""
    return words[:3] == ["ip", "route-static", "0.0.0.0"] and len(words) >= 5 and words[3] in ("0", "0.0.0.0")


def _is_ipv4(text: str) -> bool:
    try:
        return isinstance(ip_address(text), IPv4Address)
    except ValueError:
        return False
