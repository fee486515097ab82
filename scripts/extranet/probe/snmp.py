"""A department uplink over SNMP: is the interface up, how much traffic and how many errors right now.

SNMPv3 authPriv (SHA + AES-128 unless told otherwise), SNMPv2c as the fallback for devices without v3. The
interface is found by ifName, else ifDescr (one bulk walk, remembered for the poller's life), then ifOperStatus,
the octet and error counters are read twice `interval` seconds apart: rates and errors are differences.
Agents cache these counters (Net-SNMP for about 3 s: two readings 1 s apart on the lab's snmpd mostly see the
same values), so an interval shorter than the agent's cache reads a rate of 0.

One pysnmp engine per (namespace, credentials) serves every device: pysnmp keeps USM users by name in its
engine, so two key sets under one user name must not share one, and an engine's UDP socket is where its
namespace is decided (`socket_in`). Keys arrive as arguments, are never logged, never repr'd and never put into
an error message.
"""

import asyncio
import ipaddress
import socket
import time
from collections.abc import Sequence
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
from .ifmib import COUNTERS, IF_DESCR, IF_NAME, Reading, change, find_index
from .netns import NamespaceError, socket_in

AUTHENTICATION_FAILED = "authentication failed"
NO_SUCH_INTERFACE = "no such interface"
_PER_GET = 8  # interfaces per GET: 56 variables, a response well under 1,400 bytes

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


class SnmpPoller:
    """Reads uplinks of many devices concurrently from one event loop; close it (or `async with`) when done.

    A device's interface table is walked once per poller and shared by every read of that device, and all
    interfaces asked of one device in one call are read by the same GET requests.
    """

    def __init__(self, timeout: float = 2.0, retries: int = 1, exchanges: int = 16) -> None:
        self.timeout = timeout
        self.retries = retries
        # pysnmp spends milliseconds of CPU per message (BER in pure Python): requests beyond what the loop
        # can answer in time would time out while their replies wait in the queue, so at most this many
        # request/response exchanges are outstanding at once.
        self._exchanges = asyncio.Semaphore(exchanges)
        self._engines: dict[tuple[str | None, Credentials], Any] = {}
        self._columns: dict[tuple[str | None, Credentials, str, int, str], asyncio.Task[dict[int, str]]] = {}

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
        (result,) = await self.read_interfaces(device, address, [interface], credentials, interval, port, namespace)
        return result

    async def read_interfaces(
        self,
        device: str,
        address: str,
        interfaces: Sequence[str],
        credentials: Credentials,
        interval: float = 1.0,
        port: int = 161,
        namespace: str | None = None,
    ) -> list[SnmpResult]:
        """`read_interface` for several interfaces of one device at once: one result each, in order."""
        try:
            session = _Session(self._engine(namespace, credentials), _auth_data(credentials))
            session.target = await _target(address, port, self.timeout, self.retries)
            indexes = await self._indexes(session, (namespace, credentials, address, port), interfaces)
            wanted = sorted({index for index in indexes.values() if index is not None})
            first = await self._get(session, wanted)
            await asyncio.sleep(
                max(0.0, interval - (time.monotonic() - min((r.at for r in first.values()), default=0)))
            )
            second = await self._get(session, wanted)
        except SnmpError as exc:
            return [_failed(device, interface, str(exc)) for interface in interfaces]
        except PySnmpError as exc:  # pysnmp's own messages carry addresses and OIDs, never keys
            return [_failed(device, interface, f"snmp: {exc}") for interface in interfaces]
        results = []
        for interface in interfaces:
            index = indexes[interface]
            if index is None or first[index].values["oper"] is None or second[index].values["oper"] is None:
                results.append(_failed(device, interface, NO_SUCH_INTERFACE))
                continue
            diff = change(first[index], second[index])
            results.append(
                SnmpResult(
                    device,
                    interface,
                    True,
                    diff.oper_status,
                    diff.in_bps,
                    diff.out_bps,
                    diff.in_errors,
                    diff.out_errors,
                    None,
                )
            )
        return results

    def close(self) -> None:
        for task in self._columns.values():
            task.cancel()
        self._columns.clear()
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()

    async def __aenter__(self) -> "SnmpPoller":
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def _indexes(
        self, session: "_Session", device: tuple[str | None, Credentials, str, int], interfaces: Sequence[str]
    ) -> dict[str, int | None]:
        """Each interface's ifIndex by ifName; ifDescr is walked only if some name is not an ifName."""
        found: dict[str, int | None] = {}
        for column in (IF_NAME, IF_DESCR):
            missing = [interface for interface in interfaces if found.get(interface) is None]
            if not missing:
                break
            names = await self._column(session, (*device, column))
            found |= {interface: find_index(names, interface) for interface in missing}
        return found

    async def _column(self, session: "_Session", key: tuple[str | None, Credentials, str, int, str]) -> dict[int, str]:
        """One walk of an IF-MIB name column per device (and credentials: a wrong key must not poison the right
        one's reads), shared by concurrent reads; a failed walk is forgotten, so the next read walks again."""
        task = self._columns.get(key)
        if task is None:
            task = asyncio.ensure_future(self._walk(session, key[4]))
            self._columns[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done() and (task.cancelled() or task.exception() is not None):
                self._columns.pop(key, None)

    async def _walk(self, session: "_Session", column: str) -> dict[int, str]:
        names: dict[int, str] = {}
        async with self._exchanges:
            walk = hlapi.bulk_walk_cmd(
                session.engine,
                session.auth,
                session.target,
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
        return names

    async def _get(self, session: "_Session", indexes: Sequence[int]) -> dict[int, Reading]:
        """One reading of COUNTERS for each ifIndex, `_PER_GET` interfaces per request."""
        readings: dict[int, Reading] = {}
        for start in range(0, len(indexes), _PER_GET):
            chunk = indexes[start : start + _PER_GET]
            binds = [hlapi.ObjectType(hlapi.ObjectIdentity(f"{oid}.{i}")) for i in chunk for oid in COUNTERS.values()]
            async with self._exchanges:
                indication, status, _index, values = await hlapi.get_cmd(
                    session.engine, session.auth, session.target, hlapi.ContextData(), *binds, lookupMib=False
                )
            at = time.monotonic()
            if (problem := _failure(indication, status)) is not None:
                raise SnmpError(problem)
            for n, index in enumerate(chunk):
                row = values[n * len(COUNTERS) : (n + 1) * len(COUNTERS)]
                readings[index] = Reading(
                    at, {name: _integer(v) for name, (_oid, v) in zip(COUNTERS, row, strict=True)}
                )
        return readings

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


@dataclass(slots=True)
class _Session:
    """What every pysnmp command for one device needs."""

    engine: Any
    auth: Any
    target: Any = None


def _failed(device: str, interface: str, error: str) -> SnmpResult:
    return SnmpResult(device, interface, False, None, None, None, None, None, error)


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


def _integer(value: Any) -> int | None:
    """A counter's value, or None where the agent has no such object (e.g. no HC counters on old devices)."""
    if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
        return None
    return int(value)
