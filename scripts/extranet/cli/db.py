"""``extranet db``: the database of runs and audit events."""

import typer

from .output import console

app = typer.Typer(
    help="The database of what happened (SQLite in var/, PostgreSQL by EXTRANET_DB_URL).", no_args_is_help=True
)


@app.command("upgrade")
def upgrade() -> None:
    """Create the database or bring its schema to the newest revision (Alembic)."""
    from .. import store

    engine = store.open_store(auto_upgrade=False).engine
    before, head = store.schema_revisions(engine)
    reached = store.upgrade(engine)
    console.print(
        f"database {engine.url.render_as_string(hide_password=True)}: {before or 'empty'} → {reached} (head {head})",
        highlight=False,
        markup=False,
    )


@app.command("status")
def status() -> None:
    """Show which database is used and whether its schema is current (exit 1 when it needs an upgrade)."""
    from .. import store

    try:
        engine = store.open_store(auto_upgrade=False, create=False).engine
    except store.MissingDatabase:
        console.print(
            f"database {store.database_url()}: none yet (`extranet db upgrade` creates it; so does the first "
            "command that records something)",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1) from None
    current, head = store.schema_revisions(engine)
    console.print(
        f"database {engine.url.render_as_string(hide_password=True)}: revision {current or 'none'}, code head {head}",
        highlight=False,
        markup=False,
    )
    if current != head:
        console.print("run `extranet db upgrade` (other commands upgrade automatically)")
        raise typer.Exit(1)
