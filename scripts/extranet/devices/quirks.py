"""Platform quirks as data (hier_config style): the device layer and the rollout never branch on vendor names.

Every command a driver sends that is not rendered from a template is here: how to read the running config,
what a rejected command looks like, how to save, how to commit with a confirm timer and confirm or abort it,
and the show commands behind the checks with the parser that reads their output.
"""

import re
from dataclasses import dataclass, field

# hier_config's platform for the diff (its drivers know each syntax's sections and negation)
HIER_GENERIC = "GENERIC"


@dataclass(frozen=True)
class ConfirmTimer:
    """A device-side commit that reverts by itself unless confirmed (Junos commit confirmed, VRP8 commit
    trial, Comware commit delay, IOS configure revert timer)."""

    start: str  # format string with {seconds} or {minutes}
    confirm: str
    abort: str
    unit_seconds: int  # 60 where the platform counts minutes


@dataclass(frozen=True)
class Quirks:
    platform: str
    netmiko_device_type: str
    hier_config: str  # hier_config Platform name
    running_config: str
    save: str | None  # None where a commit is already persistent (Junos)
    save_answers: tuple[tuple[str, str], ...] = ()  # (prompt pattern, answer) for save's questions
    commit: str | None = None  # two-stage platforms: what makes the candidate running
    confirm_timer: ConfirmTimer | None = None
    # an output line matching this means the device refused the command: that device fails
    error_pattern: str = r"^\s*% ?(Unknown command|Invalid|Incomplete command|Command incomplete|Ambiguous)"
    # lines of the running config that are not config (banners, headers, section ends)
    noise: tuple[str, ...] = ()
    # lines a platform does not print when they are in effect: present unless their negation is printed
    implicit: dict[str, str] = field(default_factory=dict)
    # config lines the platform cannot take back (their removal happens with their parent's): never negated
    no_negation: tuple[str, ...] = ()
    show: dict[str, str] = field(default_factory=dict)  # check name -> command (format string)
    # vtysh's ping has no count: it runs until interrupted (Ctrl-C prints the summary)
    ping_interrupt: bool = False
    section_exit: str = ""  # how a section is left (sent after its lines); "" where sections end by themselves
    nested_exits: tuple[tuple[str, str], ...] = ()  # (section start, its own exit)
    # lines of a section the fragment manages that the fragment owns outright: one in the running config that
    # the fragment does not have is stale (an old plan's address) and is removed by the change
    owned: tuple[str, ...] = ()

    def errors(self, output: str) -> list[str]:
        pattern = re.compile(self.error_pattern, re.IGNORECASE | re.MULTILINE)
        lines = output.splitlines()
        return [" ".join(lines[max(i - 1, 0) : i + 1]).strip() for i, line in enumerate(lines) if pattern.search(line)]


CISCO_NOISE = (r"^Building configuration", r"^Current configuration", r"^!", r"^end$", r"^exit$", r"^version ")
VRP_NOISE = (r"^#", r"^return$", r"^!", r"^\s*quit$", r"^Info:", r"^<.*>$")

VRP_SHOW = {
    "ipv4_routes": "display ip routing-table",
    "ipv4_neighbors": "display ospf peer brief",
    "ipv6_neighbors": "display ospfv3 peer",
    "ping6": "ping ipv6 -c 3 -a {source} {target}",
}
VRP_ERRORS = r"^\s*Error:|Unrecognized command|Incomplete command|Wrong parameter"
# a global IPv6 address with its length (not `auto link-local`, not a link-local without one) [unverified on
# Huawei, H3C, Ruijie, Cisco: same syntax in their references, not tried on a device]
OWNED_ADDRESS = r"^ipv6 address [0-9A-Fa-f:]+/\d+$"

