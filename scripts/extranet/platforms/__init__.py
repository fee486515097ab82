"""The platform registry: one package per network OS, found by name.

``get("huawei_vrpv8")`` returns that package's ``PLATFORM``; ``PLATFORM_NAMES`` is the inventory's list of
allowed platforms. Adding a platform is adding a package here and its name to ``PACKAGES``; a unit test
fails when a registered platform lacks a part (names, change flow, hier_config driver, getters with real
recorded outputs, scrub rules, templates, a fake device).
"""

import importlib
from functools import cache

from .base import Platform

# netmiko's device-type names, plus ``frr`` (the lab's routers, vtysh over netmiko's cisco_ios dialect)
PACKAGES = ("huawei", "huawei_vrpv8", "hp_comware", "ruijie_os", "cisco_ios", "juniper_junos", "frr")
PLATFORM_NAMES: tuple[str, ...] = PACKAGES


class UnknownPlatform(KeyError):
    pass


@cache
def get(name: str) -> Platform:
    if name not in PACKAGES:
        raise UnknownPlatform(f"unknown platform {name!r}: one of {', '.join(PACKAGES)}")
    platform: Platform = importlib.import_module(f"{__name__}.{name}").PLATFORM
    return platform


def all_platforms() -> list[Platform]:
    return [get(name) for name in PACKAGES]
