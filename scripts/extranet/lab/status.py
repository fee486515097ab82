"""`lab status`: which daemons run in which router, and whether OSPF converged (every loopback everywhere)."""

import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .state import LabState
from .system import alive


@dataclass
class RouterStatus:
    name: str
    mgmt: str
    daemons: dict[str, bool] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # other routers' loopbacks not in the routing table

    @property
    def running(self) -> bool:
        return bool(self.daemons) and all(self.daemons.values())


def ip_routes(state: LabState, router: str) -> dict[str, Any] | None:
    """`show ip route json` from the router's vtysh, None when it does not answer."""
    bdir = state.router_dir(router)
    args = ["vtysh", "--vty_socket", str(bdir / "run"), "--config_dir", str(bdir / "etc"), "-c", "show ip route json"]
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)
        routes: dict[str, Any] = json.loads(result.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        return None
    return routes


def installed(routes: dict[str, Any], prefix: str) -> bool:
    return any(entry.get("selected") for entry in routes.get(prefix, []))


def router_status(state: LabState, router: str) -> RouterStatus:
    status = RouterStatus(router, state.mgmt.get(router, ""))
    for proc in state.procs:
        if proc.node == router:
            status.daemons[proc.daemon] = alive(proc)
    routes = ip_routes(state, router) if status.running else None
    wanted = [f"{lo}/32" for lo in state.loopbacks.values()]
    status.missing = wanted if routes is None else [p for p in wanted if not installed(routes, p)]
    return status


def lab_status(state: LabState) -> list[RouterStatus]:
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda name: router_status(state, name), state.namespaces))


def converged(statuses: list[RouterStatus]) -> bool:
    return all(s.running and not s.missing for s in statuses)


def wait_converged(state: LabState, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if converged(lab_status(state)):
            return True
        time.sleep(0.25)
    return False
