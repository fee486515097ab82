"""FRRouting 8.x driven through vtysh (the lab's routers): netmiko's cisco_ios dialect over the lab's SSH.

References: FRR user guide (docs.frrouting.org): ``configure terminal``/``end``, ``write memory``; vtysh
prints JSON for the show commands the getters use (``show ip route json``, ``show ip ospf neighbor json``,
``show ipv6 ospf6 neighbor json``, ``show interface json``).
"""

from pathlib import Path

from hier_config.models import MatchRule, SectionalExitingRule
from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS
from hier_config.platforms.driver_base import HConfigDriverRules

from ...history.scrub import IOS_STYLE, NET_SNMP, rules
from ..base import CISCO_NOISE, OWNED_ADDRESS, ChangeFlow, Names, Platform


class FrrDriver(HConfigDriverCiscoIOS):
    """vtysh reads ``interface lo`` sent inside ``router ospf6`` as an ospf6 command: every section is left
    explicitly, address families with their own ``exit-address-family``. ``address-family ipv6 unicast``
    cannot be taken back by itself (it goes with its ``router bgp``)."""

    @staticmethod
    def _instantiate_rules() -> HConfigDriverRules:
        found = HConfigDriverCiscoIOS._instantiate_rules()
        found.sectional_exiting.append(
            SectionalExitingRule(
                match_rules=(MatchRule(startswith="router bgp"), MatchRule(startswith="address-family")),
                exit_text="exit-address-family",
            )
        )
        return found


PLATFORM = Platform(
    name="frr",
    vendor="FRRouting",
    names=Names(netmiko="cisco_ios", napalm=None, ansible_network_os="frr.frr.frr"),
    flow=ChangeFlow(enter=("configure terminal",), leave=("end",), save=("write memory",)),
    hier_driver=FrrDriver,
    scrub=rules(IOS_STYLE + NET_SNMP),
    package=Path(__file__).parent,
    noise=(*CISCO_NOISE, r"^frr (version|defaults)", r"^exit-address-family$"),
    implicit={"ipv6 forwarding": "no ipv6 forwarding", "ip forwarding": "no ip forwarding"},
    never_negated=("address-family ipv6 unicast",),
    owned=(OWNED_ADDRESS, r"^ipv6 ospf6 area \S+$", r"^ipv6 nd prefix \S+$"),
    loopback_interface="lo",
    ping_interrupt=True,
)
