"""Cisco IOS / IOS-XE.

The confirm timer is the Configuration Replace and Rollback feature (Cisco IOS Configuration Fundamentals
Command Reference, ``configure terminal revert timer``, ``configure confirm``, ``configure revert now``;
configuration guide "Configuration Replace and Configuration Rollback"): the change is opened with the timer
(a checkpoint of the running config is archived first, so an ``archive`` with a ``path`` must exist), the
checks run from exec mode, and ``configure confirm`` keeps it or ``configure revert now`` rolls back at once.
``copy running-config startup-config`` asks ``Destination filename [startup-config]?``.
"""

from pathlib import Path

from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS

from ...history.scrub import IOS_STYLE, rules
from ..base import CISCO_NOISE, OWNED_ADDRESS, ChangeFlow, Names, Platform

PLATFORM = Platform(
    name="cisco_ios",
    vendor="Cisco IOS/IOS-XE",
    names=Names(netmiko="cisco_ios", napalm="ios", ansible_network_os="cisco.ios.ios"),
    flow=ChangeFlow(
        enter=("configure terminal",),
        leave=("end",),
        # the revert timer needs the archive it checkpoints into: configured (as a change) when missing
        timer_prepare=("archive", " path flash:extranet-rollback", " maximum 14"),
        timer_enter=("configure terminal revert timer {minutes}",),
        timer_leave=("end",),
        confirm=("configure confirm",),
        abort=("configure revert now",),
        timer_unit=60,
        save=("copy running-config startup-config",),
    ),
    hier_driver=HConfigDriverCiscoIOS,
    scrub=rules(IOS_STYLE),
    package=Path(__file__).parent,
    error_pattern=r"^\s*% ?(Invalid input|Incomplete command|Ambiguous command|Unknown command)",
    answers=((r"Destination filename \[[^\]]*\]\?", ""),),
    noise=CISCO_NOISE,
    owned=(OWNED_ADDRESS,),
    loopback_interface="Loopback0",
)
