"""The lab: the inventory's network as a digital twin of FRR routers in Linux network namespaces.

`up` builds it (legacy state: IPv4, OSPFv2), `down` removes everything recorded in var/lab/state.json,
`lab_status` says what runs and whether routing converged. Recipe: notes/lab-recipe.md.
"""

from .down import down, lab_alive, stale
from .state import LabState, lab_dir, load_state
from .status import RouterStatus, converged, lab_status, wait_converged
from .system import LabError, prerequisites
from .topology import Topology, TopologyError, build_topology
from .up import up

__all__ = [
    "LabError",
    "LabState",
    "RouterStatus",
    "Topology",
    "TopologyError",
    "build_topology",
    "converged",
    "down",
    "lab_alive",
    "lab_dir",
    "lab_status",
    "load_state",
    "prerequisites",
    "stale",
    "up",
    "wait_converged",
]
