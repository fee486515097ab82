"""execution-environment.yml as ansible-builder 3 reads it, and the build context it writes for AWX's image."""

import subprocess
import sys
from pathlib import Path

import yaml
from ansible_builder.ee_schema import validate_schema  # type: ignore[import-untyped]

from ..conftest import REPO

ANSIBLE_BUILDER = str(Path(sys.executable).parent / "ansible-builder")
DEFINITION = REPO / "execution-environment.yml"


def pins() -> dict[str, str]:
    lines = (REPO / "requirements.lock").read_text().split()
    return {name.lower(): version for name, _, version in (line.partition("==") for line in lines)}


def test_the_definition_is_version_3_of_ansible_builder_s_schema() -> None:
    definition = yaml.safe_load(DEFINITION.read_text())
    validate_schema(definition)  # raises DefinitionError on a key or type the schema does not have
    assert definition["version"] == 3
    dependencies = definition["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == f"ansible-core=={pins()['ansible-core']}"
    assert dependencies["ansible_runner"]["package_pip"] == f"ansible-runner=={pins()['ansible-runner']}"
    assert dependencies["python"] == "requirements.lock"
    assert dependencies["python_interpreter"]["python_path"].endswith("python3.11")  # pyproject: >=3.11


def test_ansible_builder_writes_a_context_with_our_requirements_and_package(tmp_path: Path) -> None:
    context = tmp_path / "context"
    created = subprocess.run(
        [ANSIBLE_BUILDER, "create", "-f", str(DEFINITION), "-c", str(context), "--output-filename", "Containerfile"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    build = context / "_build"
    assert (build / "requirements.txt").read_text().split() == (REPO / "requirements.lock").read_text().split()
    assert (build / "bindep.txt").read_text().splitlines()[0] == "git-core [platform:rpm]"
    package = build / "extranet"
    assert (package / "pyproject.toml").read_bytes() == (REPO / "pyproject.toml").read_bytes()
    shipped = ("cli/__init__.py", "store/migrations/versions/0007_probe_vantage.py", "report/templates/connections.md")
    for part in shipped:
        assert (package / "scripts" / "extranet" / part).is_file(), part
    containerfile = (context / "Containerfile").read_text()
    core, runner = pins()["ansible-core"], pins()["ansible-runner"]
    assert f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={core} ansible-runner=={runner}"' in containerfile
    assert "--no-deps --no-build-isolation /opt/extranet && extranet --version" in containerfile
