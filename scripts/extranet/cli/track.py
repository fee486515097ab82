"""``extranet track``: the moves the policy documents order — each private network, system, department-owned
Internet exit and department connection, with the disposition a rule gives it, its deadline, wave and what is
overdue; ``track plan`` adds the waves, the zombies' facts, right-sizing and each department's forecast."""

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..files import RefusedPath
from ..inputs import Kind, checked
from ..inventory import Inventory, load_inventory
from ..plan.lock import DEFAULT_LOCK, read_lock
from ..plan.systems import SystemAddresses, system_addresses
from ..store.schema import TrackEvent
from ..track import DISPOSITIONS, KINDS, RULES, Item, items
from ..track.forecast import Forecast, forecasts
from ..track.sizing import DEFAULT_CPU_P95, DEFAULT_DAYS, HostLoad, UtilisationError, read_utilisation, right_size
from ..track.state import STATES, Standing, standings
from ..track.waves import Wave, waves
from .inventory import InventoryOption
from .output import console, error, print_json

app = typer.Typer(
    help="Track the moves the documents order: private networks, systems, Internet exits, connections.",
    no_args_is_help=True,
)
OnOption = typer.Option(None, "--on", help="The day to judge deadlines on (default today), e.g. 2027-07-01.")
STATE_STYLE = {"planned": "yellow", "exempted": "cyan", "closed": "green", "verified": "green", "retired": "green"}
REASON = Kind("one line of 3 to 500 characters, no control characters", 500, 3, ascii_only=False)


def _day(on: str | None) -> date:
    if on is None:
        return date.today()
    try:
        return date.fromisoformat(on)
    except ValueError:
        error(f"--on {on!r}: give a date such as 2027-07-01")
        raise typer.Exit(2) from None


def _chosen(found: list[Item], dept: str | None, kind: str | None, owners: set[str]) -> list[Item]:
    if kind is not None and kind not in KINDS:
        error(f"--kind {kind!r}: one of {', '.join(KINDS)}")
        raise typer.Exit(2)
    if dept is not None and dept not in owners:
        error(f"--dept {dept!r}: no such department; e.g. {', '.join(sorted(owners)[:5])}")
        raise typer.Exit(2)
    return [i for i in found if (kind is None or i.kind == kind) and (dept is None or i.owner == dept)]


@app.command("status")
def status(
    inventory: Path | None = InventoryOption,
    dept: str | None = typer.Option(None, "--dept", help="Only this department's items."),
    kind: str | None = typer.Option(None, "--kind", help=f"Only items of this kind: {', '.join(KINDS)}."),
    overdue: bool = typer.Option(False, "--overdue", help="Only items past their deadline."),
    on: str | None = OnOption,
    as_json: bool = typer.Option(False, "--json", help='{"items": [{"item", "kind", "id", "owner", …}]}'),
) -> None:
    """Every item with its disposition, the rule behind it, its state, deadline and days overdue: exit 0."""
    today = _day(on)
    inv = load_inventory(inventory)
    chosen = [s.item for s in _standings(inv, today)]
    chosen = _chosen(chosen, dept, kind, set(inv.departments))
    if overdue:
        chosen = [i for i in chosen if i.overdue_days(today)]
    if as_json:
        print_json({"on": today.isoformat(), "items": [i.as_json(today) for i in chosen]})
        return
    table = Table("item", "owner", "disposition", "rule", "state", "wave", "deadline", "overdue", "why")
    for i in chosen:
        late = i.overdue_days(today)
        table.add_row(
            escape(i.item), escape(i.owner), i.disposition, i.rule,
            f"[{STATE_STYLE.get(i.state, 'white')}]{i.state}[/]", i.wave, _deadline(i),
            f"[red]{late} d[/]" if late else "-", escape("; ".join(i.reasons)),
        )  # fmt: skip
    console.print(table)
    counts = {d: sum(1 for i in chosen if i.disposition == d) for d in DISPOSITIONS}
    listing = ", ".join(f"{n} {d}" for d, n in counts.items() if n)
    console.print(f"{len(chosen)} items ({listing or 'none'}) on {today}", highlight=False, markup=False)


