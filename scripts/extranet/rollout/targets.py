"""How to reach each device: the lab's overlay (``--lab``), the workspace's credential profiles, or nothing at
all (``offline_targets``: planning against saved configs)."""

import json
import os
import re
from pathlib import Path

from ..devices.base import Target
from ..inventory import Inventory
from ..lab.overlay import load_overlay
from ..netsafety import refuse_lab_only
from ..render import Names

KNOWN_HOSTS = Path("var") / "known_hosts"
DEFAULT_PROFILE = "default"  # the profile of a device whose inventory entry names none
PROFILE_VARIABLE = re.compile(r"EXTRANET_(?P<profile>[A-Z0-9_]+)_(?:USERNAME|PASSWORD)")


class TargetError(ValueError):
    """A device cannot be reached as configured (no lab, no credentials): say what to set."""


def lab_targets(inv: Inventory, lab_dir: Path, devices: list[str]) -> dict[str, tuple[Target, Names]]:
    overlay = load_overlay(lab_dir)
    if not overlay:
        raise TargetError(f"no lab is up in {lab_dir}: run `extranet lab up` first (as root)")
    missing = [d for d in devices if d not in overlay]
    if missing:
        raise TargetError(f"not in the lab: {', '.join(missing)} (bring the lab up from this inventory again)")
    targets = {}
    for name in devices:
        entry = overlay[name]
        password = json.loads(Path(entry["credentials_file"]).read_text(encoding="utf-8"))["password"]
        mapping = entry.get("interfaces", {})
        target = Target(name, "frr", entry["host"], entry["username"], password,
                        known_hosts=Path(entry["known_hosts"]), interfaces=tuple(sorted(mapping.items())))  # fmt: skip
        targets[name] = (target, Names("lo", mapping))
    return targets


def profile_variable(profile: str, what: str) -> str:
    """EXTRANET_<PROFILE>_<WHAT>: the environment variable holding a credential profile's value.

    >>> profile_variable("core-ops", "password")
    'EXTRANET_CORE_OPS_PASSWORD'
    """
    return f"EXTRANET_{re.sub(r'[^A-Za-z0-9]', '_', profile).upper()}_{what.upper()}"


def device_targets(
    inv: Inventory, devices: list[str], known_hosts: Path = KNOWN_HOSTS, trust_new_hosts: bool = False
) -> dict[str, tuple[Target, Names | None]]:
    """Real devices: mgmt address from the inventory, credentials from the environment (never the inventory)."""
    targets: dict[str, tuple[Target, Names | None]] = {}
    unset, unknown = set(), []
    profiles = environment_profiles()
    for name in devices:
        device = inv.devices[name]
        user_var = profile_variable(device.credentials, "username")
        pass_var = profile_variable(device.credentials, "password")
        username, password = os.environ.get(user_var), os.environ.get(pass_var)
        if device.credentials != DEFAULT_PROFILE and _variable_key(device.credentials) not in profiles:
            unknown.append(name)  # its name may be a secret typed in the wrong place: never repeat it
            continue
        if not username or not password:
            unset.update({user_var, pass_var})
            continue
        target = Target(name, device.platform, str(device.mgmt), username, password,
                        known_hosts=known_hosts, trust_new_hosts=trust_new_hosts)  # fmt: skip
        targets[name] = (target, None)
    if unknown:
        places = [inv.origin("devices", name).problem("", "credentials") for name in unknown]
        where = ", ".join(f"{p.file}:{p.line} ({p.path})" for p in places)
        known = ", ".join(sorted(p.lower() for p in profiles)) or "none"
        raise TargetError(
            f"unknown credentials profile (value not shown: it may be a secret) at {where}; profiles set in the "
            f"environment: {known} (by EXTRANET_<PROFILE>_USERNAME and EXTRANET_<PROFILE>_PASSWORD)"
        )
    if unset:
        raise TargetError(f"credentials not set: export {' and '.join(sorted(unset))} (or use --lab)")
    refused = refuse_lab_only([str(inv.devices[name].mgmt) for name in devices], "devices")
    if refused:
        raise TargetError(refused)
    return targets


def environment_profiles() -> set[str]:
    """The credential profiles the environment names (EXTRANET_<PROFILE>_USERNAME or _PASSWORD), as their
    variables spell them (upper case, '_' for any other character)."""
    return {match["profile"] for match in map(PROFILE_VARIABLE.fullmatch, os.environ) if match}


def _variable_key(profile: str) -> str:
    return profile_variable(profile, "")[len("EXTRANET_") : -1]


def offline_targets(inv: Inventory, devices: list[str]) -> dict[str, tuple[Target, Names | None]]:
    """Devices planned against saved configs: no address, no credentials (nothing connects), the inventory's
    platform (its syntax and its interface names, as in the saved config)."""
    return {name: (Target(name, inv.devices[name].platform, "", "", ""), None) for name in devices}
