"""`plan show` writes its tree as rich renders it, site by site: the same bytes as printing the whole tree at once."""

import io

import pytest
from rich.console import Console
from rich.tree import Tree

from extranet.cli import plan as plan_cli
from extranet.inventory import load_inventory
from extranet.plan.lock import read_lock
from extranet.plan.policy import load_policy
from extranet.plan.tree import PlanTree

from ..conftest import REPO


class _Writes(io.StringIO):
    """Text that counts how many writes made it."""

    writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def _whole(node: Tree) -> Tree:
    """The tree with every lazily made child made now, as a plain rich tree."""
    node.children = [_whole(child) for child in list(node.children)]
    return node


def _county_tree() -> Tree:
    inv = load_inventory(REPO / "inventory")
    return plan_cli._show_tree(
        PlanTree(inv, load_policy(REPO / "netplan" / "policy.yml"), read_lock(REPO / "netplan" / "allocations.yml"))
    )


@pytest.mark.parametrize("terminal", [False, True], ids=["piped", "colour terminal"])
def test_streamed_tree_is_the_bytes_of_the_whole_tree(monkeypatch: pytest.MonkeyPatch, terminal: bool) -> None:
    def console(out: io.StringIO) -> Console:
        return Console(
            file=out, soft_wrap=True, emoji=False, width=200, force_terminal=terminal, color_system="truecolor"
        )

    whole, streamed = io.StringIO(), _Writes()
    console(whole).print(_whole(_county_tree()))
    monkeypatch.setattr(plan_cli, "console", console(streamed))
    plan_cli._print_streamed(_county_tree(), lines_per_write=3)
    assert streamed.getvalue() == whole.getvalue()
    lines = whole.getvalue().count("\n")
    assert "qiaotou" in whole.getvalue() and lines > 20
    assert streamed.writes >= lines // 3  # written as it went, not all at the end
