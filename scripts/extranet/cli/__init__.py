"""The ``extranet`` command: one sub-command group per module (inventory, db, audit, …).

Exit codes: 0 ok, 1 the work found problems, 2 bad input (with file, line, field and what is allowed).
"""

import os
import sys

import typer
from sqlalchemy.exc import SQLAlchemyError

from .. import __version__
from ..inputs import InputError, operator_from_environment
from ..inventory import InventoryError
from ..lab.state import StateError
from ..store import StoreError, database_error, database_url
from . import (
    audit,
    backup,
    census,
    compliance,
    db,
    device,
    evidence,
    history,
    inventory,
    lab,
    plan,
    probe,
    push,
    report,
    run,
    track,
)
from .output import error, errors, print_problems

app = typer.Typer(
    name="extranet",
    help="Plan, roll out, probe, track and audit the e-government extranet (政务外网) migration.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(inventory.app, name="inventory")
app.add_typer(plan.app, name="plan")
app.add_typer(db.app, name="db")
app.add_typer(audit.app, name="audit")
app.add_typer(lab.app, name="lab")
app.add_typer(push.app, name="push")
app.add_typer(report.app, name="report")
app.add_typer(device.app, name="device")
app.add_typer(track.app, name="track")
app.add_typer(history.app, name="history")
app.add_typer(census.app, name="census")
app.command("run")(run.run)
app.command("probe")(probe.probe)
app.command("evidence")(evidence.evidence)
app.command("compliance")(compliance.compliance)
app.command("backup")(backup.backup)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"extranet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Plan, roll out, probe, track and audit the e-government extranet (政务外网) migration."""
    operator_from_environment()  # a bad one is refused before any command writes what it would be recorded with


def main() -> None:
    try:
        app()
    except InventoryError as exc:
        print_problems(exc.problems, subject=exc.subject)
        sys.exit(2)
    except StateError as exc:
        error(str(exc))
        sys.exit(2)
    except KeyboardInterrupt:  # Ctrl-C: what was done is recorded as it was done; say so, no traceback
        errors.print("interrupted", highlight=False)
        sys.exit(130)
    except InputError as exc:  # a variable or option refused: it is named, its value is not shown
        error(str(exc))
        sys.exit(2)
    except (StoreError, SQLAlchemyError) as exc:  # the database: one line, what and what to do
        failure = exc if isinstance(exc, StoreError) else database_error(exc, database_url())
        error(failure.message)
        sys.exit(failure.exit_code)
    except BrokenPipeError:  # `extranet … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)
    except OSError as exc:  # a file that cannot be written or read: tell which, no traceback
        error(f"{exc.filename or ''}: {exc.strerror or exc}")
        sys.exit(2)