@app.command("check")
def check(
    inventory: Path | None = InventoryOption,
    on: str | None = OnOption,
    as_json: bool = typer.Option(False, "--json", help="The findings as JSON."),
) -> None:
    """Policy violations (a classified system or network outside the internal network) and overdue items: exit 1
    when there is any, 0 when none."""
    today = _day(on)
    found = items(load_inventory(inventory), today)
    violations = [i for i in found if i.violation]
    late = [i for i in found if i.overdue_days(today)]
    if as_json:
        print_json({
            "on": today.isoformat(),
            "violations": [{**i.as_json(today), "document": RULES[i.rule].document,
                            "clause": RULES[i.rule].clause} for i in violations],
            "overdue": [i.as_json(today) for i in late],
        })  # fmt: skip
    else:
        for i in violations:
            rule = RULES[i.rule]
            console.print(f"[red]violation:[/] {escape(i.item)} ({escape(i.owner)}): {escape(i.violation or '')} — "
                          f"{rule.title_zh} ({escape(rule.document)} {rule.clause})", highlight=False)  # fmt: skip
        for i in late:
            console.print(f"[yellow]overdue:[/] {escape(i.item)} ({escape(i.owner)}): {i.disposition} due {i.deadline},"
                          f" {i.overdue_days(today)} days late", highlight=False)  # fmt: skip
        if not violations and not late:
            console.print(f"no violations and nothing overdue on {today}", highlight=False, markup=False)
    if violations or late:
        raise typer.Exit(1)


@app.command("rules")
def rules(as_json: bool = typer.Option(False, "--json", help="The rules as JSON.")) -> None:
    """The policy rules items are decided by, each with the document and clause it comes from."""
    if as_json:
        print_json([vars(r) for r in RULES.values()])
        return
    table = Table("rule", "title", "severity", "document", "clause", "default deadline")
    for r in RULES.values():
        table.add_row(r.id, f"{r.title_zh}\n{r.title_en}", r.severity, escape(r.document or "-"), r.clause or "-",
                      f"{r.default_deadline or 'none'} — {escape(r.deadline_basis)}")  # fmt: skip
    console.print(table)


UTILISATION_HELP = (
    "The cloud platform's CPU utilisation export, CSV: one row per host per sample (timestamp, instanceId, "
    "CPUUtilization; optionally memory and ip), for right-sizing."
)
UtilisationOption = typer.Option(None, "--utilisation", show_default=False, help=UTILISATION_HELP)
CPU_HELP = "Scale a host down when its CPU p95 is at most this (%)."
PLAN_JSON = '{"waves", "items", "violations", "zombies", "forecast", "right_sizing"}'


@app.command("plan")
def plan(
    inventory: Path | None = InventoryOption,
    dept: str | None = typer.Option(None, "--dept", help="Only this department's items, hosts and forecast."),
    utilisation: Path | None = UtilisationOption,
    cpu_p95: float = typer.Option(DEFAULT_CPU_P95, "--cpu-p95", min=0, max=100, help=CPU_HELP),
    days: int = typer.Option(DEFAULT_DAYS, "--days", min=1, max=365, help="Judge the last DAYS days of samples."),
    on: str | None = OnOption,
    as_json: bool = typer.Option(False, "--json", help=PLAN_JSON),
) -> None:
    """The plan: each item's disposition and wave, the waves with their dates, violations, the facts behind each
    zombie, hosts to scale down and each department's forecast finish date: exit 0 (a listing; `track check`
    judges)."""
    today = _day(on)
    inv = load_inventory(inventory)
    events = _events()
    found = items(inv, today)
    chosen = _chosen([s.item for s in standings(found, events)], dept, None, set(inv.departments))
    loads = _right_sizing(inv, utilisation, cpu_p95, days, dept)
    ahead = [f for f in forecasts(found, events, today) if dept is None or f.owner == dept]
    planned = waves(chosen)
    if as_json:
        print_json({
            "on": today.isoformat(),
            "waves": [w.as_json(today) for w in planned],
            "items": [i.as_json(today) for i in chosen],
            "violations": [{**i.as_json(today), "document": RULES[i.rule].document, "clause": RULES[i.rule].clause}
                           for i in chosen if i.violation],
            "zombies": [{"item": i.item, "owner": i.owner, "facts": list(i.reasons)}
                        for i in chosen if i.rule == "zombie-retire"],
            "forecast": [f.as_json() for f in ahead],
            "right_sizing_rule": {"utilisation": str(utilisation) if utilisation else None, "cpu_p95": cpu_p95,
                                  "days": days},
            "right_sizing": [load.as_json(cpu_p95, days) for load in loads or []],
        })  # fmt: skip
        return
    _print_waves(planned, today)
    _print_items(planned, today)
    _print_findings(chosen)
    _print_sizing(loads, utilisation, cpu_p95, days)
    _print_forecast(ahead, today)


