"""H3C Comware 7.

The confirm timer is Comware's configuration commit delay (H3C Comware 7 Fundamentals Command Reference,
"Configuration file management": ``configuration commit delay <minutes>`` in system view starts the timer
and takes the rollback point *before* the change; ``configuration commit`` confirms; when the timer expires
the device rolls back to that point). Comware has no command that rolls back at once: a failed change is
restored by the tool and the timer is then committed, so nothing newer is rolled back later. ``save force``
saves without questions.
"""

from pathlib import Path

from hier_config.platforms.hp_comware5.driver import HConfigDriverHPComware5

from ...history.scrub import HUAWEI_H3C, rules
from ..base import OWNED_ADDRESS, VRP_NOISE, ChangeFlow, Names, Platform


class ComwareDriver(HConfigDriverHPComware5):
    """Comware leaves a view with ``quit`` (hier_config's Comware 5 driver says ``exit``)."""

    def sectional_exit(self, config):  # type: ignore[no-untyped-def]
        result = super().sectional_exit(config)
        return "quit" if result == "exit" else result


PLATFORM = Platform(
    name="hp_comware",
    vendor="H3C Comware 7",
    names=Names(netmiko="hp_comware", napalm=None, ansible_network_os=None),
    flow=ChangeFlow(
        enter=("system-view",),
        leave=("return",),
        timer_enter=("system-view", "configuration commit delay {minutes}"),
        timer_leave=("return",),
        confirm=("system-view", "configuration commit", "return"),
        abort=(),
        timer_unit=60,
        save=("save force",),
    ),
    hier_driver=ComwareDriver,
    scrub=rules(HUAWEI_H3C),
    package=Path(__file__).parent,
    running_config="display current-configuration",
    error_pattern=r"^\s*% ?(Unrecognized command|Incomplete command|Wrong parameter|Too many parameters)",
    answers=((r"\[Y/N\]:?\s*$", "y"),),
    noise=VRP_NOISE,
    indented_globals=True,
    owned=(OWNED_ADDRESS,),
)
