"""Ctrl-C ends a command with exit 130 — while it loads and while it works — never a traceback."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

EXTRANET = str(Path(sys.executable).parent / "extranet")


@pytest.mark.parametrize("after", [0.5, 4.0], ids=["while-loading", "while-reading-stdin"])
def test_ctrl_c_says_interrupted_and_exits_130(after: float) -> None:
    # `device parse … -` waits on its standard input, so a late Ctrl-C lands in the command's own work.
    proc = subprocess.Popen([EXTRANET, "device", "parse", "frr", "ping", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(after)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert "Traceback" not in err, err
    if proc.returncode == -signal.SIGINT:  # the signal beat the interpreter's own handler: killed, silently
        assert after < 1 and not err
    else:
        assert proc.returncode == 130 and err.strip() in ("", "interrupted"), err  # typer exits 130 quietly
