"""Huawei VRP8 getters (NetEngine 40E/8000 routers, CloudEngine switches).

VRP8 prints the same ``display`` tables as VRP5, so the parsers are the VRP5 ones (``..huawei.getters``); the
recorded samples here come from the VRP8 references: HUAWEI NetEngine40E V800R012C10 and CloudEngine 6800
V300R023C00 command references and configuration guides (as published in the WheaterW/INTA-project corpus):
``display ip routing-table`` (Route Management: ``Routing Table : _public_``), ``display ospf peer brief``
(multi-area adjacencies marked ``(M)``), ``display ospfv3 peer`` (``Total number of peer(s)`` per process),
``ping ipv6`` (``-a`` source, ``-c`` count, ``-t`` timeout in milliseconds, default 2000), ``display ipv6
interface brief`` and ``display bgp peer`` / ``display bgp ipv6 peer`` (``*`` marks a dynamic peer).
"""

from collections.abc import Callable

from ..huawei.getters import bgp_neighbors, ipv4_routes, ipv6_interfaces, ospf_neighbors, ospfv3_neighbors, ping

COMMANDS: dict[str, str] = {
    "ipv4-routes": "display ip routing-table",
    "ospf-neighbors": "display ospf peer brief",
    "ospfv3-neighbors": "display ospfv3 peer",
    # NE40E/CE6800 "ping ipv6": -c echo requests, -t reply timeout in ms, -a source address
    "ping": "ping ipv6 -c 3 -t 1000 -a {source} {target}",
    "ipv6-interfaces": "display ipv6 interface brief",
    "bgp-neighbors": "display bgp peer",
}

# getters proven on fewer than three real samples, and why (tests/unit/platforms/test_registry.py reads this)
SCARCE = {
    "ipv6-interfaces": "one NE40E command-reference example; ntc-templates' only sample holds an invalid address",
}


PARSERS: dict[str, Callable[[str], object]] = {
    "ipv4-routes": ipv4_routes,
    "ospf-neighbors": ospf_neighbors,
    "ospfv3-neighbors": ospfv3_neighbors,
    "ping": ping,
    "ipv6-interfaces": ipv6_interfaces,
    "bgp-neighbors": bgp_neighbors,
}
