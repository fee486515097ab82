"""What a new user meets first at `extranet run` and `extranet probe`: bad input is refused (exit 2) with what
to do, and nothing is sent to lab-only addresses from this host's own network."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (tmp_path / name).symlink_to(REPO / name)
    return tmp_path


def extranet(workspace: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=120, cwd=workspace,
                          env={**clean, "EXTRANET_LAB_DIR": str(workspace / "var" / "lab"), **env})  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (["run", "nosuch.yml"], {}, "the workspace has: backup.yml, dual_stack.yml"),
        (["run", "dual_stack.yml"], {}, "credentials not set: export EXTRANET_DEFAULT_PASSWORD"),
        (["run", "dual_stack.yml", "--lab"], {}, "no lab is up"),
        (["run", "dual_stack.yml", "--waves", "0"], {}, "is not a count"),
        (["push", "dual-stack", "--waves", "1,,100%"], {}, "--waves '1,,100%': an empty size between commas"),
        (["run", "backup.yml", "--limit", "nosuch"], {}, "not a device or group"),
        (["run", "backup.yml", "--limit", ""], {}, "--limit '': names no device or group"),
        (["push", "dual-stack", "--lab", "--limit", " , "], {}, "--limit ' , ': names no device or group"),
        (
            ["run", "backup.yml"],
            {"EXTRANET_DEFAULT_USERNAME": "u", "EXTRANET_DEFAULT_PASSWORD": "p"},
            "exist only in the lab",
        ),
        (["push", "dual-stack", "--confirm-timer", "0"], {}, "--confirm-timer 0: give seconds from 60 to 7200"),
        (["push", "dual-stack", "--confirm-timer", "-5"], {}, "--confirm-timer -5: give seconds from 60 to 7200"),
        (["push", "dual-stack", "--converge-timeout", "nan"], {}, "--converge-timeout nan: give seconds from 0"),
        (["run", "dual_stack.yml", "--converge-timeout", "inf"], {}, "--converge-timeout inf: give seconds from 0"),
        (["run", "backup.yml", "--converge-timeout", "-1"], {}, "--converge-timeout -1.0: give seconds from 0"),
        (["probe"], {}, "exist only in the lab"),
        (["probe", "--lab"], {}, "no lab is up"),
        (["probe", "--family", "7"], {}, "--family '7'"),
        (["probe", "--from", "department"], {}, "needs the lab"),
        (["probe", "--site", "atlantis"], {}, "no site 'atlantis'"),
        (["probe", "--dept", ""], {}, "--dept '': names no department"),
        (["device", "parse", "frr", "ping", "/dev/zero"], {}, "/dev/zero: larger than 64 MiB"),
        (["probe", "--dept", " , "], {}, "--dept ' , ': names no department"),
        (["probe", "--site", ""], {}, "--site '': names no site"),
    ],
)
def test_bad_input_exits_2_and_says_what_to_do(workspace: Path, args: list[str], env: dict[str, str],
                                               said: str) -> None:  # fmt: skip
    proc = extranet(workspace, *args, **env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert said in " ".join(proc.stderr.split()), proc.stderr
    assert not (workspace / "var" / "history").exists()  # nothing was started
