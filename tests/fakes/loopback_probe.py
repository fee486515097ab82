"""``extranet probe`` with each department's ICMP checks aimed at loopback (127.0.0.1, ::1) instead of the lab's
documentation addresses: the packets never leave the machine (run it in a network namespace of its own, where
loopback is up — every department answers — or down — none does), and everything after them is the real
command: classification, the run and its vantage, the batches saved as it goes, the exit code.

Run as ``python -m tests.fakes.loopback_probe [extranet probe options]`` with the repository root on the path;
batches are of ``LOOPBACK_BATCH`` departments (default 5). With ``LOOPBACK_MEET`` (a directory) and
``LOOPBACK_PARTIES`` (how many probes), each probe waits after its first batch until every party has saved its
own (two minutes at most): their runs are then in the database at the same time, their batches interleaved.
"""

import os
import sys
import time
from dataclasses import replace
from pathlib import Path

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


class MeetingSaver(run.Saver):
    met = False

    def flush(self) -> None:
        super().flush()
        meet = os.environ.get("LOOPBACK_MEET")
        if meet and self.saved and not self.met:
            self.met = True
            (Path(meet) / str(os.getpid())).touch()
            deadline = time.monotonic() + 120
            while len(list(Path(meet).iterdir())) < int(os.environ["LOOPBACK_PARTIES"]) and time.monotonic() < deadline:
                time.sleep(0.05)


if __name__ == "__main__":
    command.Planner = LoopbackPlanner  # type: ignore[misc]
    command.Saver = MeetingSaver  # type: ignore[misc]
    run.BATCH = int(os.environ.get("LOOPBACK_BATCH", "5"))
    sys.argv = ["extranet", "probe", *sys.argv[1:]]
    main()
