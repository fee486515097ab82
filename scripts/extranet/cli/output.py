"""Shared terminal output: problems in file:line form, JSON for machines.

Text that comes from the inventory, the environment, the database or the operator is printed as text, never
as rich markup (a department named ``[/] x`` must not crash a command, nor ``[link=…]`` hide a hyperlink):
interpolate it through ``escape`` (``rich.markup.escape``), or print it with ``error``/``print_problems``.
"""

import json
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # the inventory's models load in a third of a second: only commands that read it pay
    from ..inventory import Problem

# Long lines (paths, prefixes) stay whole, grep-able and copy-able; piped output is not cut at 80 columns.
console = Console(soft_wrap=True, emoji=False, width=None if sys.stdout.isatty() else 200)
errors = Console(stderr=True, soft_wrap=True, emoji=False, width=None if sys.stderr.isatty() else 200)


def print_problems(problems: "list[Problem]", warnings: bool = False, subject: str = "inventory") -> None:
    """Errors to stderr (what is wrong, where, what is allowed); warnings to stdout."""
    target = console if warnings else errors
    style = "yellow" if warnings else "red"
    noun = "warning" if warnings else "problem"
    if not warnings:
        target.print(
            f"[bold red]{len(problems)} {noun}{'s' if len(problems) != 1 else ''} in the {escape(subject)}:[/]",
            highlight=False,
        )
    for problem in problems:
        target.print(f"[{style}]{noun}:[/] {escape(str(problem))}", markup=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """One error line on stderr; ``message`` is text (the names, paths and values in it are never markup)."""
    errors.print(f"[red]error:[/] {escape(message)}", highlight=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str) -> typer.Exit:
    """Bad input (exit 2): ``raise fail(...)`` after saying what is wrong."""
    error(message)
    return typer.Exit(2)
