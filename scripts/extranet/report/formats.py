"""The connections report as JSON, CSV, Markdown or one self-contained HTML file, in Chinese or English.

JSON (for scripts): one object with the run's metadata and ``departments``, a list of one object per department::

    {"report": "connections", "region", "lang", "generated_at", "since",
     "run": {"id", "status", "operator", "started_at", "finished_at", "summary", "vantage"},
     "previous_run": {…} | null, "vantages": [{…run} for each vantage's latest run merged into the departments],
     "counts": {"dual-stack": 20, …, "not-probed": 2},
     "readiness": [{"level": "county" | … | "all", "dual_stack", "probed", "inventory", "rate_probed",
                    "rate_inventory"}],
     "departments": [{"id", "name", "site", "site_name", "level", "group", "group_name", "status", "status_label",
                      "ipv4", "ipv6", "reasons": [...], "probed_at", "metrics": {"ipv4_loss", "ipv4_rtt_ms", …},
                      "vantages": [{"vantage", "run", "status"}]}],
     "changes": [{"department", "name", "change": "changed" | "new" | "removed", "before", "after"}],
     "outages": [{"department", "name", "start", "end", "ongoing", "duration_seconds"}],
     "trend": [{"run", "at", "dual_stack", "probed", "rate"}],
     "compliance": [{"run", "at", "trigger", "after_run", "wave", "devices", "compliant", "not_judged",
                     "features": {"interfaces": {"compliant", "judged", "rate"}, …}}]}

``status`` is one of dual-stack, ipv4-only, ipv6-only, degraded, down, unknown, not-probed (then ipv4, ipv6,
probed_at are null); ``group`` is the township the department is listed under (the county for county-level ones,
null when it is not in the inventory). With several vantages (probing hosts) a department's status is the best
they saw per family and ``vantages`` says what each saw; a path problem (down or degraded from one vantage,
better from another) is one of its reasons. Times are ISO 8601 in UTC, loss a fraction (0..1), rates 0..1 or null.
CSV has one row per department with the COLUMNS below (reasons joined by "; ").
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, fields
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache, partial
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ..compliance import ALL_FEATURES
from ..spreadsheet import text_cell
from .charts import bar_chart, line_chart
from .connections import NOT_PROBED, ConnectionsReport, DepartmentRow, RunInfo
from .labels import Lang, judged_when, label, reason
from .latest import Metrics


class Format(StrEnum):
    HTML = "html"
    MD = "md"
    CSV = "csv"
    JSON = "json"


class ProgressFormat(StrEnum):
    """The monthly progress report's formats (progress_formats.py), here so that the CLI needs not import it."""

    XLSX = "xlsx"
    DOCX = "docx"
    PDF = "pdf"
    HTML = "html"
    MD = "md"
    JSON = "json"

    @property
    def binary(self) -> bool:
        return self in (ProgressFormat.XLSX, ProgressFormat.DOCX, ProgressFormat.PDF)


# A department in the JSON: the keys before ``reasons``, then ``reasons``, ``probed_at``, ``metrics`` (METRICS) and
# ``vantages`` (a list of SIGHT).
LEADING = ("id", "name", "site", "site_name", "level", "group", "group_name", "status", "status_label", "ipv4", "ipv6")
METRICS = tuple(f.name for f in fields(Metrics))
SIGHT = ("vantage", "run", "status")
SPLIT = "\0"  # never raw in JSON text: control characters in a string are escaped
CHUNK = 2000  # departments encoded at once: the values of all of them at once would be millions of objects
PART = 1 << 20  # characters of a template's output gathered before they are written
_ENCODE = partial(json.JSONEncoder(ensure_ascii=False, separators=(SPLIT, ": ")).iterencode, _one_shot=True)


def _object_text(items: list[tuple[str, str]], indent: str) -> str:
    """The object of ``items`` (key, value's text) as ``json.dumps(indent=2)`` writes it at ``indent``."""
    inner = indent + "  "
    return "{" + ",".join(f"\n{inner}{json.dumps(key)}: {value}" for key, value in items) + "\n" + indent + "}"


