"""The Ansible collections the "usual way" of pushing FRR config needs, without installing the ``ansible`` bundle.

A network engineer pushes FRR config with ``ansible.netcommon.network_cli`` + ``ansible.netcommon.cli_config``
and ``ansible_network_os=frr.frr.frr``. ``frr.frr`` left the PyPI ``ansible`` bundle in Ansible 11; the last
bundle carrying it is 10.7.0 (frr.frr 2.0.2), whose ansible.netcommon 6.1 predates ansible-core 2.19. So
frr.frr comes from ansible 10.7.0 and ansible.netcommon + ansible.utils (netcommon's connection base imports
it) from ansible 12.3.0, the bundle built on ansible-core 2.19 (``Requires-Dist: ansible-core~=2.19.5``).
Installing either bundle into the venv would pull in (and bump or downgrade) ansible-core, so the wheels are only
downloaded (``pip download --no-deps``) and the three collection directories streamed out of the zips.

Python side: ``network_cli`` with ``ansible_network_cli_ssh_type=libssh`` needs ``ansible-pylibssh`` (the
``bench`` extra; a manylinux wheel for CPython 3.11, no other dependency). Nothing else from netcommon's or
utils' requirements.txt (ncclient, grpcio, textfsm, ttp, jsonschema, ...) is needed for cli_config/cli_command.
"""

import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Final

import yaml

# ansible bundle version -> {collection "namespace/name": version it carries}. Checked against the wheels'
# MANIFEST.json on extraction: a re-published wheel with other contents fails loudly.
BUNDLES: Final[Mapping[str, Mapping[str, str]]] = {
    "10.7.0": {"frr/frr": "2.0.2"},
    "12.3.0": {"ansible/netcommon": "8.2.0", "ansible/utils": "6.0.0"},
}

WHEEL_CACHE: Final = ".wheels"
# The password never goes into the inventory or onto a command line: the inventory points at this variable, and
# write_inventory() puts the values into a 0600 extra-vars file for ``ansible-playbook -e @FILE``.
PASSWORDS_VAR: Final = "bench_passwords"


def _installed_version(collection_dir: Path) -> str | None:
    try:
        manifest = json.loads((collection_dir / "MANIFEST.json").read_text())
        version = manifest["collection_info"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return version if isinstance(version, str) else None


def _download(bundle: str, cache: Path) -> Path:
    """The ``ansible==bundle`` wheel in ``cache``, downloaded by pip (its own HTTP cache makes a re-run quick)."""
    found = sorted(cache.glob(f"ansible-{bundle}-*.whl"))
    if found:
        return found[0]
    # One bundle per call: pip resolves the requirements of one download together, and two ansible== conflict.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            "--dest",
            str(cache),
            f"ansible=={bundle}",
        ],
        check=True,
    )
    found = sorted(cache.glob(f"ansible-{bundle}-*.whl"))
    if not found:
        raise RuntimeError(f"pip download ansible=={bundle} left no wheel in {cache}")
    return found[0]


def _extract(wheel: zipfile.ZipFile, collection: str, root: Path) -> None:
    """Stream ``ansible_collections/<collection>/`` out of the wheel, staged beside the target then renamed in."""
    prefix = f"ansible_collections/{collection}/"
    target = root / collection
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for info in wheel.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            relative = PurePosixPath(info.filename[len(prefix) :])
            if relative.is_absolute() or ".." in relative.parts:
                raise RuntimeError(f"unsafe path in wheel: {info.filename}")
            out = staging.joinpath(*relative.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            with wheel.open(info) as src, out.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            if (info.external_attr >> 16) & stat.S_IXUSR:
                out.chmod(0o755)
        if not (staging / "MANIFEST.json").is_file():
            raise RuntimeError(f"{wheel.filename}: no collection {collection}")
        staging.chmod(0o755)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def ensure_collections(dest: Path) -> Path:
    """Make ``dest/ansible_collections/{frr/frr,ansible/netcommon,ansible/utils}`` at the pinned versions.

    Downloads the needed ``ansible`` wheels into ``dest/.wheels`` only when a collection is missing or at another
    version. Returns the directory to put in ``ANSIBLE_COLLECTIONS_PATH`` (``dest`` itself, absolute).
    """
    dest = dest.resolve()
    root = dest / "ansible_collections"
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent callers (xdist workers) extract once
        for bundle, collections in BUNDLES.items():
            missing = [name for name, version in collections.items() if _installed_version(root / name) != version]
            if not missing:
                continue
            cache = dest / WHEEL_CACHE
            cache.mkdir(exist_ok=True)
            with zipfile.ZipFile(_download(bundle, cache)) as wheel:
                for name in missing:
                    _extract(wheel, name, root)
                    found = _installed_version(root / name)
                    if found != collections[name]:
                        raise RuntimeError(f"ansible {bundle} carries {name} {found}, expected {collections[name]}")
    return dest


def ansible_env(collections_path: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for ansible-playbook/ansible-doc using these collections and a written inventory.

    The repository's ansible.cfg (read when the cwd is the repository root) enables only the ``extranet``
    inventory plugin and turns host key checking on: these variables override that.
    """
    env = dict(os.environ if base is None else base)
    env.update(
        ANSIBLE_COLLECTIONS_PATH=str(collections_path),
        ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="False",  # an installed `ansible` bundle must not shadow the pins
        ANSIBLE_INVENTORY_ENABLED="yaml,ini",
        ANSIBLE_HOST_KEY_CHECKING="False",
        ANSIBLE_RETRY_FILES_ENABLED="False",
        ANSIBLE_NOCOLOR="True",
    )
    return env


def write_inventory(hosts: dict[str, dict[str, object]], path: Path) -> Path:
    """Write a YAML inventory of FRR routers reached over network_cli/libssh; return the secrets' extra-vars file.

    ``hosts`` maps inventory name -> vars: ``ansible_host`` and ``ansible_user`` (required),
    ``ansible_password``, ``ansible_port`` or anything else. Passwords are kept out of the inventory: they go to
    ``<path stem>.secrets.yml`` (mode 0600) as ``bench_passwords[<host>]``, which the inventory's
    ``ansible_password`` refers to. Pass it as ``ansible-playbook -i PATH -e @SECRETS``.
    """
    host_vars: dict[str, dict[str, object]] = {}
    passwords: dict[str, str] = {}
    for name, given in hosts.items():
        missing = {"ansible_host", "ansible_user"} - given.keys()
        if missing:
            raise ValueError(f"{name}: missing {', '.join(sorted(missing))}")
        host_vars[name] = {k: v for k, v in given.items() if k != "ansible_password"}
        if "ansible_password" in given:
            passwords[name] = str(given["ansible_password"])
            host_vars[name]["ansible_password"] = "{{ " + PASSWORDS_VAR + "[inventory_hostname] }}"
    common: dict[str, object] = {
        "ansible_connection": "ansible.netcommon.network_cli",
        "ansible_network_os": "frr.frr.frr",
        "ansible_network_cli_ssh_type": "libssh",
        "ansible_host_key_checking": False,
        # Modules of network_cli hosts run on the controller: use the playbook's own interpreter (no discovery).
        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
    }
    inventory = {"all": {"vars": common, "hosts": host_vars}}
    secrets = path.with_name(f"{path.stem}.secrets.yml")
    _write_private(path, yaml.safe_dump(inventory, sort_keys=False))
    _write_private(secrets, yaml.safe_dump({PASSWORDS_VAR: passwords}, sort_keys=False))
    return secrets


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to a file created 0600 (never world-readable, not even between open and chmod)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to an existing file
    with os.fdopen(fd, "w") as f:
        f.write(text)
