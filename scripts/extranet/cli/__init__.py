"""The ``extranet`` command: one sub-command group per module (inventory, db, audit, …).

Exit codes: 0 ok, 1 the work found problems, 2 bad input (with file, line, field and what is allowed).
"""

import importlib
import os
import sys
from functools import cache
from typing import Any

import typer

from .. import __version__
from ..inputs import operator_from_environment
from .output import error, errors, print_problems

# The sub-commands, in the order ``--help`` lists them: name -> (module of this package, attribute). An ``app``
# is a group of commands (``extranet plan show``); anything else one command. A command imports only its own
# module (``main`` below): importing all of them cost every command ~2 s before it did anything.
COMMANDS: dict[str, tuple[str, str]] = {
    "inventory": ("inventory", "app"),
    "plan": ("plan", "app"),
    "db": ("db", "app"),
    "audit": ("audit", "app"),
    "lab": ("lab", "app"),
    "push": ("push", "app"),
    "report": ("report", "app"),
    "device": ("device", "app"),
    "track": ("track", "app"),
    "history": ("history", "app"),
    "census": ("census", "app"),
    "run": ("run", "run"),
    "probe": ("probe", "probe"),
    "evidence": ("evidence", "evidence"),
    "compliance": ("compliance", "compliance"),
    "backup": ("backup", "backup"),
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"extranet {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    """Plan, roll out, probe, track and audit the e-government extranet (政务外网) migration."""
    operator_from_environment()  # a bad one is refused before any command writes what it would be recorded with


def build(names: frozenset[str] | None = None) -> typer.Typer:
    """The ``extranet`` command with the sub-commands ``names`` (all when None)."""
    app = typer.Typer(
        name="extranet",
        help="Plan, roll out, probe, track and audit the e-government extranet (政务外网) migration.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    for name, (module, attribute) in COMMANDS.items():
        if names is None or name in names:
            command = getattr(importlib.import_module(f".{module}", __name__), attribute)
            if isinstance(command, typer.Typer):
                app.add_typer(command, name=name)
            else:
                app.command(name)(command)
    return app


@cache
def _whole() -> typer.Typer:
    return build()


def __getattr__(name: str) -> Any:
    """``from extranet.cli import app``: every sub-command (tests, ``CliRunner``)."""
    if name == "app":
        return _whole()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _chosen(argv: list[str]) -> frozenset[str] | None:
    """The one sub-command a command line names first, else None (help, --version, a typo: all are loaded so
    that help lists them and click suggests the nearest)."""
    return frozenset(argv[:1]) if argv[:1] and argv[0] in COMMANDS else None


def _exit_code(exc: BaseException) -> int | None:
    """The exit code of an error that is the operator's to fix, said in one line; None for any other."""
    from ..inputs import InputError
    from ..inventory import InventoryError
    from ..lab.state import StateError

    if isinstance(exc, InventoryError):
        print_problems(exc.problems, subject=exc.subject)
        return 2
    if isinstance(exc, StateError):
        error(str(exc))
        return 2
    if isinstance(exc, KeyboardInterrupt):  # Ctrl-C: what was done is recorded as it was done; say so, no traceback
        errors.print("interrupted", highlight=False)
        return 130
    if isinstance(exc, InputError):  # a variable or option refused: it is named, its value is not shown
        error(str(exc))
        return 2
    if "sqlalchemy" in sys.modules:  # the database: one line, what and what to do (only a command that used it)
        from sqlalchemy.exc import SQLAlchemyError

        from ..store import StoreError, database_error, database_url

        if isinstance(exc, StoreError | SQLAlchemyError):
            failure = exc if isinstance(exc, StoreError) else database_error(exc, database_url())
            error(failure.message)
            return failure.exit_code
    if isinstance(exc, BrokenPipeError):  # `extranet … | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    if isinstance(exc, OSError):  # a file that cannot be written or read: tell which, no traceback
        error(f"{exc.filename or ''}: {exc.strerror or exc}")
        return 2
    return None


def main() -> None:
    from ..ending import command

    app = build(_chosen(sys.argv[1:]))
    try:
        with command():
            app()
    except (Exception, KeyboardInterrupt) as exc:
        code = _exit_code(exc)
        if code is None:
            raise
        sys.exit(code)
