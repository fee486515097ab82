"""A department uplink over SNMP: is the interface up, how much traffic and how many errors right now.

SNMPv3 authPriv (SHA + AES-128 unless told otherwise), SNMPv2c as the fallback for devices without v3. The
interface is found by ifName, else ifDescr (one bulk walk, remembered for the poller's life), then ifOperStatus,
the octet and error counters are read twice `interval` seconds apart: rates and errors are differences.

One pysnmp engine per (namespace, credentials) serves every device: pysnmp keeps USM users by name in its
engine, so two key sets under one user name must not share one, and an engine's UDP socket is where its
namespace is decided (`socket_in`). Keys arrive as arguments, are never logged, never repr'd and never put into
an error message.
"""

import asyncio
import ipaddress
import socket
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp, udp6  # type: ignore[import-untyped]
from pysnmp.entity import config  # type: ignore[import-untyped]
from pysnmp.error import PySnmpError  # type: ignore[import-untyped]
from pysnmp.hlapi.v3arch import asyncio as hlapi  # type: ignore[import-untyped]
from pysnmp.proto import errind  # type: ignore[import-untyped]
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject  # type: ignore[import-untyped]

from . import errors
from .netns import NamespaceError, socket_in

AUTHENTICATION_FAILED = "authentication failed"
NO_SUCH_INTERFACE = "no such interface"

AUTH_PROTOCOLS = {
    "MD5": hlapi.usmHMACMD5AuthProtocol,
    "SHA": hlapi.usmHMACSHAAuthProtocol,
    "SHA224": hlapi.usmHMAC128SHA224AuthProtocol,
    "SHA256": hlapi.usmHMAC192SHA256AuthProtocol,
    "SHA384": hlapi.usmHMAC256SHA384AuthProtocol,
    "SHA512": hlapi.usmHMAC384SHA512AuthProtocol,
}
# Net-SNMP's names: AES192/AES256 are the Blumenthal key extension, the C variants Cisco's (Reeder).
PRIV_PROTOCOLS = {
    "DES": hlapi.usmDESPrivProtocol,
    "3DES": hlapi.usm3DESEDEPrivProtocol,
    "AES": hlapi.usmAesCfb128Protocol,
    "AES128": hlapi.usmAesCfb128Protocol,
    "AES192": hlapi.usmAesBlumenthalCfb192Protocol,
    "AES256": hlapi.usmAesBlumenthalCfb256Protocol,
    "AES192C": hlapi.usmAesCfb192Protocol,
    "AES256C": hlapi.usmAesCfb256Protocol,
}
# pysnmp's ways of saying the device did not accept who we claim to be.
_AUTH_FAILURES = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.DecryptionError,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.UnknownSecurityName,
    errind.UnsupportedSecurityLevel,
    errind.UnknownCommunityName,
)

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
COUNTERS = {
    "oper": "1.3.6.1.2.1.2.2.1.8",
    "in_errors": "1.3.6.1.2.1.2.2.1.14",
    "out_errors": "1.3.6.1.2.1.2.2.1.20",
    "hc_in": "1.3.6.1.2.1.31.1.1.1.6",
    "hc_out": "1.3.6.1.2.1.31.1.1.1.10",
    "in": "1.3.6.1.2.1.2.2.1.10",  # 32-bit octets, for devices without the HC counters
    "out": "1.3.6.1.2.1.2.2.1.16",
}
OPER_STATUS = {1: "up", 2: "down", 3: "testing", 4: "unknown", 5: "dormant", 6: "notPresent", 7: "lowerLayerDown"}


@dataclass(frozen=True, slots=True)
class SnmpV3User:
    """SNMPv3 authPriv credentials; protocol names as in Net-SNMP (`SHA`, `SHA256`, `AES`, `AES256`...)."""

    name: str
    auth_key: str = field(repr=False)
    priv_key: str = field(repr=False)
    auth_protocol: str = "SHA"
    priv_protocol: str = "AES"


