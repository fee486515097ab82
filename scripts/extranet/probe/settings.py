"""The workspace's probe settings (playbooks/group_vars/all/probe.yml): counts, timeouts, degraded thresholds.

Errors are reported like inventory problems (file:line: field: what is allowed) and exit with code 2.
"""

from ipaddress import IPv4Address
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..inventory import InventoryError
from ..inventory.errors import translate
from ..inventory.fields import Ipv6Address
from ..inventory.problems import Problem, display_path
from ..inventory.source import load_yaml

DEFAULT_SETTINGS = Path("playbooks") / "group_vars" / "all" / "probe.yml"


class SettingsError(InventoryError):
    """The probe settings cannot be used (exit code 2)."""

    subject = "probe settings"


class ProbeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    count: int = Field(default=5, ge=1, le=100)
    interval: float = Field(default=0.2, ge=0.01, le=10)
    timeout: float = Field(default=1.0, gt=0, le=30)
    loss_degraded: float = Field(default=0.2, ge=0, lt=1)
    rtt_degraded_ms: float = Field(default=100, gt=0)
    tcp_timeout: float = Field(default=2.0, gt=0, le=60)
    dns_timeout: float = Field(default=2.0, gt=0, le=60)
    resolvers: list[IPv4Address | Ipv6Address] = Field(default_factory=list)
    snmp_interval: float = Field(default=2.0, ge=0.1, le=60)
    snmp_timeout: float = Field(default=2.0, gt=0, le=60)


class SettingsFile(BaseModel):
    model_config = ConfigDict(extra="allow")  # other group vars may live in the same file
    extranet_probe: ProbeSettings = Field(default_factory=ProbeSettings)


def load_settings(path: Path | None = None) -> ProbeSettings:
    """The settings file's ``extranet_probe``; the defaults when the default file is absent."""
    path = path or DEFAULT_SETTINGS
    if not path.exists():
        if path == DEFAULT_SETTINGS:
            return ProbeSettings()
        raise SettingsError([Problem(display_path(path), 0, "", "no such settings file")])
    doc, problems = load_yaml(path)
    if doc is None or problems:
        raise SettingsError(problems or [Problem(display_path(path), 0, "", "cannot read the settings")])
    try:
        return SettingsFile.model_validate(doc.data or {}).extranet_probe
    except ValidationError as exc:
        raise SettingsError([doc.problem(loc, message) for loc, message in translate(exc, SettingsFile)]) from None
