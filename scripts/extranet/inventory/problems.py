"""Problems found in the inventory, each located by file, line and path."""

import os
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str
    severity: str = field(default="error", compare=False)
    # (kind, id) of the object an "unknown …" problem refers to: dropped when that object exists but is broken
    ref: tuple[str, str] | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


# The fields a Problem's ordering compares: sorting by ``attrgetter(*ORDER)`` compares tuples in C, not problems
# through the generated ``__lt__`` (a second for the 100,000 warnings of a province).
ORDER = ("file", "line", "path", "message")


class InventoryError(Exception):
    """The inventory cannot be used; ``problems`` says where and why (exit code 2)."""

    subject = "inventory"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=attrgetter(*ORDER))
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path) -> str:
    """The path as the operator typed it: relative to the working directory when it lies below it. Links are
    not followed (a dangling link or a loop is named as itself, not by where it points)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
