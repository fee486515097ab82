"""Right-sizing: cloud hosts whose CPU stays low are candidates to scale down, from the platform's utilisation export.

The government cloud's operator "watches resource use; persistently low-load hosts are scaled down" (domain
notes, "Cloud"). The rule is the public clouds' advisors': CPU p95 ≤ 10 % over the last 14 days (both can be
changed). The 95th percentile is the nearest-rank one: the smallest sample that 95 % of the samples do not exceed.

The CSV is the long format the platforms' metric APIs return, one data point per row, flattened: a time, the
instance and the value —
- Alibaba Cloud CloudMonitor ``DescribeMetricList`` / ``BatchExport`` (namespace ``acs_ecs_dashboard``, metrics
  ``CPUUtilization`` and ``memory_usedutilization``): data points carry ``timestamp`` (milliseconds since the
  epoch), ``instanceId`` and the value (https://help.aliyun.com/document_detail/155561.html);
- AWS CloudWatch ``get-metric-statistics`` (``AWS/EC2`` ``CPUUtilization``, dimension ``InstanceId``): data
  points carry ``Timestamp`` (ISO 8601) and the statistic
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Datapoint.html);
- Huawei Cloud Cloud Eye names the ECS metrics ``cpu_util`` and ``mem_util``.
Columns are found by name, case-insensitive, from ``COLUMNS`` (the names above, and the Chinese console's
时间 / 实例ID / CPU使用率 / 内存使用率 / IP地址); ``timestamp``, the host and the CPU are required, memory and
the address optional. Times are ISO 8601 (``2026-11-20T08:00:00Z``, ``2026-11-20 08:00:00``) or seconds or
milliseconds since the epoch; times with an offset are taken in UTC, times without one as they are. A blank CPU
cell is a data point the platform did not collect and is skipped; any other value must be a number from 0 to 100.

A host is the system whose ``addresses`` hold its address (the address column), else the system whose ``id`` is
its name (an instance named after the system, as the census ids are); otherwise it is not in the inventory and
is still listed. The window is the last ``days`` days up to the newest sample in the file (an export is judged on
its own period, whatever day it is read); a host whose samples cover fewer days is not judged.
"""

import csv
import io
import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from ..files import read_limited
from ..inventory.models import System

DEFAULT_CPU_P95 = 10.0
DEFAULT_DAYS = 14
COLUMNS = {  # what each column may be called (lower case, without "(%)" and spaces)
    "timestamp": ("timestamp", "time", "datetime", "时间"),
    "host": ("instanceid", "instance_id", "instance", "host", "hostname", "resource_id", "实例id", "主机"),
    "cpu": ("cpuutilization", "cpu_util", "cpu_utilization", "cpu", "cpu使用率"),
    "memory": ("memory_usedutilization", "memoryutilization", "mem_util", "memory", "mem", "内存使用率"),
    "address": ("ip", "address", "private_ip", "privateip", "ip地址", "私网ip"),
}
REQUIRED = ("timestamp", "host", "cpu")
TIME_ALLOWED = "ISO 8601 (2026-11-20T08:00:00Z, 2026-11-20 08:00:00) or seconds/milliseconds since the epoch"


