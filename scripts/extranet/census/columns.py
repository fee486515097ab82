"""The census return's columns: one per census field, as a county's 普查 template lays them out, and how a cell's
value is written from a system and read back.

A column is found by the field key in its header (``名称 (name)``), never by its position, so a department may
reorder, hide or drop columns. Reading a cell canonicalises it (addresses compressed, lists joined by ``; ``), so
a cell counts as changed only when what it says differs, not how it is spaced.
"""

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from ..inventory.models import Classification, Department, Frequency, Funding, HostKind, Scope, System, SystemTarget


class CellKind(StrEnum):
    TEXT = "text"
    ENUM = "enum"
    DATE = "date"
    LEVEL = "level"  # 等级保护 1–5
    YESNO = "yesno"
    ADDRESSES = "addresses"
    SERVICES = "services"
    NAMES = "names"  # DNS names


YES, NO = "yes", "no"


@dataclass(frozen=True)
class Column:
    key: str  # the System field, or runs_at.kind / runs_at.ref
    label: str  # the Chinese header
    kind: CellKind
    meaning: str  # for the 说明 sheet
    width: int = 14
    allowed: tuple[str, ...] = ()
    noun: str = ""  # "'x' is not a census <noun>"
    labels: dict[str, str] = field(default_factory=dict)  # allowed value → its Chinese meaning

    @property
    def header(self) -> str:
        return f"{self.label} ({self.key})"

    @property
    def field(self) -> str:
        """The System field this column fills."""
        return self.key.split(".")[0]


def _enum(values: Iterable[StrEnum]) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


COLUMNS: tuple[Column, ...] = (
    Column("id", "系统编号", CellKind.TEXT, "系统的稳定编号：小写字母、数字、- 和 _；新增系统填写新编号", 18),
    Column("name", "系统名称", CellKind.TEXT, "信息系统的全称", 30),
    Column("function", "主要功能", CellKind.TEXT, "系统承担的业务功能", 36),
    Column(
        "scope",
        "使用范围",
        CellKind.ENUM,
        "系统的使用范围",
        12,
        _enum(Scope),
        "scope",
        {
            "section": "科室",
            "department": "本部门",
            "level": "本级（全县/区）",
            "cross_level": "跨层级",
            "public": "面向公众",
        },
    ),
    Column(
        "frequency",
        "使用频率",
        CellKind.ENUM,
        "系统的使用频率",
        12,
        _enum(Frequency),
        "frequency",
        {
            "daily": "每天",
            "weekly": "每周",
            "monthly": "每月",
            "quarterly": "每季度",
            "yearly": "每年",
            "rarely": "极少使用",
            "unused": "已不使用",
        },
    ),
    Column("approved_by", "审批部门", CellKind.TEXT, "批准建设的部门", 24),
    Column("approved_on", "审批日期", CellKind.DATE, "批准建设的日期（日期单元格或 YYYY-MM-DD）", 12),
    Column(
        "funding",
        "资金来源",
        CellKind.ENUM,
        "建设资金的来源",
        12,
        _enum(Funding),
        "funding source",
        {"fiscal": "财政资金", "special": "专项资金", "superior": "上级拨付", "self_raised": "自筹", "other": "其他"},
    ),
    Column("owner", "主管部门", CellKind.TEXT, "主管部门编号：本工作表的部门", 10),
    Column(
        "classification",
        "涉密情况",
        CellKind.ENUM,
        "是否涉密；涉密系统只能部署在电子政务内网",
        14,
        _enum(Classification),
        "classification",
        {"classified": "涉密", "unclassified": "非涉密"},
    ),
    Column(
        "protection_level",
        "等保级别",
        CellKind.LEVEL,
        "网络安全等级保护级别（1–5 级）",
        10,
        ("1", "2", "3", "4", "5"),
        "protection level",
    ),
    Column(
        "runs_at.kind",
        "部署位置",
        CellKind.ENUM,
        "系统现在运行的位置",
        14,
        _enum(HostKind),
        "hosting kind",
        {
            "department": "本部门机房",
            "private_network": "业务专网",
            "datacenter": "县数据中心",
            "cloud": "政务云",
            "internal": "电子政务内网（涉密）",
        },
    ),
    Column("runs_at.ref", "部署位置编号", CellKind.TEXT, "部署位置的编号：部门、专网或站点的编号（内网不填）", 16),
    Column(
        "target",
        "迁移去向",
        CellKind.ENUM,
        "系统应迁往的位置",
        10,
        _enum(SystemTarget),
        "target",
        {
            "cloud": "迁移上云",
            "extranet": "接入政务外网",
            "internal": "迁入电子政务内网",
            "retire": "关停/整合",
            "stay": "保留原地",
        },
    ),
    Column("addresses", "IP 地址", CellKind.ADDRESSES, "系统现在的 IPv4/IPv6 地址，以“; ”分隔", 30),
    Column("target_addresses", "目标地址", CellKind.ADDRESSES, "迁移后应答的地址，以“; ”分隔", 30),
    Column("services", "服务端口", CellKind.SERVICES, "端口/协议 名称，以“; ”分隔，如 443/tcp https; 8443/tcp api", 30),
    Column("dns", "域名", CellKind.NAMES, "系统的域名，以“; ”分隔", 28),
    Column("last_used", "最后使用日期", CellKind.DATE, "最近一次使用的日期", 12),
    Column(
        "maintained",
        "是否运维",
        CellKind.YESNO,
        "是否仍有运维（yes 是 / no 否）",
        10,
        (YES, NO),
        "yes or no",
        {YES: "是", NO: "否"},
    ),
    Column("replaced_by", "替代系统编号", CellKind.TEXT, "覆盖其功能的系统编号（整合、关停时填写）", 16),
    Column("deadline", "完成期限", CellKind.DATE, "迁移、整合或关停的完成期限", 12),
    Column("notes", "备注", CellKind.TEXT, "其他说明", 40),
)
BY_KEY = {column.key: column for column in COLUMNS}
HEADER_KEY = re.compile(r"[(（]\s*([a-z_.]+)\s*[)）]\s*$")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
GUIDE_SHEET = "说明"


