"""Huawei VRP8 (NE40E/NE8000 routers, CE switches) in two-stage commit mode.

The system view edits a candidate (``[~HUAWEI]``, ``[*HUAWEI]`` while uncommitted); ``commit trial <seconds>``
makes it running under a timer that rolls back unless ``commit`` confirms it; ``abort trial`` rolls back at
once and asks ``[Y/N]``. ``save`` is a user-view command and asks ``[Y/N]``. References: NE40E V800R012C10
and CE6800 V300R023C00 command references (INTA-project corpus, ``commit``, ``abort trial``, ``save``).
"""

from pathlib import Path

from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from ...history.scrub import HUAWEI_H3C, rules
from ..base import OWNED_ADDRESS, VRP_NOISE, ChangeFlow, Names, Platform
from ..huawei import VRP_ANSWERS, VRP_ERRORS

PLATFORM = Platform(
    name="huawei_vrpv8",
    vendor="Huawei VRP8",
    names=Names(netmiko="huawei_vrpv8", napalm=None, ansible_network_os="community.network.ce"),
    flow=ChangeFlow(
        enter=("system-view",),
        leave=("commit", "return"),
        timer_enter=("system-view",),
        timer_leave=("commit trial {seconds}", "return"),
        confirm=("system-view", "commit", "return"),
        abort=("system-view", "abort trial", "return"),
        discard=("abort",),  # drops the uncommitted candidate and returns to the user view
        timer_unit=1,
        save=("save",),
    ),
    hier_driver=HConfigDriverHuaweiVrp,
    scrub=rules(HUAWEI_H3C),
    package=Path(__file__).parent,
    running_config="display current-configuration",
    error_pattern=VRP_ERRORS,
    answers=VRP_ANSWERS,
    noise=VRP_NOISE,
    owned=(OWNED_ADDRESS,),
)
