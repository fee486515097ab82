"""Issue 12, classes 1 and 6: an output never destroys what its path points at, an input is read only when it
is a regular file of a sane size, and a hostile YAML file (alias bomb, deep nesting, control characters) ends
in ``file:line: what is wrong``, exit 2 — through the real CLI, with the target exactly as it was."""

import errno
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml_rs

from extranet import files
from extranet.inventory import source

from ..conftest import REPO

EXTRANET = str(Path(sys.executable).parent / "extranet")
LOCK = REPO / "netplan" / "allocations.yml"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    for name in ("inventory", "netplan", "playbooks", "ansible.cfg"):
        (tmp_path / name).symlink_to(REPO / name)
    return tmp_path


def extranet(workspace: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EXTRANET_")}
    return subprocess.run([EXTRANET, *args], capture_output=True, text=True, timeout=60, cwd=workspace,
                          env={**clean, "EXTRANET_LAB_DIR": str(workspace / "var" / "lab")})  # fmt: skip


def said(proc: subprocess.CompletedProcess[str]) -> str:
    return " ".join(proc.stderr.split())


def snapshot(path: Path) -> Any:
    """What is at ``path`` (not following it), and what a link points at: equal before and after = untouched."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        target = path.parent / os.readlink(path)
        return "link", os.readlink(path), snapshot(target) if os.path.lexists(target) else None
    if stat.S_ISREG(info.st_mode):
        return "file", path.read_bytes(), stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        return "dir", sorted((p.name, snapshot(p)) for p in path.iterdir())
    return stat.S_IFMT(info.st_mode), info.st_ino


def make_fifo(path: Path) -> None:
    os.mkfifo(path)


def make_link(path: Path) -> None:
    (path.parent / "victim.txt").write_text("keep me\n")
    path.symlink_to("victim.txt")


def make_dangling(path: Path) -> None:
    path.symlink_to("nowhere")


def make_dir(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("keep me\n")


def make_file(path: Path) -> None:
    path.write_text("keep me\n")


def make_lock_link(path: Path) -> None:
    shutil.copy(LOCK, path.parent / "real-lock.yml")
    path.symlink_to("real-lock.yml")


def make_large(path: Path) -> None:
    with path.open("wb") as sparse:
        sparse.truncate((files.READ_LIMIT_MIB << 20) + 1)


def make_loop(path: Path) -> None:
    path.symlink_to("loop.yml")
    (path.parent / "loop.yml").symlink_to(path.name)


def make_dir_with_link(path: Path) -> None:
    path.mkdir()
    (path / "victim.csv").write_text("keep me\n")
    (path / "netbox-prefixes.csv").symlink_to("victim.csv")


SMALL = ("--departments", "20")
NOT_REGULAR = "not a regular file: refusing to replace it"
NOT_DIR = "not a directory: give a new or existing directory"


@pytest.mark.parametrize(
    ("args", "make", "message"),
    [
        (["report", "connections", "-o", "T"], make_fifo, f"T: exists and is a FIFO (named pipe), {NOT_REGULAR}"),
        (["report", "connections", "-o", "T"], make_link, f"T: exists and is a symbolic link, {NOT_REGULAR}"),
        (["report", "connections", "-o", "T"], make_dangling, f"T: exists and is a symbolic link, {NOT_REGULAR}"),
        (["report", "connections", "-o", "T"], make_dir, f"T: exists and is a directory, {NOT_REGULAR}"),
        (["plan", "export", "-o", "T"], make_fifo, f"T: exists and is a FIFO (named pipe), {NOT_REGULAR}"),
        (["plan", "export", "-f", "json", "-o", "T"], make_link, f"T: exists and is a symbolic link, {NOT_REGULAR}"),
        (["plan", "export", "-o", "T"], make_dir, f"T: exists and is a directory, {NOT_REGULAR}"),
        (["plan", "export", "-f", "netbox", "-o", "T"], make_file, f"T: exists and is a regular file, {NOT_DIR}"),
        (["plan", "export", "-f", "netbox", "-o", "T"], make_fifo, f"T: exists and is a FIFO (named pipe), {NOT_DIR}"),
        (
            ["plan", "export", "-f", "netbox", "-o", "T"],
            make_dir_with_link,
            f"T/netbox-prefixes.csv: exists and is a symbolic link, {NOT_REGULAR}",
        ),
        (["plan", "dns", "--out", "T"], make_file, f"T: exists and is a regular file, {NOT_DIR}"),
        (["plan", "dns", "--out", "T"], make_dangling, "T: is a symbolic link to nowhere, which does not exist"),
        (["inventory", "synth", *SMALL, "-o", "T"], make_fifo, f"T: exists and is a FIFO (named pipe), {NOT_DIR}"),
        (["plan", "--apply", "--lock", "T"], make_lock_link, f"T: exists and is a symbolic link, {NOT_REGULAR}"),
    ],
)  # fmt: skip
def test_an_output_is_never_written_through_what_is_not_a_regular_file(
    workspace: Path, args: list[str], make: Callable[[Path], None], message: str
) -> None:
    target = workspace / "T"
    make(target)
    before = snapshot(target)
    proc = extranet(workspace, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"error: {message}" in said(proc)
    assert ".tmp" not in said(proc)
    assert snapshot(target) == before  # the target and what it points at (a directory: all inside it)
    assert not list(workspace.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("args", "make", "message"),
    [
        (["plan", "--lock", "T"], make_fifo, "T: is a FIFO (named pipe), not a regular file"),
        (["plan", "--policy", "T"], make_dir, "T: is a directory, not a regular file"),
        (["plan", "--policy", "T"], make_dangling, "T: is a symbolic link to nowhere, which does not exist"),
        (["plan", "--lock", "T"], make_large, "T: larger than 64 MiB; extranet reads no input file that large"),
    ],
)
def test_an_input_is_read_only_when_it_is_a_regular_file_of_a_sane_size(
    workspace: Path, args: list[str], make: Callable[[Path], None], message: str
) -> None:
    target = workspace / "T"
    make(target)
    before = snapshot(target)
    proc = extranet(workspace, *args)  # a FIFO would hang here without O_NONBLOCK (the timeout would fail it)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"problem: {message}" in said(proc)
    assert snapshot(target) == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (make_fifo, "inv/T.yml: is a FIFO (named pipe), not a regular file"),
        (make_dangling, "inv/T.yml: is a symbolic link to nowhere, which does not exist"),
        (make_loop, "inv/T.yml: cannot read: Too many levels of symbolic links"),
    ],
)  # fmt: skip
def test_an_unreadable_inventory_file_is_an_error_not_skipped(
    workspace: Path, make: Callable[[Path], None], message: str
) -> None:
    shutil.copytree(REPO / "inventory", workspace / "inv")
    make(workspace / "inv" / "T.yml")
    proc = extranet(workspace, "inventory", "check", "-i", "inv")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"problem: {message}" in said(proc)
    assert "not recorded" not in said(proc)


BOMB = b"".join(
    [b'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n']
    + [f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n".encode() for p, n in zip("abcdefgh", "bcdefghi", strict=True)]
)
ALIASES = "YAML anchors and aliases (&name, *name, <<: *name) are not allowed in extranet files"
DEEP = "nested deeper than 64 levels; flatten the data"
HOSTILE = [
    pytest.param(BOMB, f"1: anchor &a: {ALIASES}", id="billion-laughs"),
    pytest.param(b"a: 1\na: 2\nb: &x [1]\nc: *x\n", f"3: anchor &x: {ALIASES}", id="duplicate-key-then-alias"),
    pytest.param(b"x: " + b"[" * 100_000 + b"\n", f"1: {DEEP}", id="100000-flow-levels"),
    pytest.param(b"x:\n  " + b"- " * 100_000 + b"y\n", f"2: {DEEP}", id="100000-block-levels"),  # yaml-rs: SIGSEGV
    pytest.param(b"x:\n  y: a\x00b\n", "2: control character U+0000 at column 7", id="NUL"),
    pytest.param(b"x:\n  y: a\x1b[2Jb\n", "2: control character U+001B at column 7", id="ESC"),
    pytest.param(b'x:\n  y: "a\x07b"\n', "2: control character U+0007 at column 8", id="BEL"),
    pytest.param(b"x:\n  y: a\xc2\x9bb\n", "2: control character U+009B at column 7", id="C1-CSI"),
]


@pytest.mark.parametrize(("content", "message"), HOSTILE)
@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["inventory", "check", "-i", "inv"], "inv/hostile.yml"),
        (["plan", "--policy", "hostile.yml"], "hostile.yml"),
        (["plan", "--lock", "hostile.yml"], "hostile.yml"),
    ],
    ids=["inventory", "policy", "lock"],
)
def test_a_hostile_file_is_refused_at_its_line(
    workspace: Path, args: list[str], shown: str, content: bytes, message: str
) -> None:
    shutil.copytree(REPO / "inventory", workspace / "inv")
    target = workspace / shown
    target.write_bytes(content)
    proc = extranet(workspace, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"problem: {shown}:{message}" in said(proc)
    assert "Traceback" not in proc.stderr
    assert target.read_bytes() == content  # a refused lock is never rewritten


@pytest.mark.parametrize(("content", "message"), HOSTILE)
def test_the_pyyaml_fallback_refuses_the_same_hostile_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes, message: str
) -> None:
    path = tmp_path / "hostile.yml"
    path.write_bytes(content)

    def refuse(text: str) -> Any:
        raise yaml_rs.YAMLDecodeError("refused, to force the fallback")

    monkeypatch.setattr(source, "parse_fast", refuse)
    doc, problems = source.load_yaml(path)
    assert doc is None
    assert [f"{p.line}: {p.message}"[: len(message)] for p in problems] == [message]


@pytest.mark.parametrize(
    ("args", "bom_in"),
    [
        (["inventory", "check", "-i", "inv"], "inv/region.yml"),
        (["plan", "-i", "inv", "--policy", "policy.yml"], "policy.yml"),
        (["plan", "-i", "inv", "--lock", "lock.yml"], "lock.yml"),
    ],
)
def test_a_utf8_bom_at_the_start_is_accepted(workspace: Path, args: list[str], bom_in: str) -> None:
    shutil.copytree(REPO / "inventory", workspace / "inv")
    shutil.copy(REPO / "netplan" / "policy.yml", workspace / "policy.yml")
    shutil.copy(LOCK, workspace / "lock.yml")
    path = workspace / bom_in
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    proc = extranet(workspace, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("fail", "where"),
    [
        ("mkstemp", PermissionError(errno.EACCES, "Permission denied", "/somewhere/.out.csv.x1y2.tmp")),
        ("fsync", OSError(errno.ENOSPC, "No space left on device")),
    ],
)
def test_a_failed_write_names_the_operators_path_and_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: str, where: OSError
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old\n")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise where

    monkeypatch.setattr(files.tempfile if fail == "mkstemp" else files.os, fail, broken)
    with pytest.raises(OSError) as raised:
        files.write_atomically(out, ["new\n"])
    assert (raised.value.filename, raised.value.strerror) == (str(out), where.strerror)
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
