"""Platform names and what each platform family means across the tools we drive.

One table, like netutils' ``lib_mapper``: the rest of the code looks platforms up here and never branches on
vendor names. Platform names are netmiko's device types, plus ``frr`` (the lab's routers, driven through
vtysh with netmiko's ``cisco_ios`` dialect).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    name: str
    vendor: str
    netmiko_device_type: str
    napalm_driver: str | None
    # Ansible: the network_os of a maintained cliconf plugin, or None where no maintained plugin exists;
    # such hosts are driven by extranet's own modules (playbooks/library/) over netmiko, connection local.
    ansible_network_os: str | None
    # True where the device can commit with a timer that reverts unless confirmed.
    confirm_timer: bool
    # The loopback interface as the platform names it (where the router-id and the /128 live).
    loopback_interface: str = "LoopBack0"


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform("huawei", "Huawei VRP5", "huawei", None, None, confirm_timer=False),
        Platform(
            "huawei_vrpv8",
            "Huawei VRP8",
            "huawei_vrpv8",
            None,
            "community.network.ce",
            confirm_timer=True,
        ),
        Platform("hp_comware", "H3C Comware 7", "hp_comware", None, None, confirm_timer=True),
        Platform(
            "ruijie_os", "Ruijie RGOS", "ruijie_os", None, None, confirm_timer=False, loopback_interface="Loopback 0"
        ),
        Platform(
            "cisco_ios",
            "Cisco IOS/IOS-XE",
            "cisco_ios",
            "ios",
            "cisco.ios.ios",
            confirm_timer=True,
            loopback_interface="Loopback0",
        ),
        Platform(
            "juniper_junos",
            "Juniper Junos",
            "juniper_junos",
            "junos",
            "junipernetworks.junos.junos",
            confirm_timer=True,
            loopback_interface="lo0.0",
        ),
        Platform("frr", "FRRouting", "cisco_ios", None, "frr.frr.frr", confirm_timer=False, loopback_interface="lo"),
    )
}

PLATFORM_NAMES: tuple[str, ...] = tuple(PLATFORMS)
