"""The monthly report as tables, one per section: what every format (xlsx sheets, docx/HTML/Markdown tables)
shows, in the reader's language. Cells keep their type (numbers stay numbers, dates dates) until a format
writes them."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from ..compliance import ALL_FEATURES
from ..track.state import STATES
from .labels import Lang, judged_when, label
from .progress import OFFICE_TIME, ProgressReport

Cell = str | int | float | date | None
SECTIONS = ("summary", "levels", "kinds", "kind_states", "departments", "department_states", "overdue",
            "violations", "trend", "compliance", "checkpoint", "notes")  # fmt: skip


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"  # text, int, rate (0..1), date


@dataclass(frozen=True)
class Table:
    key: str  # one of SECTIONS
    name: str  # the sheet's name
    title: str  # the heading
    columns: list[Column]
    rows: list[list[Cell]]


def office_time(moment: datetime) -> str:
    """A moment as the offices read it: UTC+8, to the minute.

    >>> from datetime import UTC
    >>> office_time(datetime(2026, 10, 31, 16, 0, tzinfo=UTC))
    '2026-11-01 00:00'
    """
    return moment.astimezone(OFFICE_TIME).strftime("%Y-%m-%d %H:%M")


def month_title(report: ProgressReport, lang: Lang) -> str:
    """``云岭县政务外网迁移工作督查月报（2026年10月）``."""
    month = label(lang, "progress.month").format(year=report.month.year, month=report.month.month)
    partial_note = label(lang, "progress.partial").format(day=report.cutoff.day) if report.cutoff.partial else ""
    if lang is Lang.ZH:
        return f"{report.region}{label(lang, 'progress.title')}（{month}）{partial_note}"
    return f"{report.region} — {label(lang, 'progress.title')}, {month}{partial_note}"


def summary_sentences(report: ProgressReport, lang: Lang) -> list[str]:
    total, kinds = report.levels[-1], report.kinds[-1]
    rate = "—" if total.rate is None else f"{total.rate * 100:.1f}%"
    day = f"{report.cutoff.day.year}年{report.cutoff.day.month}月{report.cutoff.day.day}日" if lang is Lang.ZH \
        else report.cutoff.day.isoformat()  # fmt: skip
    return [
        label(lang, "progress.summary_connection").format(
            day=day, region=report.region, departments=total.departments, connected=total.connected,
            dual_stack=total.dual_stack, rate=rate),
        label(lang, "progress.summary_items").format(
            items=kinds.total, done=kinds.done, due=kinds.due, due_done=kinds.due_done, overdue=kinds.overdue,
            violations=len(report.violations)),
    ]  # fmt: skip


def tables(report: ProgressReport, lang: Lang) -> list[Table]:
    """Every section, in SECTIONS order."""
    t = partial(label, lang)
    makers = {
        "summary": _summary, "levels": _levels, "kinds": _kinds, "kind_states": _kind_states,
        "departments": _departments, "department_states": _department_states, "overdue": _overdue,
        "violations": _violations, "trend": _trend, "compliance": _compliance, "checkpoint": _checkpoint,
        "notes": _notes,
    }  # fmt: skip
    made = []
    for key in SECTIONS:
        columns, rows = makers[key](report, lang)
        made.append(Table(key, t(f"section.{key}"), t(f"title.{key}"), columns, rows))
    return made


def _cols(lang: Lang, *spec: str) -> list[Column]:
    """Columns from ``name`` or ``name:kind``."""
    return [Column(label(lang, f"col.{name}"), kind or "text") for name, _, kind in (s.partition(":") for s in spec)]


def _summary(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    t = partial(label, lang)
    total, kinds = report.levels[-1], report.kinds[-1]
    run = t("run.none") if report.run is None else t("run.line").format(
        id=report.run.id, finished=office_time(report.run.finished_at or report.run.started_at))  # fmt: skip
    end = report.cutoff.at - timedelta(minutes=1)
    rows: list[list[Cell]] = [
        [t("metric.region"), report.region],
        [t("metric.month"), str(report.month)],
        [t("metric.period"), f"{office_time(report.month.start)} – {office_time(end)}"],
        [t("metric.run"), run],
        [t("metric.departments"), total.departments],
        [t("metric.connected"), total.connected],
        [t("metric.dual_stack"), total.dual_stack],
        [t("metric.rate"), total.rate],
        [t("metric.items"), kinds.total],
        [t("metric.done"), kinds.done],
        [t("metric.due"), kinds.due],
        [t("metric.due_done"), kinds.due_done],
        [t("metric.overdue"), kinds.overdue],
        [t("metric.violations"), len(report.violations)],
    ]
    return [Column(t("col.metric")), Column(t("col.value"), "mixed")], rows


def _levels(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    rows: list[list[Cell]] = [
        [label(lang, f"level.{s.level}"), s.departments, s.probed, s.connected, s.dual_stack, s.rate]
        for s in report.levels
    ]
    return _cols(lang, "level", "departments:int", "probed:int", "connected:int", "dual_stack:int", "rate:rate"), rows


def _kinds(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    rows: list[list[Cell]] = [
        [label(lang, f"kind.{k.kind}"), k.total, k.done, k.done / k.total if k.total else None, k.due, k.due_done,
         k.overdue]
        for k in report.kinds
    ]  # fmt: skip
    return _cols(lang, "kind", "items:int", "done:int", "share:rate", "due:int", "due_done:int", "overdue:int"), rows


def _state_columns(lang: Lang) -> list[Column]:
    return [Column(label(lang, f"state.{s}"), "int") for s in STATES]


def _kind_states(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    rows: list[list[Cell]] = [
        [label(lang, f"kind.{k.kind}"), *(k.states[s] for s in STATES), k.total] for k in report.kinds
    ]
    return [Column(label(lang, "col.kind")), *_state_columns(lang), Column(label(lang, "col.items"), "int")], rows


def _departments(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    rows: list[list[Cell]] = [
        [d.rank, d.id, d.name, label(lang, f"level.{d.level}") if d.level else "",
         label(lang, f"status.{d.connection}"), d.total, d.done, d.share, len(d.overdue), len(d.violations)]
        for d in report.departments
    ]  # fmt: skip
    columns = _cols(lang, "rank:int", "dept_id", "department", "level", "connection", "items:int", "done:int",
                    "share:rate", "overdue:int", "violations:int")  # fmt: skip
    return columns, rows


def _department_states(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    rows: list[list[Cell]] = [
        [d.id, d.name, *(d.states[s] for s in STATES), d.total] for d in sorted(report.departments, key=lambda d: d.id)
    ]
    return [*_cols(lang, "dept_id", "department"), *_state_columns(lang), Column(label(lang, "col.items"), "int")], rows


def _names(report: ProgressReport) -> dict[str, str]:
    return {d.id: d.name for d in report.departments}


def _overdue(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    names = _names(report)
    rows: list[list[Cell]] = [
        [names.get(o.owner, o.owner), o.item, label(lang, f"kind.{o.kind}"),
         label(lang, f"disposition.{o.disposition}"), o.deadline, o.days]
        for o in report.overdue
    ]  # fmt: skip
    return _cols(lang, "department", "item", "kind", "disposition", "deadline:date", "days:int"), rows


def _violations(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    names = _names(report)
    rows: list[list[Cell]] = [
        [names.get(v.owner, v.owner), v.item, label(lang, f"violation.{v.kind}"), v.deadline, v.days, v.detail]
        for v in report.violations
    ]
    return _cols(lang, "department", "item", "violation", "deadline:date", "days:int", "detail"), rows


def _trend(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    columns = _cols(lang, "dept_id", "department")
    for month in report.months:
        columns.append(Column(label(lang, "col.trend_done").format(month=month), "int"))
    for month in report.months:
        columns.append(Column(label(lang, "col.trend_connection").format(month=month)))
    rows: list[list[Cell]] = [
        [d.id, d.name, *(p.done for p in d.trend), *(label(lang, f"status.{p.connection}") for p in d.trend)]
        for d in sorted(report.departments, key=lambda d: d.id)
    ]
    return columns, rows


def _compliance(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    """Per month of the trend, the last judgement recorded before its end: devices, compliant, rate per feature."""
    t = partial(label, lang)
    features = [f for f in ALL_FEATURES if any(p is not None and f in p.features for p in report.compliance)]
    columns = [*_cols(lang, "month", "judgement", "devices:int", "compliant:int", "not_judged:int"),
               *(Column(t("col.feature").format(feature=f), "rate") for f in features)]  # fmt: skip
    rows: list[list[Cell]] = []
    for month, found in zip(report.months, report.compliance, strict=True):
        if found is None:
            rows.append([month, t("compliance.none"), None, None, None, *(None for _ in features)])
            continue
        trigger = judged_when(lang, found.after_run, found.wave)
        line = t("compliance.line").format(id=found.run, at=office_time(found.at), trigger=trigger)
        shares = [found.features[f].rate if f in found.features else None for f in features]
        rows.append([month, line, found.devices, found.compliant, found.not_judged, *shares])
    return columns, rows


def _checkpoint(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    """The last signed checkpoint of the audit log given out before the cut-off: what a second party holds."""
    t = partial(label, lang)
    given = report.checkpoint
    columns = [Column(t("col.metric")), Column(t("col.value"), "mixed")]
    if given is None:
        return columns, [[t("checkpoint.none"), None]]
    return columns, [
        [t("checkpoint.at"), office_time(given.at)], [t("checkpoint.operator"), given.operator],
        [t("checkpoint.size"), given.size], [t("checkpoint.root"), given.root], [t("checkpoint.key"), given.key],
        [t("checkpoint.written_to"), given.written_to], [t("checkpoint.note"), given.note],
    ]  # fmt: skip


def _notes(report: ProgressReport, lang: Lang) -> tuple[list[Column], list[list[Cell]]]:
    t = partial(label, lang)
    end = report.month.end - timedelta(minutes=1)
    period = t("note.period").format(start=office_time(report.month.start), end=office_time(end))
    keys = ("connection", "items", "violations", "rank", "rate", "source")
    rows: list[list[Cell]] = [[period]]
    rows += [[t(f"note.{k}")] for k in keys]
    return [Column(t("col.note"))], rows
