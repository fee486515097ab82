"""``extranet probe`` with each department's ICMP checks aimed at loopback (127.0.0.1, ::1) instead of the lab's
documentation addresses: the packets never leave the machine (run it in a network namespace of its own, where
loopback is up — every department answers — or down — none does), and everything after them is the real
command: classification, the run and its vantage, the batches saved as it goes, the exit code.

Run as ``python -m tests.fakes.loopback_probe [extranet probe options]`` with the repository root on the path;
batches are of ``LOOPBACK_BATCH`` departments (default 5), so that two such probes interleave their writes.
"""

import os
import sys
from dataclasses import replace

from extranet.cli import main
from extranet.cli import probe as command
from extranet.inventory.models import Department
from extranet.probe import run
from extranet.probe.targets import DepartmentPlan, Planner

LOOPBACK = {4: "127.0.0.1", 6: "::1"}


class LoopbackPlanner(Planner):
    def plan(self, dept: Department) -> DepartmentPlan:
        plan = super().plan(dept)
        plan.checks = [replace(c, address=LOOPBACK[c.family]) for c in plan.checks if c.kind == "icmp"]
        return plan


if __name__ == "__main__":
    command.Planner = LoopbackPlanner  # type: ignore[misc]
    run.BATCH = int(os.environ.get("LOOPBACK_BATCH", "5"))
    sys.argv = ["extranet", "probe", *sys.argv[1:]]
    main()