def sheet_titles(departments: Iterable[Department]) -> dict[str, str]:
    """Each department's sheet title: its name as Excel allows one (31 characters, none of []:*?/\\), its id when
    two names would give the same title. The import resolves a sheet by the same table."""
    titles: dict[str, str] = {}
    taken = {GUIDE_SHEET}
    for dept in departments:
        title = SHEET_FORBIDDEN.sub("", dept.name).strip("' ")[:31] or dept.id
        if title in taken:
            title = dept.id
        taken.add(title)
        titles[dept.id] = title
    return titles


def cell_value(system: System, column: Column) -> str | int | date | None:
    """What the census return shows for ``system`` in ``column``."""
    if column.key == "runs_at.kind":
        return str(system.runs_at.kind)
    if column.key == "runs_at.ref":
        return system.runs_at.ref
    value = getattr(system, column.key)
    if column.kind is CellKind.YESNO:
        return YES if value else NO
    if column.kind in (CellKind.ADDRESSES, CellKind.NAMES):
        return "; ".join(str(item) for item in value) or None
    if column.kind is CellKind.SERVICES:
        return "; ".join(f"{s.port}/{s.protocol}" + (f" {s.name}" if s.name else "") for s in value) or None
    if isinstance(value, StrEnum):
        return str(value)
    if value is None or isinstance(value, str | int | date):
        return value
    return str(value)


class CellError(ValueError):
    """A cell's value refused: ``str()`` is what is wrong and what is allowed."""


def parse_cell(column: Column, raw: Any) -> Any:
    """The YAML value of a cell (None when blank), canonical so that equal meanings compare equal; CellError when
    the cell cannot be that field."""
    if isinstance(raw, str):
        raw = raw.strip()
    if raw is None or raw == "":
        return None
    return _PARSERS[column.kind](column, raw)


def _shown(raw: Any) -> str:
    text = repr(raw) if isinstance(raw, str) else str(raw)
    return text if len(text) <= 60 else text[:59] + "…"


def _text(column: Column, raw: Any) -> str:
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat(sep=" ")
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def _enum_value(column: Column, raw: Any) -> str:
    value = _text(column, raw)
    if value not in column.allowed:
        raise CellError(f"{_shown(raw)} is not a census {column.noun}; allowed: {', '.join(column.allowed)}")
    return value


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(column: Column, raw: Any) -> date:
    allowed = "allowed: a date cell or YYYY-MM-DD"
    if isinstance(raw, datetime):
        if raw.time() != datetime.min.time():
            raise CellError(f"{raw.isoformat(sep=' ')} has a time of day; {allowed}")
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, str) and ISO_DATE.match(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    if isinstance(raw, int | float):
        raise CellError(f"{_shown(raw)} is a number, not a date; {allowed}")
    raise CellError(f"{_shown(raw)} is not a date; {allowed}")


def _level(column: Column, raw: Any) -> int:
    text = _text(column, raw)
    if text not in column.allowed or isinstance(raw, bool):
        raise CellError(f"{_shown(raw)} is not a protection level; allowed: {', '.join(column.allowed)}")
    return int(text)


def _yesno(column: Column, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(column, raw).lower()
    if text in (YES, "是"):
        return True
    if text in (NO, "否"):
        return False
    raise CellError(f"{_shown(raw)} is not yes or no; allowed: {YES}, {NO}")


def _items(raw: Any) -> list[str]:
    return [item for item in re.split(r"[;；,，\s]+", str(raw)) if item]


def _addresses(column: Column, raw: Any) -> list[str]:
    found = []
    for item in _items(raw):
        try:
            found.append(str(ipaddress.ip_address(item)))
        except ValueError:
            raise CellError(
                f"{_shown(item)} is not an IPv4 or IPv6 address; allowed: addresses separated by '; ' "
                "(e.g. 198.51.100.7; 2001:db8::7)"
            ) from None
    return found


SERVICE = re.compile(r"^(\d{1,5})\s*/\s*(tcp|udp)(?:\s+(\S+))?$", re.IGNORECASE)


def _services(column: Column, raw: Any) -> list[dict[str, Any]]:
    found = []
    for item in (part.strip() for part in re.split(r"[;；]", str(raw))):
        match = SERVICE.match(item)
        if match is None:
            if not item:
                continue
            raise CellError(
                f"{_shown(item)} is not a service; allowed: PORT/tcp or PORT/udp and a name, separated by '; ' "
                "(e.g. 443/tcp https; 8443/tcp api)"
            )
        port, protocol, name = match.groups()
        found.append({"port": int(port), "protocol": protocol.lower(), **({"name": name} if name else {})})
    return found


def _names(column: Column, raw: Any) -> list[str]:
    return _items(raw)


_PARSERS = {
    CellKind.TEXT: _text,
    CellKind.ENUM: _enum_value,
    CellKind.DATE: _date,
    CellKind.LEVEL: _level,
    CellKind.YESNO: _yesno,
    CellKind.ADDRESSES: _addresses,
    CellKind.SERVICES: _services,
    CellKind.NAMES: _names,
}


def shown_value(value: Any) -> str:
    """A parsed value as the change summary prints it (``—`` for none)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list):
        parts = [
            f"{v['port']}/{v['protocol']}" + (f" {v['name']}" if v.get("name") else "") if isinstance(v, dict) else v
            for v in value
        ]
        return "; ".join(parts) or "—"
    return str(value)