class UtilisationError(ValueError):
    """A problem in the utilisation CSV: ``FILE:LINE: column: what is wrong; allowed: …``."""

    def __init__(self, path: Path, line: int | None, column: str, what: str, allowed: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {column}: {what}; allowed: {allowed}")


@dataclass(frozen=True)
class Sample:
    host: str
    address: str | None
    at: datetime
    cpu: float
    memory: float | None


@dataclass(frozen=True)
class HostLoad:
    host: str
    address: str | None
    system: str | None  # the inventory system it runs (None: not in the inventory)
    owner: str | None
    samples: int
    first: datetime
    last: datetime
    days: float  # the period the samples cover, in days
    cpu_p95: float
    cpu_max: float
    memory_p95: float | None
    verdict: str  # scale-down, keep, too-little-data

    def facts(self, cpu_limit: float, days: int) -> list[str]:
        """What the verdict rests on, in words."""
        period = f"{self.first:%Y-%m-%d %H:%M} – {self.last:%Y-%m-%d %H:%M}"
        said = [
            f"CPU p95 {self.cpu_p95:g} % (limit {cpu_limit:g} %), max {self.cpu_max:g} %",
            f"{self.samples} samples over {self.days:g} days ({period})",
        ]
        if self.memory_p95 is not None:
            said.append(f"memory p95 {self.memory_p95:g} %")
        if self.verdict == "too-little-data":
            said.append(f"fewer than the {days} days needed: not judged")
        return said

    def as_json(self, cpu_limit: float, days: int) -> dict[str, object]:
        return {
            "host": self.host, "address": self.address, "system": self.system, "owner": self.owner,
            "verdict": self.verdict, "cpu_p95": self.cpu_p95, "cpu_max": self.cpu_max,
            "memory_p95": self.memory_p95, "samples": self.samples, "days": self.days,
            "first": self.first.isoformat(), "last": self.last.isoformat(), "facts": self.facts(cpu_limit, days),
        }  # fmt: skip


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile.

    >>> p95([float(v) for v in range(1, 101)])
    95.0
    """
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def read_utilisation(path: Path) -> list[Sample]:
    """The samples of a utilisation CSV (bounded read), or ``UtilisationError`` naming the line and column."""
    raw = read_limited(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # what a Chinese console's "export to Excel" CSV often is
        except UnicodeDecodeError as exc:
            raise UtilisationError(path, None, "encoding", f"undecodable byte at offset {exc.start}",
                                   "UTF-8 or GB18030 text") from None  # fmt: skip
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise UtilisationError(path, 1, "header", "the file is empty", "a header row naming the columns")
    where = _columns(path, header)
    samples = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        sample = _sample(path, reader.line_num, header, row, where)
        if sample is not None:
            samples.append(sample)
    if not samples:
        raise UtilisationError(path, reader.line_num, "rows", "no samples", "one row per host per sample")
    return samples


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    """Which column holds what: each found once, the required ones present."""
    where: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lower().replace(" ", "").removesuffix("(%)").removesuffix("（%）").removesuffix("%")
        for field, names in COLUMNS.items():
            if key in names:
                if field in where:
                    raise UtilisationError(path, 1, name.strip(), f"a second {field} column (the first is "
                                           f"{header[where[field]].strip()!r})", "one of each")  # fmt: skip
                where[field] = index
    for field in REQUIRED:
        if field not in where:
            raise UtilisationError(path, 1, "header", f"no {field} column (found {', '.join(map(str.strip, header))})",
                                   ", ".join(COLUMNS[field]))  # fmt: skip
    return where


def _sample(path: Path, line: int, header: list[str], row: list[str], where: dict[str, int]) -> Sample | None:
    if len(row) != len(header):
        raise UtilisationError(path, line, "row", f"{len(row)} fields, the header has {len(header)}",
                               "one value per header column")  # fmt: skip
    cell = {field: row[index].strip() for field, index in where.items()}
    if not cell["host"]:
        raise UtilisationError(path, line, header[where["host"]].strip(), "empty", "the instance id or host name")
    at = _time(path, line, header[where["timestamp"]].strip(), cell["timestamp"])
    if not cell["cpu"]:
        return None  # a data point the platform did not collect
    cpu = _percent(path, line, header[where["cpu"]].strip(), cell["cpu"])
    memory = None
    if cell.get("memory"):
        memory = _percent(path, line, header[where["memory"]].strip(), cell["memory"])
    address = cell.get("address") or None
    if address is not None:
        try:
            address = str(ipaddress.ip_address(address))
        except ValueError:
            raise UtilisationError(path, line, header[where["address"]].strip(), f"{address!r} is not an address",
                                   "an IPv4 or IPv6 address, or empty") from None  # fmt: skip
    return Sample(cell["host"], address, at, cpu, memory)


def _time(path: Path, line: int, column: str, value: str) -> datetime:
    try:
        if value.isdigit() and len(value) >= 9:
            seconds = int(value) / 1000 if len(value) >= 12 else int(value)
            return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
        at = datetime.fromisoformat(value)
    except (ValueError, OverflowError, OSError):
        raise UtilisationError(path, line, column, f"{value!r} is not a time", TIME_ALLOWED) from None
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def _percent(path: Path, line: int, column: str, value: str) -> float:
    try:
        number = float(value.removesuffix("%"))
    except ValueError:
        number = math.nan
    if not 0 <= number <= 100:  # also refuses nan
        raise UtilisationError(path, line, column, f"{value!r} is not a percentage", "a number from 0 to 100")
    return number


def right_size(
    path: Path, samples: Iterable[Sample], systems: Mapping[str, System],
    cpu_limit: float = DEFAULT_CPU_P95, days: int = DEFAULT_DAYS,
) -> list[HostLoad]:  # fmt: skip
    """Each host's load over the last ``days`` days of the file, with its verdict, by host.

    ``UtilisationError`` when no host has ``days`` days of samples: the export is too short to judge any host.
    """
    every = list(samples)
    end = max(s.at for s in every)
    start = end - timedelta(days=days)
    by_host: dict[str, list[Sample]] = {}
    for sample in every:
        if sample.at > start:
            by_host.setdefault(sample.host, []).append(sample)
    loads = [_load(host, by_host[host], systems, cpu_limit, days) for host in sorted(by_host)]
    if all(load.verdict == "too-little-data" for load in loads):
        longest = max(load.days for load in loads)
        raise UtilisationError(path, None, "timestamp", f"the samples cover {longest:g} days at most (up to "
                               f"{end:%Y-%m-%d %H:%M}); {days} days are needed",
                               f"an export of at least {days} days, or a smaller --days")  # fmt: skip
    return loads


def _load(host: str, samples: list[Sample], systems: Mapping[str, System], cpu_limit: float, days: int) -> HostLoad:
    samples.sort(key=lambda s: s.at)
    cpu = [s.cpu for s in samples]
    memory = [s.memory for s in samples if s.memory is not None]
    address = next((s.address for s in samples if s.address), None)
    system = _system(host, address, systems)
    covered = _covered(samples)
    verdict = "too-little-data" if covered < days else "scale-down" if p95(cpu) <= cpu_limit else "keep"
    return HostLoad(host, address, system.id if system else None, system.owner if system else None, len(samples),
                    samples[0].at, samples[-1].at, covered, p95(cpu), max(cpu), p95(memory) if memory else None,
                    verdict)  # fmt: skip


def _covered(samples: list[Sample]) -> float:
    """Days from the first sample to the last, plus one sampling period (the median gap): 336 hourly samples
    cover 14 days."""
    gaps = sorted((b.at - a.at) for a, b in pairwise(samples) if b.at > a.at)
    period = gaps[len(gaps) // 2] if gaps else timedelta(0)
    return round((samples[-1].at - samples[0].at + period) / timedelta(days=1), 1)


def _system(host: str, address: str | None, systems: Mapping[str, System]) -> System | None:
    if address is not None:
        for system in systems.values():
            if any(str(a) == address for a in system.addresses):
                return system
    return systems.get(host)
