"""The inventory's objects: what exists in the region's extranet, as operators describe it in YAML."""

from datetime import date
from enum import StrEnum
from ipaddress import IPv4Address
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..platforms import PLATFORM_NAMES
from .fields import (
    AdminCode,
    AsNumber,
    ConfigText,
    DnsName,
    Hostname,
    InterfaceName,
    Ipv4Address,
    Ipv4Interface,
    Ipv4Network,
    Ipv6Address,
    Ipv6Interface,
    Ipv6Network,
    Notes,
    OspfArea,
    Port,
    ProtectionLevel,
    Slug,
    Text,
    Vlan,
)

if TYPE_CHECKING:
    PlatformName = str
else:
    PlatformName = Literal[PLATFORM_NAMES]  # the platform registry's names


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class SiteLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"  # 县/区
    TOWNSHIP = "township"  # 乡镇/街道
    VILLAGE = "village"  # 村/社区
    DATACENTER = "datacenter"
    CLOUD = "cloud"  # 政务云
    EXIT = "exit"  # 互联网出口


ADMINISTRATIVE_RANK = {
    SiteLevel.PROVINCE: 0,
    SiteLevel.CITY: 1,
    SiteLevel.COUNTY: 2,
    SiteLevel.TOWNSHIP: 3,
    SiteLevel.VILLAGE: 4,
}


class Zone(StrEnum):
    PUBLIC = "public"  # 公用网络区
    PRIVATE = "private"  # 专用网络区 (the department's own VPN)
    PARK = "park"  # 政务园区网 (class F)


class Exit(StrEnum):
    NONE = "none"
    UNIFIED = "unified"
    OWN = "own"