def _right_sizing(inv: Inventory, path: Path | None, cpu_p95: float, days: int,
                  dept: str | None) -> list[HostLoad] | None:  # fmt: skip
    """The hosts of the utilisation export with their verdicts (None: no export given); exit 2 on a bad file."""
    if path is None:
        return None
    try:
        loads = right_size(path, read_utilisation(path), inv.systems, cpu_p95, days)
    except UtilisationError as exc:
        error(str(exc))
        raise typer.Exit(2) from None
    except (RefusedPath, OSError) as exc:
        error(f"--utilisation {exc.filename or path}: {exc.strerror or exc}")
        raise typer.Exit(2) from None
    return [load for load in loads if dept is None or load.owner == dept]


def _print_waves(planned: list[Wave], today: date) -> None:
    table = Table("wave", "due", "items", "done", "open", "overdue", title="waves")
    for w in planned:
        late = w.late(today)
        worst = max((i.overdue_days(today) for i in late), default=0)
        table.add_row(w.name, str(w.due or "-"), str(len(w.items)), str(sum(1 for i in w.items if not i.open)),
                      str(sum(1 for i in w.items if i.open)),
                      f"[red]{len(late)} overdue, up to {worst} d[/]" if late else "-")  # fmt: skip
    console.print(table)


def _print_items(planned: list[Wave], today: date) -> None:
    table = Table("item", "owner", "disposition", "rule", "state", "wave", "deadline", "overdue", title="items")
    for w in planned:
        for i in w.items:
            late = i.overdue_days(today)
            table.add_row(escape(i.item), escape(i.owner), i.disposition, i.rule,
                          f"[{STATE_STYLE.get(i.state, 'white')}]{i.state}[/]", i.wave, _deadline(i),
                          f"[red]{late} d[/]" if late else "-")  # fmt: skip
    console.print(table)


def _print_findings(chosen: list[Item]) -> None:
    """Violations, and the facts behind each zombie verdict."""
    for i in chosen:
        if i.violation:
            rule = RULES[i.rule]
            console.print(f"[red]violation:[/] {escape(i.item)} ({escape(i.owner)}): {escape(i.violation)} — "
                          f"{rule.title_zh} ({escape(rule.document)} {rule.clause})", highlight=False)  # fmt: skip
    for i in chosen:
        if i.rule == "zombie-retire":
            console.print(f"[yellow]zombie:[/] {escape(i.item)} ({escape(i.owner)}): {escape('; '.join(i.reasons))}",
                          highlight=False)  # fmt: skip


def _print_sizing(loads: list[HostLoad] | None, path: Path | None, cpu_p95: float, days: int) -> None:
    rule = f"CPU p95 ≤ {cpu_p95:g} % over {days} days"
    if loads is None:
        console.print(f"right-sizing ({rule}): no --utilisation FILE.csv given", highlight=False, markup=False)
        return
    table = Table("host", "system", "owner", "verdict", "facts", title=f"right-sizing: {rule}")
    for load in loads:
        style = {"scale-down": "yellow", "keep": "green"}.get(load.verdict, "white")
        table.add_row(escape(load.host), escape(load.system or "(not in the inventory)"), escape(load.owner or "-"),
                      f"[{style}]{load.verdict}[/]", escape("; ".join(load.facts(cpu_p95, days))))  # fmt: skip
    console.print(table)
    down = sum(1 for load in loads if load.verdict == "scale-down")
    console.print(f"{down} of {len(loads)} hosts to scale down ({rule}, from {path})", highlight=False, markup=False)


def _print_forecast(ahead: list[Forecast], today: date) -> None:
    table = Table("department", "done", "remaining", "rate", "forecast", "due", "late", title=f"forecast on {today}")
    for f in ahead:
        rate = f"{f.rate:.2f}/day since {f.first_done}" if f.rate is not None else "no rate yet"
        table.add_row(escape(f.owner), f"{f.done}/{f.total}", str(f.remaining), rate, str(f.finish or "-"),
                      str(f.due or "-"), f"[red]{f.late_days} d[/]" if f.late_days else "-")  # fmt: skip
    console.print(table)


def _events(item: str | None = None) -> list[TrackEvent]:
    """The recorded state changes, oldest first (none yet when there is no database)."""
    from .. import store

    try:
        return store.open_store(create=False).track_events(item)
    except store.MissingDatabase:
        return []


def _standings(inv: Inventory, today: date, item: str | None = None) -> list[Standing]:
    """The items with their recorded state changes."""
    return standings(items(inv, today), _events(item))