@dataclass(frozen=True, slots=True)
class SnmpCommunity:
    """SNMPv2c, for devices that have no v3 configured yet."""

    community: str = field(repr=False)


Credentials = SnmpV3User | SnmpCommunity


@dataclass(frozen=True, slots=True)
class SnmpResult:
    """One uplink reading. `ok` means both readings arrived; whether the link is up is `oper_status`.

    `in_bps`/`out_bps` are bits per second over the interval; `in_errors`/`out_errors` are the errors counted
    during it (not the counters' totals). `error`: "authentication failed", "timeout", "no such interface",...
    """

    device: str
    interface: str
    ok: bool
    oper_status: str | None
    in_bps: float | None
    out_bps: float | None
    in_errors: int | None
    out_errors: int | None
    error: str | None


class SnmpError(Exception):
    """A reading failed; the message is one of the probe words (never a key)."""


@dataclass(frozen=True, slots=True)
class _Reading:
    at: float
    values: dict[str, int | None]


class SnmpPoller:
    """Reads uplinks of many devices concurrently from one event loop; close it (or `async with`) when done."""

    def __init__(self, timeout: float = 2.0, retries: int = 1) -> None:
        self.timeout = timeout
        self.retries = retries
        self._engines: dict[tuple[str | None, Credentials], Any] = {}
        self._indexes: dict[tuple[str | None, str, int, str], int] = {}

    async def read_interface(
        self,
        device: str,
        address: str,
        interface: str,
        credentials: Credentials,
        interval: float = 1.0,
        port: int = 161,
        namespace: str | None = None,
    ) -> SnmpResult:
        """Find `interface` on the device at `address` and read it twice, `interval` seconds apart."""
        try:
            engine = self._engine(namespace, credentials)
            auth = _auth_data(credentials)
            target = await _target(address, port, self.timeout, self.retries)
            key = (namespace, address, port, interface)
            if key not in self._indexes:
                self._indexes[key] = await _find_index(engine, auth, target, interface)
            index = self._indexes[key]
            first = await _read(engine, auth, target, index)
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - first.at)))
            second = await _read(engine, auth, target, index)
        except SnmpError as exc:
            return SnmpResult(device, interface, False, None, None, None, None, None, str(exc))
        except PySnmpError as exc:  # pysnmp's own messages carry addresses and OIDs, never keys
            return SnmpResult(device, interface, False, None, None, None, None, None, f"snmp: {exc}")
        return _result(device, interface, first, second)

    def close(self) -> None:
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()

    async def __aenter__(self) -> "SnmpPoller":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _engine(self, namespace: str | None, credentials: Credentials) -> Any:
        key = (namespace, credentials)
        if key not in self._engines:
            engine = hlapi.SnmpEngine()
            if namespace is not None:
                try:
                    for family, domain, kind in (
                        (socket.AF_INET, udp.DOMAIN_NAME, udp.UdpAsyncioTransport),
                        (socket.AF_INET6, udp6.DOMAIN_NAME, udp6.Udp6AsyncioTransport),
                    ):
                        sock = socket_in(namespace, family, socket.SOCK_DGRAM)
                        config.add_transport(engine, domain, kind().open_server_mode(sock=sock))
                except (NamespaceError, OSError) as exc:
                    engine.close_dispatcher()
                    raise SnmpError(str(exc) if isinstance(exc, NamespaceError) else errors.describe(exc)) from None
            self._engines[key] = engine
        return self._engines[key]


def _auth_data(credentials: Credentials) -> Any:
    if isinstance(credentials, SnmpCommunity):
        return hlapi.CommunityData(credentials.community, mpModel=1)
    try:
        auth = AUTH_PROTOCOLS[credentials.auth_protocol.upper()]
        priv = PRIV_PROTOCOLS[credentials.priv_protocol.upper()]
    except KeyError:
        raise SnmpError(
            f"unknown SNMPv3 protocol {credentials.auth_protocol}/{credentials.priv_protocol}: "
            f"auth one of {', '.join(AUTH_PROTOCOLS)}, priv one of {', '.join(PRIV_PROTOCOLS)}"
        ) from None
    return hlapi.UsmUserData(
        credentials.name, credentials.auth_key, credentials.priv_key, authProtocol=auth, privProtocol=priv
    )


