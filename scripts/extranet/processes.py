"""Other processes, by pid: whether one still runs (a rollout's or a plan holder's)."""

import os


def pid_alive(pid: int) -> bool:
    """The process runs (also another user's); a zombie, which still answers ``kill(pid, 0)``, does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:  # a zombie answers kill(0): read its state
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