COLUMNS = (
    "id", "name", "site", "site_name", "level", "group", "group_name", "status", "status_label", "ipv4", "ipv6",
    "ipv4_loss", "ipv4_rtt_ms", "ipv6_loss", "ipv6_rtt_ms", "services_up", "services_total", "uplink_oper",
    "uplink_in_bps", "uplink_out_bps", "reasons", "probed_at", "run",
)  # fmt: skip
BOM = "\ufeff"


def render(report: ConnectionsReport, fmt: Format, lang: Lang) -> str:
    return "".join(render_parts(report, fmt, lang))


def render_parts(report: ConnectionsReport, fmt: Format, lang: Lang) -> Iterator[str]:
    """``render``'s text in parts, to be written as they come: a province's report is some 10^8 characters."""
    if fmt is Format.JSON:
        yield from json_parts(report, lang)
    elif fmt is Format.CSV:
        yield as_csv(report, lang)
    else:
        parts: list[str] = []
        size = 0
        for part in _environment().get_template(f"connections.{fmt}").generate(_context(report, lang, fmt)):
            parts.append(part)
            size += len(part)
            if size >= PART:
                yield "".join(parts)
                parts, size = [], 0
        yield "".join(parts)


def as_json(report: ConnectionsReport, lang: Lang) -> dict[str, Any]:
    return _document(report, lang, [_department(row, lang) | {"vantages": _sights(report, row)} for row in report.rows])


def json_parts(report: ConnectionsReport, lang: Lang) -> Iterator[str]:
    """``as_json`` as ``json.dumps(…, ensure_ascii=False, indent=2)`` writes it, the departments by a template: the
    standard library encodes in C only without ``indent``, and a province has 10^5 departments."""
    text = json.dumps(_document(report, lang, []), ensure_ascii=False, indent=2) + "\n"
    if not report.rows:
        yield text
        return
    # a line break is never raw inside a JSON string: this is the top-level key
    head, tail = text.split('\n  "departments": []', 1)
    yield head + '\n  "departments": ['
    rows = report.rows
    for start in range(0, len(rows), CHUNK):
        yield ("," if start else "") + _departments_text(report, rows[start : start + CHUNK], lang)
    yield "\n  ]" + tail


def _document(report: ConnectionsReport, lang: Lang, departments: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "report": "connections",
        "region": report.region,
        "lang": str(lang),
        "generated_at": report.generated_at.isoformat(),
        "since": report.since.isoformat(),
        "run": _run(report.run),
        "previous_run": _run(report.previous) if report.previous else None,
        "counts": report.counts(),
        "readiness": [
            {**asdict(r), "rate_probed": r.rate_probed, "rate_inventory": r.rate_inventory} for r in report.readiness
        ],
        "vantages": [_run(run) for run in report.vantages],
        "departments": departments,
        "changes": [
            {"department": c.department, "name": c.name, "change": c.kind, "before": c.before, "after": c.after}
            for c in report.changes
        ],
        "outages": [
            {
                "department": o.department,
                "name": o.name,
                "start": o.start.isoformat(),
                "end": o.end.isoformat() if o.end else None,
                "ongoing": o.ongoing,
                "duration_seconds": int(o.duration.total_seconds()),
            }
            for o in report.outages
        ],
        "trend": [
            {"run": p.run, "at": p.at.isoformat(), "dual_stack": p.dual_stack, "probed": p.probed, "rate": p.rate}
            for p in report.trend
        ],
        "compliance": [p.as_json() for p in report.compliance],
    }