async def _target(address: str, port: int, timeout: float, retries: int) -> Any:
    try:
        version = ipaddress.ip_address(address).version
    except ValueError:
        raise SnmpError(f"not an IP address: {address!r}") from None
    kind = hlapi.Udp6TransportTarget if version == 6 else hlapi.UdpTransportTarget
    return await kind.create((address, port), timeout=timeout, retries=retries)


def _failure(indication: Any, status: Any) -> str | None:
    """The probe word for a pysnmp error indication or PDU error status (None: no failure)."""
    if indication:
        if isinstance(indication, _AUTH_FAILURES):
            return AUTHENTICATION_FAILED
        if isinstance(indication, errind.RequestTimedOut):
            return errors.TIMEOUT
        return str(indication).lower()
    if status:
        return f"snmp error: {status.prettyPrint()}"
    return None


async def _find_index(engine: Any, auth: Any, target: Any, interface: str) -> int:
    """The ifIndex whose ifName (else ifDescr) is `interface`, exactly or else ignoring case."""
    for column in (IF_NAME, IF_DESCR):
        names: dict[int, str] = {}
        walk = hlapi.bulk_walk_cmd(
            engine,
            auth,
            target,
            hlapi.ContextData(),
            0,
            25,
            hlapi.ObjectType(hlapi.ObjectIdentity(column)),
            lexicographicMode=False,
            lookupMib=False,
        )
        async for indication, status, _index, binds in walk:
            if (problem := _failure(indication, status)) is not None:
                raise SnmpError(problem)
            for oid, value in binds:
                names[int(tuple(oid)[-1])] = str(value)
        for same in (str.__eq__, lambda a, b: a.casefold() == b.casefold()):
            found = [index for index, name in sorted(names.items()) if same(name, interface)]
            if found:
                return found[0]
    raise SnmpError(NO_SUCH_INTERFACE)


async def _read(engine: Any, auth: Any, target: Any, index: int) -> _Reading:
    binds = [hlapi.ObjectType(hlapi.ObjectIdentity(f"{oid}.{index}")) for oid in COUNTERS.values()]
    indication, status, _index, values = await hlapi.get_cmd(
        engine, auth, target, hlapi.ContextData(), *binds, lookupMib=False
    )
    at = time.monotonic()
    if (problem := _failure(indication, status)) is not None:
        raise SnmpError(problem)
    read = {name: _integer(value) for name, (_oid, value) in zip(COUNTERS, values, strict=True)}
    if read["oper"] is None:
        raise SnmpError(NO_SUCH_INTERFACE)
    return _Reading(at, read)


def _integer(value: Any) -> int | None:
    """A counter's value, or None where the agent has no such object (e.g. no HC counters on old devices)."""
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
        return None
    return int(value)


def _result(device: str, interface: str, first: _Reading, second: _Reading) -> SnmpResult:
    elapsed = max(second.at - first.at, 1e-6)

    def delta(name: str, bits: int) -> int | None:
        a, b = first.values[name], second.values[name]
        return None if a is None or b is None else (b - a) % (1 << bits)

    def rate(hc: str, legacy: str) -> float | None:
        octets = delta(hc, 64)
        octets = delta(legacy, 32) if octets is None else octets
        return None if octets is None else octets * 8 / elapsed

    oper = second.values["oper"]
    status = OPER_STATUS.get(oper, str(oper)) if oper is not None else None
    in_errors, out_errors = delta("in_errors", 32), delta("out_errors", 32)
    return SnmpResult(
        device, interface, True, status, rate("hc_in", "in"), rate("hc_out", "out"), in_errors, out_errors, None
    )