QUIRKS: dict[str, Quirks] = {
    q.platform: q
    for q in (
        Quirks(
            "frr",
            "cisco_ios",
            "CISCO_IOS",
            running_config="show running-config",
            save="write memory",
            noise=(*CISCO_NOISE, r"^frr (version|defaults)", r"^exit-address-family$"),
            implicit={"ipv6 forwarding": "no ipv6 forwarding", "ip forwarding": "no ip forwarding"},
            no_negation=("address-family ipv6 unicast",),
            show={
                "ipv4_routes": "show ip route json",
                "ipv4_neighbors": "show ip ospf neighbor json",
                "ipv6_neighbors": "show ipv6 ospf6 neighbor json",
                "ipv6_addresses": "show interface json",
                "ping6": "ping ipv6 {target}",
            },
            ping_interrupt=True,
            section_exit="exit",
            nested_exits=(("address-family", "exit-address-family"),),
            owned=(OWNED_ADDRESS, r"^ipv6 ospf6 area \S+$", r"^ipv6 nd prefix \S+$"),
        ),
        Quirks(
            "cisco_ios",
            "cisco_ios",
            "CISCO_IOS",
            running_config="show running-config",
            save="copy running-config startup-config",
            save_answers=((r"Destination filename", "\n"),),
            confirm_timer=ConfirmTimer("configure terminal revert timer {minutes}", "configure confirm", "", 60),
            noise=CISCO_NOISE,
            show={
                "ipv4_routes": "show ip route",
                "ipv4_neighbors": "show ip ospf neighbor",
                "ipv6_neighbors": "show ipv6 ospf neighbor",
                "ping6": "ping ipv6 {target} source {source_interface} repeat 3 timeout 1",
            },
            owned=(OWNED_ADDRESS,),
        ),
        Quirks(
            "ruijie_os",
            "ruijie_os",
            "CISCO_IOS",
            running_config="show running-config",
            save="write",
            noise=CISCO_NOISE,
            show={
                "ipv4_routes": "show ip route",
                "ipv4_neighbors": "show ip ospf neighbor",
                "ipv6_neighbors": "show ipv6 ospf neighbor",
                "ping6": "ping ipv6 {target} source {source} ntimes 3 timeout 1",
            },
            owned=(OWNED_ADDRESS,),
        ),
        Quirks(
            "huawei",
            "huawei",
            "HUAWEI_VRP",
            running_config="display current-configuration",
            save="save",
            save_answers=((r"\[Y/N\]", "y"),),
            error_pattern=VRP_ERRORS,
            noise=VRP_NOISE,
            show=VRP_SHOW,
            owned=(OWNED_ADDRESS,),
        ),
        Quirks(
            "huawei_vrpv8",
            "huawei_vrpv8",
            "HUAWEI_VRP",
            running_config="display current-configuration",
            save="save",
            save_answers=((r"\[Y/N\]", "y"),),
            commit="commit",
            confirm_timer=ConfirmTimer("commit trial {seconds}", "commit", "abort trial", 1),
            error_pattern=VRP_ERRORS,
            noise=VRP_NOISE,
            show=VRP_SHOW,
            owned=(OWNED_ADDRESS,),
        ),
        Quirks(
            "hp_comware",
            "hp_comware",
            "HP_COMWARE5",
            running_config="display current-configuration",
            save="save force",
            confirm_timer=ConfirmTimer("configuration commit delay {minutes}", "configuration commit", "", 60),
            error_pattern=r"^\s*% ?(Unrecognized command|Incomplete command|Wrong parameter|Too many parameters)",
            noise=VRP_NOISE,
            show={
                "ipv4_routes": "display ip routing-table",
                "ipv4_neighbors": "display ospf peer",
                "ipv6_neighbors": "display ospfv3 peer",
                "ping6": "ping ipv6 -c 3 -a {source} {target}",
            },
            owned=(OWNED_ADDRESS,),
        ),
        Quirks(
            "juniper_junos",
            "juniper_junos",
            "JUNIPER_JUNOS",
            running_config="show configuration | display set",
            save=None,
            commit="commit",
            confirm_timer=ConfirmTimer("commit confirmed {minutes}", "commit", "rollback 1", 60),
            error_pattern=r"^\s*(error:|syntax error|unknown command|missing argument)",
            noise=(r"^#", r"^\s*$", r"^## "),
            show={
                "ipv4_routes": "show route table inet.0 terse",
                "ipv4_neighbors": "show ospf neighbor",
                "ipv6_neighbors": "show ospf3 neighbor",
                "ping6": "ping inet6 {target} source {source} count 3 wait 1",
            },
        ),
    )
}
