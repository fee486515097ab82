"""Huawei VRP5 (AR routers, S switches): one-stage configuration, no confirm timer — a failed change is
restored by the tool from the backup. ``save`` in the user view asks ``Are you sure to continue?[Y/N]``.
References: Huawei AR series V200R010 Command Reference (Basic Configuration: ``system-view``, ``quit``,
``return``, ``save``); the error messages ``Error: Unrecognized command found at '^' position.``,
``Error: Incomplete command found at '^' position.``, ``Error: Wrong parameter found at '^' position.``.
"""

from pathlib import Path

from hier_config.platforms.huawei_vrp.driver import HConfigDriverHuaweiVrp

from ...history.scrub import HUAWEI_H3C, rules
from ..base import OWNED_ADDRESS, VRP_NOISE, ChangeFlow, Names, Platform

VRP_ERRORS = r"^\s*Error:|Unrecognized command|Incomplete command|Wrong parameter|Too many parameters"
# save: VRP8 "Are you sure to continue?[Y/N]", the AR (VRP5) "Are you sure to continue? (y/n)[n]:"
VRP_ANSWERS = ((r"(\[Y/N\]|\(y/n\)\[n\]):?\s*$", "y"),)

PLATFORM = Platform(
    name="huawei",
    vendor="Huawei VRP5",
    names=Names(netmiko="huawei", napalm=None, ansible_network_os=None),
    flow=ChangeFlow(enter=("system-view",), leave=("return",), save=("save",)),
    hier_driver=HConfigDriverHuaweiVrp,
    scrub=rules(HUAWEI_H3C),
    package=Path(__file__).parent,
    running_config="display current-configuration",
    error_pattern=VRP_ERRORS,
    answers=VRP_ANSWERS,
    noise=VRP_NOISE,
    owned=(OWNED_ADDRESS,),
)