def _deadline(i: Item) -> str:
    """The deadline and, when the inventory did not give it, where it comes from."""
    if i.deadline is None:
        return "-"
    return f"{i.deadline} ({i.deadline_from})" if i.deadline_from in ("policy", "exemption") else str(i.deadline)


def _systems(inv: Inventory) -> dict[str, SystemAddresses]:
    """Each system's target and old addresses, numbered from the plan (netplan/allocations.yml)."""
    return system_addresses(inv, read_lock(DEFAULT_LOCK))


def _one(inv: Inventory, today: date, item: str) -> Standing:
    """The item named ``KIND:ID``, or exit 2 saying what exists."""
    kind, _, id_ = item.partition(":")
    if kind not in KINDS or not id_:
        error(f"{item!r}: name an item as KIND:ID, KIND one of {', '.join(KINDS)} (e.g. system:oa)")
        raise typer.Exit(2)
    found = [s for s in _standings(inv, today, item) if s.item.item == item]
    if not found:
        some = sorted(i.item for i in items(inv, today) if i.kind == kind)[:5]
        error(f"{item!r}: no such item; {kind} items are e.g. {', '.join(some) or '(none)'}")
        raise typer.Exit(2)
    return found[0]


@app.command("show")
def show(
    item: str = typer.Argument(..., help="KIND:ID, e.g. network:rsj-sibao."),
    inventory: Path | None = InventoryOption,
    on: str | None = OnOption,
    as_json: bool = typer.Option(False, "--json", help="The item and its history as JSON."),
) -> None:
    """One item: its disposition, the rule and the order behind it, and every recorded change with its evidence."""
    from .. import store

    today = _day(on)
    inv = load_inventory(inventory)
    standing = _one(inv, today, item)
    places = _systems(inv)[standing.item.id] if standing.item.kind == "system" else None
    addresses = {"target": [str(a) for a in places.target], "old": [str(a) for a in places.old],
                 "planned": list(places.planned)} if places else None  # fmt: skip
    try:
        history = store.open_store(create=False).track_events(item)
    except store.MissingDatabase:
        history = []
    rule = RULES[standing.item.rule]
    if as_json:
        print_json({**standing.item.as_json(today), "addresses": addresses, "document": rule.document,
                    "clause": rule.clause,
                    "quote": rule.quote, "pending": standing.pending.id if standing.pending else None,
                    "history": [{"id": e.id, "at": e.at, "action": e.action, "status": e.status,
                                 "previous": e.previous, "state": e.state, "operator": e.operator,
                                 "reason": e.reason, "evidence": e.evidence, "approves": e.approves,
                                 "audit_id": e.audit_id} for e in history]})  # fmt: skip
        return
    i = standing.item
    lines = [
        f"{i.item} ({i.owner}): {i.disposition} by rule {i.rule}: {rule.title_zh}",
        f"  order: {rule.document} {rule.clause}: {rule.quote}" if rule.document else "",
        f"  state: {i.state}; deadline {i.deadline or '-'}; {'; '.join(i.reasons)}",
    ]
    if places is not None and places.target:
        lines.append(f"  target addresses: {', '.join(map(str, places.target))} (numbered from the plan: "
                     f"{'; '.join(map(str, places.lans))})")  # fmt: skip
    if places is not None and places.old:
        lines.append(f"  {'old addresses' if places.target else 'addresses'}: {', '.join(map(str, places.old))}")
    for e in history:
        lines.append(f"  #{e.id} {e.at:%Y-%m-%d %H:%M} {e.operator}: {e.action} {e.previous} → {e.state} "
                     f"({e.status}){f' approving #{e.approves}' if e.approves else ''}: {e.reason or ''}")  # fmt: skip
    if standing.pending is not None:
        lines.append(f"  pending: #{standing.pending.id} {standing.pending.state} by {standing.pending.operator}, "
                     "waiting for another operator (extranet track approve)")  # fmt: skip
    console.print("\n".join(line for line in lines if line), highlight=False, markup=False)


