"""The address policy (netplan/policy.yml): how the region's IPv6 prefix is carved, field by field.

Every LAN prefix is built from nibble-aligned fields under the region prefix::

    region prefix | class | zone | site | department | subnet |  interface id (64)

``class`` says what kind of site a department sits at (county, township, village, cloud, exit …);
``zone`` is the extranet zone (public, private VPN, park); ``site`` and ``department`` are slots given
sparsely to stable inventory ids; ``subnet`` numbers a department's LANs (/64). The infrastructure class
holds loopbacks (/128 from one /64), router-to-router links (a /64 each, a /127 used) and hand-off subnets.
"""

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from ..inventory.errors import translate
from ..inventory.fields import Ipv6Network
from ..inventory.models import SiteLevel, Zone
from ..inventory.problems import Problem, display_path
from ..inventory.source import load_yaml
from .lock import PlanError

DEFAULT_POLICY = Path("netplan") / "policy.yml"


def _field_spec(value: Any) -> Any:
    return {"bits": value} if isinstance(value, int) and not isinstance(value, bool) else value


class FieldSpec(BaseModel):
    """One field of the address: its width in bits (a multiple of 4) and how many slots may be given."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    bits: int = Field(ge=0, le=32)
    quota: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _nibbles(self) -> "FieldSpec":
        if self.bits % 4:
            raise ValueError(
                f"{self.bits} bits is not nibble-aligned; use a multiple of 4 (0, 4, 8, 12, 16) so every field "
                "stays readable in the address and delegable in ip6.arpa"
            )
        if self.quota is not None and self.quota > self.slots:
            raise ValueError(f"quota {self.quota} exceeds the {self.slots} slots of {self.bits} bits")
        return self

    @property
    def slots(self) -> int:
        return 1 << self.bits

    @property
    def limit(self) -> int:
        return self.quota if self.quota is not None else self.slots


Width = Annotated[FieldSpec, BeforeValidator(_field_spec)]


class LanClass(BaseModel):
    """A class of sites whose departments' LANs share one layout."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    index: int = Field(ge=0)
    site_levels: list[SiteLevel] = Field(min_length=1)
    site: Width
    department: Width
    subnet: Width


class Infrastructure(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    index: int = Field(ge=0)
    function_bits: int = Field(default=4, ge=4, le=16, multiple_of=4)
    loopbacks: int = Field(default=0, ge=0)
    links: int = Field(default=1, ge=0)
    handoffs: int = Field(default=2, ge=0)


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prefix: Ipv6Network
    class_bits: int = Field(default=4, ge=4, le=16, multiple_of=4)
    zone_bits: int = Field(default=4, ge=0, le=8, multiple_of=4)
    zones: dict[Zone, int] = Field(default_factory=lambda: {Zone.PUBLIC: 0, Zone.PRIVATE: 1, Zone.PARK: 2})
    vlan_in_subnet: bool = False
    infrastructure: Infrastructure
    classes: dict[str, LanClass] = Field(min_length=1)

    @model_validator(mode="after")
    def _layout(self) -> "Policy":
        network = self.prefix
        if network.prefixlen % 4 or network.prefixlen > 56:
            raise ValueError(f"prefix {network}: the length must be a multiple of 4 and at most /56")
        room = 64 - network.prefixlen
        indexes: dict[int, str] = {self.infrastructure.index: "infrastructure"}
        levels: dict[SiteLevel, str] = {}
        for name, cls in self.classes.items():
            if cls.index in indexes:
                raise ValueError(f"classes.{name}.index {cls.index} is already the index of {indexes[cls.index]}")
            indexes[cls.index] = name
            used = self.class_bits + self.zone_bits + cls.site.bits + cls.department.bits + cls.subnet.bits
            if used != room:
                raise ValueError(
                    f"classes.{name}: class {self.class_bits} + zone {self.zone_bits} + site {cls.site.bits} + "
                    f"department {cls.department.bits} + subnet {cls.subnet.bits} = {used} bits, but "
                    f"{network} leaves exactly {room} bits above the /64s"
                )
            for level in cls.site_levels:
                if level in levels:
                    raise ValueError(f"classes.{name}: site level {level!s} already belongs to {levels[level]}")
                levels[level] = name
        too_big = [i for i in indexes if i >= 1 << self.class_bits]
        if too_big:
            raise ValueError(f"class index {too_big[0]} does not fit in class_bits {self.class_bits}")
        for zone, index in self.zones.items():
            if index >= 1 << self.zone_bits:
                raise ValueError(f"zones.{zone}: index {index} does not fit in zone_bits {self.zone_bits}")
        if len(set(self.zones.values())) != len(self.zones):
            raise ValueError("zones: two zones share an index")
        infra = self.infrastructure
        functions = [infra.loopbacks, infra.links, infra.handoffs]
        if len(set(functions)) != 3 or max(functions) >= 1 << infra.function_bits:
            raise ValueError("infrastructure: loopbacks, links and handoffs need distinct indexes within function_bits")
        if self.class_bits + infra.function_bits >= room:
            raise ValueError("infrastructure: no bits left to number links")
        return self

    def class_of_level(self, level: SiteLevel) -> str | None:
        for name, cls in self.classes.items():
            if level in cls.site_levels:
                return name
        return None

    def layout(self) -> dict[str, Any]:
        """What fixes every position: two policies with equal layouts place every allocation the same way."""
        return {
            "prefix": str(self.prefix),
            "class_bits": self.class_bits,
            "zone_bits": self.zone_bits,
            "zones": {str(z): i for z, i in sorted(self.zones.items())},
            "infrastructure": self.infrastructure.model_dump(),
            "classes": {
                name: {"index": c.index, "site": c.site.bits, "department": c.department.bits, "subnet": c.subnet.bits}
                for name, c in sorted(self.classes.items())
            },
        }


def load_policy(path: Path | str = DEFAULT_POLICY) -> Policy:
    """Read and validate the policy; problems are reported like inventory problems (file:line: path: …)."""
    path = Path(path)
    doc, problems = load_yaml(path)
    if doc is None or problems:
        raise PlanError(problems or [Problem(display_path(path), 0, "", "cannot read the policy")])
    try:
        return Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise PlanError([doc.problem(loc, message) for loc, message in translate(exc, Policy)]) from None
