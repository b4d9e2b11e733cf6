"""The built wheel, shared by the consumer-path tests (built once per session).

The consumer project is a user's app with its own tests; it runs in its own venv, not here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

collect_ignore = ["project"]


def build_wheel(workdir: Path) -> Path:
    """The wheel of this repository, built offline from a copy of the sources (no shared build/)."""
    source = workdir / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / "cdk_containers", source / "cdk_containers", ignore=shutil.ignore_patterns("__pycache__")
    )
    dist = workdir / "dist"
    pip_wheel = [
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--disable-pip-version-check",
        "--quiet",
    ]
    result = subprocess.run(
        [sys.executable, "-m", *pip_wheel, "--wheel-dir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = dist.glob("cdk_containers-*.whl")
    return wheel


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))
