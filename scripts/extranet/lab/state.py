"""The lab's state on disk (var/lab/state.json): everything `lab up` made, so `lab down` can undo it."""

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_LAB_DIR = Path("var/lab")
BRIDGE = "xlab0"


def lab_dir(path: Path | None = None) -> Path:
    """The lab directory: the one given, else $EXTRANET_LAB_DIR, else ./var/lab (absolute)."""
    return Path(path or os.environ.get("EXTRANET_LAB_DIR") or DEFAULT_LAB_DIR).absolute()


@dataclass(frozen=True)
class Proc:
    """A process the lab started: its pid and kernel start time (so a reused pid is never killed)."""

    node: str
    daemon: str
    pid: int
    start: int


@dataclass(frozen=True)
class Fault:
    """A fault injected with `lab fault` and not yet healed: kind (link-down, netem, kill, partition) and target."""

    kind: str
    target: str  # "A B" (a link), "NODE DAEMON" or a department id
    detail: str = ""  # netem: the parameters


@dataclass
class LabState:
    dir: str
    owner: Proc
    phase: str = "starting"  # starting -> up
    bridge: str = BRIDGE
    bridge_ip: str = ""
    namespaces: dict[str, str] = field(default_factory=dict)  # router -> namespace
    mgmt: dict[str, str] = field(default_factory=dict)  # router -> mgmt address
    root_veths: list[str] = field(default_factory=list)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)  # router -> vendor -> linux
    loopbacks: dict[str, str] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)  # department.lan -> namespace
    host_addrs: dict[str, str] = field(default_factory=dict)  # department.lan -> address/len
    host_gateways: dict[str, str] = field(default_factory=dict)  # department.lan -> gateway address
    spaces: dict[str, str] = field(default_factory=dict)  # private network id -> namespace (no extranet link)
    edges: dict[str, str] = field(default_factory=dict)  # department with its own exit -> its edge namespace
    isps: dict[str, str] = field(default_factory=dict)  # that department -> its isp namespace
    edge_routes: dict[str, list[str]] = field(default_factory=dict)  # department -> prefixes routed to its edge
    edge_handoffs: dict[str, str] = field(default_factory=dict)  # department -> edge's hand-off address/len
    edge_gateways: dict[str, str] = field(default_factory=dict)  # department -> access router's hand-off end
    isp_links: dict[str, str] = field(default_factory=dict)  # department -> the isp's end of the isp /30
    edge_ipv6: dict[str, list[str]] = field(default_factory=dict)  # department -> [edge's address/64, gateway]
    internet: str = ""  # the address standing for the Internet on every isp's lo (and behind the unified exit)
    internet_ns: str = ""  # the Internet behind the unified exit ("" when the inventory has no exit router)
    withdrawn: list[str] = field(default_factory=list)  # departments whose edge's default goes to the extranet
    joints: dict[str, list[str]] = field(default_factory=dict)  # private network -> [router, port, router end, its end]
    legacy: dict[str, str] = field(default_factory=dict)  # private network -> its legacy carrier's namespace
    legacy_gateways: dict[str, str] = field(default_factory=dict)  # private network -> legacy line's far end
    legacy_links: dict[str, str] = field(default_factory=dict)  # private network -> the carrier's end of the /30
    services: dict[str, list[str]] = field(default_factory=dict)  # system id -> ["address:port", ...]
    users: list[str] = field(default_factory=list)
    procs: list[Proc] = field(default_factory=list)
    links: list[list[str]] = field(default_factory=list)  # [router A, Linux if A, router B, Linux if B]
    faults: list[Fault] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return Path(self.dir) / "state.json"

    def all_namespaces(self) -> dict[str, str]:
        """Every namespace of the lab by node: routers, hosts, private networks, edges and isps."""
        exits = {**{f"{d}.edge": ns for d, ns in self.edges.items()}, **{f"{d}.isp": ns for d, ns in self.isps.items()}}
        legacy = {f"{n}.legacy": ns for n, ns in self.legacy.items()}
        internet = {"internet": self.internet_ns} if self.internet_ns else {}
        return {**self.namespaces, **self.hosts, **self.spaces, **exits, **legacy, **internet}

    def router_dir(self, router: str) -> Path:
        return Path(self.dir) / "routers" / router

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)


class StateError(RuntimeError):
    """The lab directory holds a state file this code cannot read (not a lab's, damaged, or from another version)."""


def load_state(directory: Path) -> LabState | None:
    """The lab recorded in ``directory``, None when there is none; StateError when its state file is unreadable
    (then nothing is touched: `lab down` must not guess what to delete)."""
    path = directory / "state.json"
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        data["owner"] = Proc(**data["owner"])
        data["procs"] = [Proc(**p) for p in data["procs"]]
        data["faults"] = [Fault(**f) for f in data.get("faults", [])]
        return LabState(**data)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise StateError(
            f"{path}: not a lab state file this version can read ({exc.__class__.__name__}: {exc}); nothing was "
            "touched. If no lab runs from this directory, remove the file by hand"
        ) from None