def as_csv(report: ConnectionsReport, lang: Lang) -> str:
    """One row per department; text cells that a spreadsheet would take for a formula get a leading quote."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in report.rows:
        flat = _department(row, lang)
        flat |= flat.pop("metrics")
        flat |= {"reasons": "; ".join(row.reasons), "run": report.run.id}
        writer.writerow(text_cell(flat[column]) for column in COLUMNS)
    return out.getvalue()


def _run(run: RunInfo) -> dict[str, Any]:
    return {
        "id": run.id,
        "status": run.status,
        "operator": run.operator,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "summary": run.summary,
        "vantage": run.vantage,
    }


def _sights(report: ConnectionsReport, row: DepartmentRow) -> list[dict[str, Any]]:
    """What each vantage saw of the department (with one vantage: the report's run, when it probed it)."""
    return [dict(zip(SIGHT, sight, strict=True)) for sight in _sight_values(report, row)]


def _sight_values(report: ConnectionsReport, row: DepartmentRow) -> list[tuple[str, int, str]]:
    if row.vantages:
        return [(s.vantage, s.run, s.status) for s in row.vantages]
    if row.status == NOT_PROBED:
        return []
    return [(report.run.vantage, report.run.id, row.status)]


def _department(row: DepartmentRow, lang: Lang) -> dict[str, Any]:
    found: dict[str, Any] = dict(zip(LEADING, _leading(row, lang), strict=True))
    found["reasons"] = list(row.reasons)
    found["probed_at"] = row.probed_at.isoformat() if row.probed_at else None
    found["metrics"] = dict(vars(row.metrics))  # its fields in order, as ``asdict`` (all plain values)
    return found


def _leading(row: DepartmentRow, lang: Lang) -> tuple[str | None, ...]:
    """The values of the LEADING keys of the department's JSON object."""
    place = row.place
    return (row.id, row.name, place.site, place.site_name, place.level, place.group, place.group_name, row.status,
            label(lang, f"status.{row.status}"), row.ipv4, row.ipv6)  # fmt: skip


def _departments_text(report: ConnectionsReport, rows: list[DepartmentRow], lang: Lang) -> str:
    """``_department`` with its ``vantages`` for each of ``rows``, as ``json.dumps(indent=2)`` writes them in the
    list: all their values by one call of the C encoder, split apart where it put SPLIT between them, and set into
    the template of each one's shape (how many vantages, how many reasons)."""
    values: list[Any] = []
    shapes = []
    for row in rows:
        sights = _sight_values(report, row)
        values += _leading(row, lang)
        values += row.reasons
        values.append(row.probed_at.isoformat() if row.probed_at else None)
        values += vars(row.metrics).values()
        for sight in sights:
            values += sight
        shapes.append((len(sights), len(row.reasons)))
    parts = "".join(_ENCODE(values))[1:-1].split(SPLIT)
    texts, at = [], 0
    for sights_count, reasons_count in shapes:
        size = len(LEADING) + reasons_count + 1 + len(METRICS) + sights_count * len(SIGHT)
        texts.append(_department_template(sights_count, reasons_count) % tuple(parts[at : at + size]))
        at += size
    return ",".join(texts)


@cache
def _department_template(sights: int, reasons: int) -> str:
    """A department in the JSON list as ``json.dumps(indent=2)`` writes it, a %s for each value, in the order of
    the text: LEADING, the reasons, ``probed_at``, METRICS, each vantage's SIGHT."""
    sight = _object_text([(key, "%s") for key in SIGHT], "        ")
    items = [
        *((key, "%s") for key in LEADING),
        ("reasons", "[" + ",".join(["\n        %s"] * reasons) + "\n      ]" if reasons else "[]"),
        ("probed_at", "%s"),
        ("metrics", _object_text([(key, "%s") for key in METRICS], "      ")),
        ("vantages", "[" + ",".join(["\n        " + sight] * sights) + "\n      ]" if sights else "[]"),
    ]
    return "\n    " + _object_text(items, "    ")


def _context(report: ConnectionsReport, lang: Lang, fmt: Format) -> dict[str, Any]:
    t = partial(label, lang)
    counts = report.counts()
    rated = [p for p in report.trend if p.rate is not None]
    return {
        "report": report,
        "lang": str(lang),
        "t": t,
        "department_rows": partial(DepartmentCells(lang).rows, html=fmt is Format.HTML),
        "counts": counts,
        "zone": datetime.now().astimezone().strftime("UTC%z"),
        "features": [f for f in ALL_FEATURES if any(f in p.features for p in report.compliance)],
        "trigger": lambda p: judged_when(lang, p.after_run, p.wave),
        "status_chart": bar_chart(
            [(t(f"status.{s}"), n, str(n), s) for s, n in counts.items()], max(counts.values(), default=0)
        ),
        "readiness_chart": bar_chart(
            [
                (
                    t(f"level.{r.level}"),
                    r.rate_probed or 0.0,
                    f"{percent(r.rate_probed)} ({r.dual_stack}/{r.probed})",
                    "rate",
                )
                for r in report.readiness
            ],
            1.0,
        ),
        "trend_chart": line_chart(
            [
                (
                    p.at,
                    p.rate or 0.0,
                    f"#{p.run} {when(p.at)}: {p.dual_stack}/{p.probed} ({percent(p.rate)})",
                    p.at.astimezone().strftime("%m-%d"),
                )
                for p in rated
            ]
        ),
    }


class DepartmentCells:
    """The rows of the departments' tables in Markdown and HTML, written here, not by the templates: a province's
    10^5 rows through Jinja took seconds per format. The cells that follow from a status, a family's state or the
    reasons (few distinct values) are written once per report."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.cells: dict[tuple[str, object], str] = {}

    def rows(self, rows: list[DepartmentRow], html: bool) -> str:
        """The table rows of ``rows``, a line each (Markdown) or a ``<tr>`` of lines each (HTML), no last newline."""
        if html:
            return Markup("\n".join([self.html(row) for row in rows]))
        return "\n".join([self.md(row) for row in rows])

    def md(self, row: DepartmentRow) -> str:
        m = row.metrics
        uplink = md(f"{m.uplink_oper} ↓{bps(m.uplink_in_bps)} ↑{bps(m.uplink_out_bps)}") if m.uplink_oper else "—"
        return (
            f"| {md(row.name)} ({md(row.id)}) | {md(row.place.site_name)} | {self.cell('md', row.status)} | "
            f"{self.cell('md.family', row.ipv4)} | {self.cell('md.family', row.ipv6)} | "
            f"{reach(m.ipv4_loss, m.ipv4_rtt_ms)} | {reach(m.ipv6_loss, m.ipv6_rtt_ms)} | {services(m)} | {uplink} | "
            f"{self.cell('md.reasons', row.reasons)} |"
        )

    def html(self, row: DepartmentRow) -> str:
        m = row.metrics
        uplink = f"{escape(m.uplink_oper)} ↓{bps(m.uplink_in_bps)} ↑{bps(m.uplink_out_bps)}" if m.uplink_oper else "—"
        return (
            f'    <tr class="department" data-id="{escape(row.id)}" '
            f'data-status="{self.cell("html.value", row.status)}">\n'
            f"      <td>{escape(row.name)} <small>{escape(row.id)}</small></td>\n"
            f"      <td>{escape(row.place.site_name)}</td>\n"
            f"{self.cell('html', row.status)}{self.cell('html.family', row.ipv4)}{self.cell('html.family', row.ipv6)}"
            f'      <td class="num">{reach(m.ipv4_loss, m.ipv4_rtt_ms)}</td>\n'
            f'      <td class="num">{reach(m.ipv6_loss, m.ipv6_rtt_ms)}</td>\n'
            f'      <td class="num">{services(m)}</td>\n'
            f"      <td>{uplink}</td>\n"
            f"      <td>{self.cell('html.reasons', row.reasons)}</td>\n"
            "    </tr>"
        )

    def cell(self, kind: str, value: Any) -> str:
        found = self.cells.get((kind, value))
        if found is None:
            found = self.cells[(kind, value)] = self._cell(kind, value)
        return found

    def _cell(self, kind: str, value: Any) -> str:
        """``value``'s cell: a status (``md``; ``html``: its badge's whole cell; ``html.value``: escaped), a family's
        state (``md.family``, ``html.family``: its whole cell) or the reasons (``md.reasons``, ``html.reasons``)."""
        if kind == "md":
            return md(label(self.lang, f"status.{value}"))
        if kind == "html.value":
            return str(escape(value))
        if kind == "html":
            badge = f'<span class="badge s-{escape(value)}">{escape(label(self.lang, f"status.{value}"))}</span>'
            return f"      <td>{badge}</td>\n"
        if kind.endswith(".family"):
            word = label(self.lang, f"family.{value}") if value else "—"
            if kind == "md.family":
                return md(word)
            return f'      <td class="f-{escape(value or "absent")}">{escape(word)}</td>\n'
        said = [reason(self.lang, r) for r in value]
        if kind == "md.reasons":
            return md("; ".join(said))
        return f'<ul class="reasons">{"".join(f"<li>{escape(r)}</li>" for r in said)}</ul>' if said else ""


def services(m: Metrics) -> str:
    """The department's services up of those checked, or a dash when none was.

    >>> services(Metrics(services_up=1, services_total=2)), services(Metrics())
    ('1/2', '—')
    """
    return f"{m.services_up}/{m.services_total}" if m.services_total else "—"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("extranet.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(percent=percent, when=when, duration=duration, bps=bps, md=md)
    return env


def percent(rate: float | None) -> str:
    """A rate as a percentage, one decimal; a dash when there is none.

    >>> percent(20 / 23), percent(None)
    ('87.0%', '—')
    """
    return "—" if rate is None else f"{rate * 100:.1f}%"


def when(moment: datetime | None) -> str:
    """Local time, to the minute (the report says the zone once)."""
    return "—" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


def duration(span: timedelta, lang: str) -> str:
    """Days, hours and minutes, in the report's language.

    >>> duration(timedelta(days=1, hours=2, minutes=30), "zh"), duration(timedelta(hours=5), "en")
    ('1天2小时30分钟', '5 h 0 min')
    """
    minutes = int(span.total_seconds()) // 60
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [(n, unit) for i, (n, unit) in enumerate(parts) if n or any(m for m, _ in parts[:i]) or unit == "minute"]
    sep = "" if lang == "zh" else " "
    return sep.join(f"{n}{sep}{label(lang, f'unit.{unit}')}" for n, unit in shown)


def bps(rate: float | None) -> str:
    """A bit rate with its unit.

    >>> bps(12_345_678), bps(None)
    ('12.3 Mbit/s', '—')
    """
    if rate is None:
        return "—"
    for unit, size in (("Gbit/s", 1e9), ("Mbit/s", 1e6), ("kbit/s", 1e3)):
        if rate >= size:
            return f"{rate / size:.1f} {unit}"
    return f"{rate:.0f} bit/s"


def reach(loss: float | None, rtt: float | None) -> str:
    """Loss and average RTT to the core, or a dash when the run measured neither.

    >>> reach(0.4, 12.25), reach(1.0, None), reach(None, None)
    ('40.0% / 12.2 ms', '100.0% / —', '—')
    """
    if loss is None and rtt is None:
        return "—"
    return f"{percent(loss)} / {'—' if rtt is None else f'{rtt:.1f} ms'}"


def md(value: object) -> str:
    """A Markdown table cell: no line breaks, no HTML, no markup, no column separators.

    >>> md("a|b <script>*x*</script>\\n[l](u)")
    'a\\\\|b &lt;script&gt;\\\\*x\\\\*&lt;/script&gt; \\\\[l\\\\](u)'
    """
    return " ".join(str(value).split()).translate(MD_ESCAPES)


# what ``md`` replaces, in one pass (no replacement holds a character that another replaces)
MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", **{c: "\\" + c for c in "\\`*_[]|#"}})