class AccessClass(StrEnum):
    """Department access classes of DB34/T 3607-2020: the zones used and the Internet exit."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"

    @property
    def zones(self) -> frozenset[Zone]:
        return ACCESS_CLASS_ZONES[self]

    @property
    def exit(self) -> Exit | None:
        return ACCESS_CLASS_EXIT[self]


ACCESS_CLASS_ZONES = {
    AccessClass.A: frozenset({Zone.PUBLIC}),
    AccessClass.B: frozenset({Zone.PUBLIC}),
    AccessClass.C: frozenset({Zone.PUBLIC}),
    AccessClass.D: frozenset({Zone.PUBLIC, Zone.PRIVATE}),
    AccessClass.E: frozenset({Zone.PUBLIC, Zone.PRIVATE}),
    AccessClass.F: frozenset({Zone.PARK}),
}
ACCESS_CLASS_EXIT: dict[AccessClass, Exit | None] = {
    AccessClass.A: Exit.NONE,
    AccessClass.B: Exit.UNIFIED,
    AccessClass.C: Exit.OWN,
    AccessClass.D: Exit.UNIFIED,
    AccessClass.E: Exit.OWN,
    AccessClass.F: None,  # the park network decides
}


class Classification(StrEnum):
    CLASSIFIED = "classified"  # 涉密
    UNCLASSIFIED = "unclassified"  # 非涉密


class Region(Model):
    id: Slug
    name: Text
    code: AdminCode
    ipv4: list[Ipv4Network] = Field(min_length=1)
    ipv6: Ipv6Network
    unified_exit: Slug | None = None
    notes: Notes | None = None


class Site(Model):
    id: Slug
    name: Text
    level: SiteLevel
    parent: Slug | None = None
    code: AdminCode | None = None
    notes: Notes | None = None


class Attachment(Model):
    device: Hostname
    interface: InterfaceName


class Lan(Model):
    name: Slug
    vlan: Vlan | None = None
    ipv4: Ipv4Network | None = None  # None: an IPv6-only LAN
    ipv6: Ipv6Network | None = None  # a manual pin; otherwise the plan gives one
    zone: Zone = Zone.PUBLIC
    nat: Ipv4Network | None = None  # legacy overlap: the extranet-side prefix this LAN is NATed to
    gateway: Attachment | None = None  # the device interface (e.g. Vlanif100) that routes this LAN


class Department(Model):
    id: Slug
    name: Text
    site: Slug
    access_class: AccessClass
    zones: list[Zone] | None = None
    internet_exit: Exit | None = None
    lans: list[Lan] = Field(default_factory=list)
    uplink: Attachment | None = None  # None: not yet connected to the extranet
    connect_by: date | None = None
    notes: Notes | None = None

    @property
    def effective_zones(self) -> frozenset[Zone]:
        return frozenset(self.zones) if self.zones is not None else self.access_class.zones

    @property
    def effective_exit(self) -> Exit | None:
        return self.internet_exit if self.internet_exit is not None else self.access_class.exit


class Interface(Model):
    name: InterfaceName
    description: ConfigText | None = None
    ipv4: Ipv4Interface | None = None
    ipv6: Ipv6Interface | None = None  # a manual pin; otherwise the plan gives one
    shutdown: bool = False


class Routing(Model):
    router_id: Ipv4Address | None = None
    ospf_process: int = Field(default=1, ge=1, le=65535)
    ospf_area: OspfArea | None = None
    bgp_as: AsNumber | None = None
    # an IPv6 static default toward this directly linked neighbour (the way to the unified exit)
    ipv6_default_via: Hostname | None = None


class DeviceRole(StrEnum):
    BACKBONE = "backbone"
    AGGREGATION = "aggregation"
    ACCESS = "access"
    EXIT = "exit"


class Device(Model):
    name: Hostname
    platform: PlatformName
    role: DeviceRole
    site: Slug
    mgmt: Ipv4Address
    mgmt6: Ipv6Address | None = None
    model: ConfigText | None = None
    loopback: Ipv4Address | None = None
    routing: Routing | None = None
    credentials: Slug = "default"  # a credential profile, resolved from the environment or ansible-vault
    interfaces: list[Interface] = Field(default_factory=list)
    notes: Notes | None = None


class LinkEnd(Model):
    device: Hostname
    interface: InterfaceName


class Link(Model):
    id: Slug | None = None
    a: LinkEnd
    b: LinkEnd
    description: ConfigText | None = None
    ipv6: Ipv6Network | None = None  # a manual pin for the link's /64

    @property
    def key(self) -> str:
        """The stable id: given, or derived from the endpoints (order-independent)."""
        if self.id:
            return self.id
        ends = sorted(f"{e.device}:{e.interface}" for e in (self.a, self.b))
        return "--".join(ends)


class PrivateNetworkTarget(StrEnum):
    EXTRANET_PUBLIC = "extranet_public"
    EXTRANET_VPN = "extranet_vpn"
    INTERNAL = "internal"  # 电子政务内网


class Exemption(Model):
    """An approved exception to a policy rule: it names its document and lapses by itself on ``expires``."""

    reason: Text
    approved_by: Text
    approved_on: date
    document: Text  # the approving document's number, e.g. 云政数函〔2025〕23号
    expires: date


class Integration(Model):
    """Where a private network joins the extranet when it is integrated: a port of an extranet router (its
    owner's access router, usually) and the hand-off subnet on it, the router's end first; and the far end of
    the legacy line it leaves (the carrier's or the department's legacy router), which must fall silent."""

    attach: Attachment
    handoff: Ipv4Interface  # the extranet router's end, e.g. 198.18.3.17/30: the private network takes the peer
    legacy_gateway: Ipv4Address | None = None


class PrivateNetwork(Model):
    id: Slug
    name: Text
    owner: Slug
    prefixes: list[Ipv4Network] = Field(min_length=1)
    classification: Classification
    target: PrivateNetworkTarget
    exemption: Exemption | None = None
    deadline: date | None = None
    sites: list[Slug] = Field(default_factory=list)
    integration: Integration | None = None
    notes: Notes | None = None


class Scope(StrEnum):
    SECTION = "section"  # 科室
    DEPARTMENT = "department"
    LEVEL = "level"  # the whole county/district
    CROSS_LEVEL = "cross_level"
    PUBLIC = "public"  # serves citizens


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    RARELY = "rarely"
    UNUSED = "unused"


class Funding(StrEnum):
    FISCAL = "fiscal"  # 财政资金
    SPECIAL = "special"  # 专项资金
    SUPERIOR = "superior"  # 上级拨付
    SELF_RAISED = "self_raised"  # 自筹
    OTHER = "other"


class HostKind(StrEnum):
    DEPARTMENT = "department"  # the department's own server room
    PRIVATE_NETWORK = "private_network"
    DATACENTER = "datacenter"
    CLOUD = "cloud"
    INTERNAL = "internal"  # the classified internal network


class Hosting(Model):
    kind: HostKind
    ref: Slug | None = None  # department, private network or site id


class SystemTarget(StrEnum):
    CLOUD = "cloud"
    EXTRANET = "extranet"
    INTERNAL = "internal"
    RETIRE = "retire"
    STAY = "stay"


class Service(Model):
    port: Port
    protocol: Literal["tcp", "udp"] = "tcp"
    name: Slug | None = None


class System(Model):
    id: Slug
    name: Text
    function: Text
    scope: Scope
    frequency: Frequency
    approved_by: Text
    approved_on: date | None = None
    funding: Funding
    owner: Slug
    classification: Classification
    protection_level: ProtectionLevel
    runs_at: Hosting
    target: SystemTarget
    addresses: list[IPv4Address | Ipv6Address] = Field(default_factory=list)  # where the census found it
    # where it answers once moved: IPv4 in the target site's planned server LAN; the IPv6 is numbered from the
    # plan (plan.systems) unless one is pinned here
    target_addresses: list[IPv4Address | Ipv6Address] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    dns: list[DnsName] = Field(default_factory=list)
    last_used: date | None = None
    maintained: bool = True
    replaced_by: Slug | None = None
    deadline: date | None = None  # when its move (cloud, internal network, merge, retirement) is due
    notes: Notes | None = None
