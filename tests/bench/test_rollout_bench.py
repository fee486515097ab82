"""Benchmark: the dual-stack rollout of the 30-router synthetic lab, `extranet push` against the usual way.

The usual way: an Ansible playbook with ``network_cli`` (libssh) + ``cli_config`` pushing the same rendered
fragments (``tests/bench/ansible_push.yml``, collections from ``ansible_collections.py``), then ``write memory``.
Both start from the same legacy (IPv4-only) lab, brought up afresh, with 10 devices at a time. `extranet push`
also verifies every device (OSPFv3 Full, IPv6 pings, IPv4 unchanged) before it confirms; the Ansible playbook
checks nothing. Printed: wall time, time per device, the ratio, and a second (no-change) run of each.
Needs root, network namespaces and the `bench` extra (make bench installs it). Run with ``make bench``.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from extranet import lab
from extranet.devices.diff import change
from extranet.inventory import load_inventory
from extranet.inventory.synth import synth_workspace
from extranet.lab.overlay import load_overlay
from extranet.lab.state import LabState
from extranet.platforms import get
from extranet.render import DEFAULT_TEMPLATES
from extranet.rollout.setup import prepare

from ..conftest import REPO
from ..lab.conftest import lab_unavailable, searchable_tmp
from .ansible_collections import ansible_env, ensure_collections, write_inventory

BIN = Path(sys.executable).parent
FORKS = 10
ROUTERS = 30
COLLECTIONS = REPO / "var" / "bench" / "collections"  # kept between runs (git-ignored)


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    root = searchable_tmp() / "workspace"
    for relative, text in synth_workspace(1000, devices=ROUTERS, links=45):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "playbooks").symlink_to(REPO / "playbooks")
    subprocess.run([BIN / "extranet", "plan", "--apply"], cwd=root, check=True, capture_output=True)
    yield root


def fresh_lab(root: Path) -> LabState:
    """The synthetic network as a legacy IPv4-only lab, converged."""
    directory = root / "var" / "lab"
    lab.down(directory)
    state = lab.up(load_inventory(root / "inventory"), directory)
    assert lab.wait_converged(state, timeout=120), "OSPF did not converge"
    return state


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    seconds = time.perf_counter() - started
    failures = [line for line in proc.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
    assert proc.returncode == 0, "\n".join(failures[:3]) or proc.stdout[-3000:] + proc.stderr[-3000:]
    return seconds


def extranet_push(root: Path, state: LabState) -> float:
    env = {**os.environ, "EXTRANET_LAB_DIR": state.dir}
    env.pop("EXTRANET_DB_URL", None)
    args = [str(BIN / "extranet"), "push", "dual-stack", "--lab", "--waves", "100%", "--forks", str(FORKS)]
    return timed(args, root, env)


def ansible_push(root: Path, state: LabState, collections: Path) -> float:
    """Render the same fragments, write an inventory of the lab's routers and run the playbook."""
    inv = load_inventory(root / "inventory")
    prepared = prepare(inv, sorted(inv.devices), lab=True, lock=root / "netplan" / "allocations.yml",
                       templates=REPO / DEFAULT_TEMPLATES, lab_path=Path(state.dir))  # fmt: skip
    configs = root / "var" / "bench" / "configs"
    configs.mkdir(parents=True, exist_ok=True)
    for name, context in prepared.contexts.items():
        lines = change(get("frr"), "", prepared.renderer.render(context))
        (configs / f"{name}.cfg").write_text("\n".join(routers_last(lines)) + "\n", encoding="utf-8")
    overlay = load_overlay(Path(state.dir))
    hosts = {
        name: {"ansible_host": e["host"], "ansible_user": e["username"], "ansible_password": target.password}
        for name, e in overlay.items()
        for target in [prepared.targets[name]]
    }
    inventory = root / "var" / "bench" / "hosts.yml"
    secrets = write_inventory(hosts, inventory)
    args = [str(BIN / "ansible-playbook"), "-i", str(inventory), "-e", f"@{secrets}", "-e", f"config_dir={configs}",
            "--forks", str(FORKS), str(REPO / "tests" / "bench" / "ansible_push.yml")]  # fmt: skip
    return timed(args, root, ansible_env(collections))


def routers_last(lines: list[str]) -> list[str]:
    """The fragment as an engineer makes it work with cli_config: its diff drops the `exit` lines (the running
    config has them), and vtysh reads `interface lo` sent right after `router ospf6`'s lines as the ospf6
    command `interface …` (an error). With the `router` sections last, every line lands in the right node."""
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith(" ") or (line == "exit" and blocks):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    ordered = sorted(blocks, key=lambda block: block[0].startswith("router "))
    return [line for block in ordered for line in block]


def loopback_ipv6(state: LabState, device: str) -> str:
    proc = subprocess.run(["ip", "netns", "exec", state.namespaces[device], "ip", "-6", "-o", "addr", "show", "lo",
                           "scope", "global"], capture_output=True, text=True, check=True)  # fmt: skip
    return proc.stdout


def test_rollout_against_ansible(workspace: Path) -> None:
    reason = lab_unavailable()
    if reason:
        pytest.skip(f"lab: {reason}")
    try:
        import pylibsshext  # noqa: F401  (network_cli's libssh transport)
    except ImportError:
        pytest.skip("the bench extra is not installed (ansible-pylibssh): run `make bench`")
    collections = ensure_collections(COLLECTIONS)
    try:
        state = fresh_lab(workspace)
        ours = extranet_push(workspace, state)
        assert "2001:db8" in loopback_ipv6(state, sorted(state.namespaces)[0])
        ours_again = extranet_push(workspace, state)
        state = fresh_lab(workspace)
        assert "2001:db8" not in loopback_ipv6(state, sorted(state.namespaces)[0])
        theirs = ansible_push(workspace, state, collections)
        assert "2001:db8" in loopback_ipv6(state, sorted(state.namespaces)[0]), "Ansible did not apply the config"
        theirs_again = ansible_push(workspace, state, collections)
    finally:
        lab.down(workspace / "var" / "lab")
    print(f"\ndual-stack rollout, {ROUTERS}-router synthetic lab, {FORKS} devices at a time (target: ≥ 5× faster)")
    print(f"{'':44}{'wall':>9}{'per device':>12}{'no-change rerun':>17}")
    print(f"{'extranet push (push + verify + confirm)':44}{ours:8.1f}s{ours / ROUTERS:11.2f}s{ours_again:16.1f}s")
    print(f"{'Ansible network_cli + cli_config (push only)':44}{theirs:8.1f}s{theirs / ROUTERS:11.2f}s"
          f"{theirs_again:16.1f}s")  # fmt: skip
    print(f"{'ratio (Ansible ÷ extranet)':44}{theirs / ours:8.1f}×{'':12}{theirs_again / ours_again:16.1f}×")
