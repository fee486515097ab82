"""``extranet track``: the moves the policy documents order — each private network, system, department-owned
Internet exit and department connection, with the disposition a rule gives it, its deadline and what is overdue."""

from datetime import date
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from ..inventory import load_inventory
from ..track import DISPOSITIONS, KINDS, RULES, Item, items
from .inventory import InventoryOption
from .output import console, error, print_json

app = typer.Typer(
    help="Track the moves the documents order: private networks, systems, Internet exits, connections.",
    no_args_is_help=True,
)
OnOption = typer.Option(None, "--on", help="The day to judge deadlines on (default today), e.g. 2027-07-01.")
STATE_STYLE = {"planned": "yellow", "exempted": "cyan", "closed": "green"}


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
    chosen = _chosen(items(inv, today), dept, kind, set(inv.departments))
    if overdue:
        chosen = [i for i in chosen if i.overdue_days(today)]
    if as_json:
        print_json({"on": today.isoformat(), "items": [i.as_json(today) for i in chosen]})
        return
    table = Table("item", "owner", "disposition", "rule", "state", "deadline", "overdue", "why")
    for i in chosen:
        late = i.overdue_days(today)
        table.add_row(
            escape(i.item), escape(i.owner), i.disposition, i.rule,
            f"[{STATE_STYLE.get(i.state, 'white')}]{i.state}[/]", str(i.deadline or "-"),
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
    table = Table("rule", "title", "severity", "document", "clause")
    for r in RULES.values():
        table.add_row(r.id, f"{r.title_zh}\n{r.title_en}", r.severity, escape(r.document or "-"), r.clause or "-")
    console.print(table)
