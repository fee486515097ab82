"""Ruijie RGOS (RG-S switches, RG-N/RSR routers): a Cisco-like CLI with no confirm timer, so a failed change
is restored by the tool from the backup. ``write`` saves (RGOS configuration guides, "Basic Configuration
Management"); interface names carry a blank (``GigabitEthernet 0/1``).
"""

from pathlib import Path

from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS

from ...history.scrub import IOS_STYLE, rules
from ..base import CISCO_NOISE, OWNED_ADDRESS, ChangeFlow, Names, Platform

PLATFORM = Platform(
    name="ruijie_os",
    vendor="Ruijie RGOS",
    names=Names(netmiko="ruijie_os", napalm=None, ansible_network_os=None),
    flow=ChangeFlow(enter=("configure terminal",), leave=("end",), save=("write",)),
    hier_driver=HConfigDriverCiscoIOS,
    scrub=rules(IOS_STYLE),
    package=Path(__file__).parent,
    error_pattern=r"^\s*% ?(Invalid input|Incomplete command|Ambiguous command|Unknown command)",
    noise=CISCO_NOISE,
    owned=(OWNED_ADDRESS,),
    loopback_interface="Loopback 0",
)