@app.command("override")
def override(
    item: str = typer.Argument(..., help="KIND:ID, e.g. system:oa."),
    state: str = typer.Argument(..., help=f"The state to set: {', '.join(STATES)}."),
    reason: str = typer.Option(..., "--reason", help="Why the network cannot show it (recorded, audited)."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Ask for a manual state change (the escape hatch when the network cannot show it): it is recorded as
    pending and takes effect only when a second, different operator approves it."""
    from .. import store
    from ..store.schema import TrackEvent

    if state not in STATES:
        error(f"state {state!r}: one of {', '.join(STATES)}")
        raise typer.Exit(2)
    why = checked("--reason", reason.strip(), REASON)
    standing = _one(load_inventory(inventory), date.today(), item)
    if standing.item.state == state:
        error(f"{item} is already {state}: nothing to override")
        raise typer.Exit(2)
    event = TrackEvent(item=item, action="override", status="pending", previous=standing.item.state, state=state,
                       reason=why, evidence={"manual": True})  # fmt: skip
    event = store.open_store().record_track_event(event, "track.override", "pending")
    console.print(f"override #{event.id}: {item} {standing.item.state} → {state} is pending; another operator "
                  f"approves it with `extranet track approve {item}`", highlight=False, markup=False)  # fmt: skip


@app.command("approve")
def approve(
    item: str = typer.Argument(..., help="KIND:ID of the item whose pending override to approve."),
    inventory: Path | None = InventoryOption,
) -> None:
    """Approve an item's pending override: by an operator other than the one who asked; then it takes effect."""
    from .. import store
    from ..store.schema import TrackEvent

    standing = _one(load_inventory(inventory), date.today(), item)
    asked = standing.pending
    if asked is None:
        error(f"{item}: no override is pending (extranet track override {item} STATE --reason …)")
        raise typer.Exit(2)
    me = store.operator_name()
    if me == asked.operator:
        error(f"{item}: override #{asked.id} was asked for by {me}: another operator must approve it "
              "(set EXTRANET_OPERATOR on a shared account)")  # fmt: skip
        raise typer.Exit(2)
    event = TrackEvent(item=item, action="approve", status="applied", previous=standing.item.state, state=asked.state,
                       reason=asked.reason, evidence={"manual": True, "asked_by": asked.operator},
                       approves=asked.id)  # fmt: skip
    event = store.open_store().record_track_event(event, "track.approve", "ok")
    console.print(f"approved #{asked.id}: {item} is now {asked.state} (asked by {asked.operator}, approved by {me})",
                  highlight=False, markup=False)  # fmt: skip


@app.command("advance")
def advance(
    chosen: list[str] = typer.Argument(None, help="Items (KIND:ID) to advance; or --all."),
    every: bool = typer.Option(False, "--all", help="Every item."),
    runs: int = typer.Option(3, "--runs", min=1, max=100, help="Consecutive full probe runs a verdict needs."),
    inventory: Path | None = InventoryOption,
    as_json: bool = typer.Option(False, "--json", help="What moved and why the rest did not, as JSON."),
) -> None:
    """Collect the evidence, move each item its gate passes (recorded with the evidence, audited) and say why the
    rest did not move: exit 0."""
    from .. import store
    from ..history import ConfigHistory
    from ..rollout.setup import HISTORY
    from ..store.schema import TrackEvent
    from ..track.gates import judge

    if bool(chosen) == every:
        error("name the items to advance (KIND:ID …) or give --all, not both")
        raise typer.Exit(2)
    today = date.today()
    inv = load_inventory(inventory)
    picked = [s.item for s in _standings(inv, today)] if every else [_one(inv, today, name).item for name in chosen]
    db = store.open_store()
    verdicts = judge(db, picked, runs, _systems(inv), inv, ConfigHistory(HISTORY))
    moved = []
    for v in verdicts:
        if v.state is not None:
            event = TrackEvent(item=v.item.item, action="advance", status="applied", previous=v.item.state,
                               state=v.state, reason=v.why, evidence=v.evidence)  # fmt: skip
            db.record_track_event(event, "track.advance", "ok")
            moved.append(v)
    if as_json:
        print_json({"moved": [{"item": v.item.item, "from": v.item.state, "to": v.state, "why": v.why,
                               "evidence": v.evidence} for v in moved],
                    "held": [{"item": v.item.item, "state": v.item.state, "why": v.why}
                             for v in verdicts if v.state is None]})  # fmt: skip
        return
    for v in verdicts:
        if v.state is not None:
            console.print(
                f"[green]{escape(v.item.item)}[/]: {v.item.state} → {v.state}: {escape(v.why)} "
                f"(runs {', '.join(f'#{r}' for r in v.evidence.get('probe_runs', []))})",
                highlight=False,
            )
        elif not every or v.item.state not in ("closed", "verified", "retired", "exempted"):
            console.print(f"[yellow]{escape(v.item.item)}[/] stays {v.item.state}: {escape(v.why)}", highlight=False)
    console.print(f"{len(moved)} moved, {len(verdicts) - len(moved)} stayed", highlight=False, markup=False)
