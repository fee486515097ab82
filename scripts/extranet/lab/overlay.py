"""var/lab/overlay.json: how the device layer reaches each inventory device in the lab (`--lab`).

Per device: the mgmt address, platform frr, netmiko device_type cisco_ios (vtysh), vendor → Linux interface
names, the login user and where the credentials file is. No secret is in the overlay: the password stays in
credentials.json (mode 0600).
"""

import json
from pathlib import Path
from typing import Any

from .state import LabState

OVERLAY = "overlay.json"
KNOWN_HOSTS = "ssh/known_hosts"  # every router's host key, so the device layer verifies it (no trust on first use)


def overlay(state: LabState, username: str) -> dict[str, dict[str, Any]]:
    creds = str(Path(state.dir) / "credentials.json")
    known_hosts = str(Path(state.dir) / KNOWN_HOSTS)
    return {
        device: {
            "host": state.mgmt[device],
            "platform": "frr",
            "device_type": "cisco_ios",
            "interfaces": state.mapping.get(device, {}),
            "username": username,
            "credentials_file": creds,
            "known_hosts": known_hosts,
        }
        for device in state.namespaces
    }


def write_overlay(state: LabState, username: str) -> Path:
    lab = Path(state.dir)
    host_key = (lab / "ssh" / "host_ed25519.pub").read_text(encoding="utf-8").split()
    known = "".join(f"{address} {host_key[0]} {host_key[1]}\n" for address in sorted(state.mgmt.values()))
    (lab / KNOWN_HOSTS).write_text(known, encoding="utf-8")
    path = lab / OVERLAY
    path.write_text(json.dumps(overlay(state, username), indent=2) + "\n", encoding="utf-8")
    path.chmod(0o644)
    return path


def load_overlay(directory: Path) -> dict[str, dict[str, Any]]:
    """The overlay of the lab in ``directory`` (device -> how to reach it); {} when no lab is up there."""
    path = Path(directory) / OVERLAY
    if not path.exists():
        return {}
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data
