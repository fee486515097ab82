"""The monthly report as JSON, Markdown, one self-contained HTML file or a PDF printed from that HTML (WeasyPrint);
the office formats (xlsx, docx) are in ``report.office``. Every output is a function of the report alone: the
same report gives the same bytes (the documents' own dates are the month's cut-off, never the clock).

JSON (for scripts)::

    {"report": "progress", "region", "lang", "month": "2026-10", "period": {"start", "end"}, "as_of": "2026-10-31",
     "partial": false, "run": {"id", "status", "started_at", "finished_at"} | null,
     "levels": [{"level": "county" | … | "all", "departments", "probed", "connected", "dual_stack", "rate"}],
     "kinds": [{"kind": "network" | "system" | "exit" | "connection" | "all", "items", "done", "due", "due_done",
                "overdue", "states": {"planned": 3, …}}],
     "overdue": [{"item", "kind", "owner", "disposition", "deadline", "days"}],
     "violations": [{"item", "violation", "owner", "deadline", "days", "detail"}],
     "departments": [{"rank", "id", "name", "level", "connection", "items", "done", "share", "states",
                      "overdue": [...], "violations": [...], "trend": [{"month", "done", "connection"}]}],
     "months": ["2026-08", "2026-09", "2026-10"], "notes": [...]}

Times are ISO 8601 in UTC+8 (the offices' time), rates 0..1 or null, departments by rank.
"""

import hashlib
import json
from dataclasses import asdict
from datetime import date
from functools import partial
from typing import Any

from .charts import bar_chart
from .formats import ProgressFormat as ProgressFormat  # where the CLI finds it without this module
from .formats import _environment, percent
from .labels import Lang, label
from .progress import OFFICE_TIME, DepartmentProgress, ProgressReport
from .progress_tables import Cell, month_title, summary_sentences, tables


def render_progress(report: ProgressReport, fmt: ProgressFormat, lang: Lang) -> bytes:
    """The report's file in ``fmt``, as bytes (UTF-8 for the text formats)."""
    if fmt is ProgressFormat.JSON:
        return (json.dumps(as_json(report, lang), ensure_ascii=False, indent=2) + "\n").encode()
    if fmt is ProgressFormat.PDF:
        return as_pdf(report, lang)
    if fmt in (ProgressFormat.XLSX, ProgressFormat.DOCX):
        from .office import as_docx, as_xlsx

        return as_xlsx(report, lang) if fmt is ProgressFormat.XLSX else as_docx(report, lang)
    template = _environment().get_template(f"progress.{fmt}")
    return template.render(_context(report, lang)).encode()


def as_json(report: ProgressReport, lang: Lang) -> dict[str, Any]:
    run = report.run
    return {
        "report": "progress",
        "region": report.region,
        "lang": str(lang),
        "month": str(report.month),
        "period": {"start": report.month.start.isoformat(), "end": report.cutoff.at.isoformat()},
        "as_of": report.cutoff.day.isoformat(),
        "partial": report.cutoff.partial,
        "run": None if run is None else {
            "id": run.id, "status": run.status, "started_at": run.started_at.astimezone(OFFICE_TIME).isoformat(),
            "finished_at": run.finished_at.astimezone(OFFICE_TIME).isoformat() if run.finished_at else None},
        "levels": [{**asdict(s), "rate": s.rate} for s in report.levels],
        "kinds": [{"kind": k.kind, "items": k.total, "done": k.done, "due": k.due, "due_done": k.due_done,
                   "overdue": k.overdue, "states": k.states} for k in report.kinds],
        "overdue": [_plain(asdict(o)) for o in report.overdue],
        "violations": [_violation(asdict(v)) for v in report.violations],
        "departments": [_department(d) for d in report.departments],
        "months": report.months,
        "compliance": [{"month": month, "judgement": None if found is None else found.as_json()}
                       for month, found in zip(report.months, report.compliance, strict=True)],
        "checkpoint": None if report.checkpoint is None else {**asdict(report.checkpoint),
                                                              "at": report.checkpoint.at.isoformat()},
        "notes": [row[0] for row in tables(report, lang)[-1].rows],
    }  # fmt: skip


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, date) else value for key, value in data.items()}


def _violation(data: dict[str, Any]) -> dict[str, Any]:
    data["violation"] = data.pop("kind")
    return _plain(data)


def _department(d: DepartmentProgress) -> dict[str, Any]:
    return {
        "rank": d.rank, "id": d.id, "name": d.name, "level": d.level, "connection": d.connection, "items": d.total,
        "done": d.done, "share": d.share, "states": d.states, "overdue": [_plain(asdict(o)) for o in d.overdue],
        "violations": [_violation(asdict(v)) for v in d.violations], "trend": [asdict(p) for p in d.trend],
    }  # fmt: skip


def cell_text(value: Cell, kind: str, lang: str) -> str:
    """A cell as a person reads it in Markdown or HTML.

    >>> cell_text(0.5, "rate", "zh"), cell_text(None, "int", "zh"), cell_text(0, "int", "en")
    ('50.0%', '—', '0')
    """
    if value is None:
        return "—"
    if isinstance(value, float) and kind in ("rate", "mixed"):
        return percent(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _context(report: ProgressReport, lang: Lang) -> dict[str, Any]:
    t = partial(label, lang)
    return {
        "report": report,
        "lang": str(lang),
        "t": t,
        "title": month_title(report, lang),
        "sentences": summary_sentences(report, lang),
        "tables": tables(report, lang),
        "cell": partial(cell_text, lang=str(lang)),
        "created": report.cutoff.at.isoformat(),
        "print": False,
        "readiness_chart": bar_chart(
            [
                (t(f"level.{s.level}"), s.rate or 0.0, f"{percent(s.rate)} ({s.dual_stack}/{s.departments})", "rate")
                for s in report.levels
            ],
            1.0,
        ),
    }


def as_pdf(report: ProgressReport, lang: Lang) -> bytes:
    """The HTML printed by WeasyPrint. Its dates are the cut-off (dcterms.created/modified in the HTML) and its
    file identifier is derived from the HTML, so the same report prints the same PDF."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints

    html = _environment().get_template("progress.html").render(_context(report, lang) | {"print": True})
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    pdf: bytes = HTML(string=html).write_pdf(pdf_identifier=identifier)
    return pdf
