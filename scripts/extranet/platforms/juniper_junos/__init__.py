"""Juniper Junos, set style.

``configure`` opens the candidate; ``commit confirmed <minutes>`` makes it active and rolls it back unless a
``commit`` confirms it in time; ``rollback 1`` loads the configuration before that commit, which a ``commit``
makes active (Junos CLI User Guide, "Commit the configuration", "Roll back a configuration"). The checks run
in operational mode (``exit`` leaves configuration mode once the candidate is committed). A commit is
persistent: there is nothing to save.
"""

from pathlib import Path

from hier_config.platforms.juniper_junos.driver import HConfigDriverJuniperJUNOS

from ...history.scrub import JUNOS, rules
from ..base import ChangeFlow, Names, Platform

PLATFORM = Platform(
    name="juniper_junos",
    vendor="Juniper Junos",
    names=Names(netmiko="juniper_junos", napalm="junos", ansible_network_os="junipernetworks.junos.junos"),
    flow=ChangeFlow(
        enter=("configure",),
        leave=("commit", "exit"),
        timer_enter=("configure",),
        timer_leave=("commit confirmed {minutes}", "exit"),
        confirm=("configure", "commit", "exit"),
        abort=("configure", "rollback 1", "commit", "exit"),
        discard=("rollback 0", "exit"),  # the candidate back to the active config, then out
        timer_unit=60,
    ),
    hier_driver=HConfigDriverJuniperJUNOS,
    scrub=rules(JUNOS),
    package=Path(__file__).parent,
    running_config="show configuration | display set",
    error_pattern=r"^\s*(error:|syntax error|unknown command|missing argument)",
    answers=((r"\[yes,no\] \(no\)\s*$", "yes"),),
    noise=(r"^#", r"^\s*$", r"^## "),
    loopback_interface="lo0.0",
)
