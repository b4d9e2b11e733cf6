"""The consumer path: install the built wheel outside the repository and use it as a user does.

One test walks the path a user takes, in order, with as few fresh processes as the path allows
(each one starts Python and the jsii bridge):

1. the wheel (built once per session by `conftest.py`) ships `py.typed` and the `pytest11`
   entry point, and nothing from `tests/`, `scripts/` or `docs/`;
2. a fresh virtual environment in a temporary folder gets the wheel with `--no-deps`; the
   dependencies (aws-cdk-lib, ...) are made visible through a `.pth` file pointing at a folder
   of links into this project's virtual environment, leaving out this project's own editable
   install, so the wheel's copy of `cdk_containers` is the only one there is;
3. one synthesis: the consumer app (`tests/consumer/project/app.py`) runs, and the same process
   reports which `cdk_containers` it imported (the wheel's, installed once);
4. one `mypy --strict` over the app and its tests, against the installed wheel;
5. one run of the consumer's own pytest, with `--snapshot-update`: it records a snapshot with
   the `cdk_snapshot` fixture (found through the entry point), then compares: the recorded
   snapshot matches the template and does not match a changed one.

No network is used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parent / "project"
#: Entries of this venv's site-packages that belong to the editable install of this project.
OWN_ENTRIES = ("cdk_containers", "__editable__", "_cdk_containers", "__editable___cdk_containers")
#: Runs the consumer's app.py after printing which cdk_containers it imports and how many are installed.
SYNTH_AND_LOCATE = """
import importlib.metadata as metadata, json, runpy, sys, cdk_containers
copies = [str(d.locate_file("")) for d in metadata.distributions() if d.name == "cdk-containers"]
print(json.dumps([cdk_containers.__file__, metadata.version("cdk-containers"), copies]), flush=True)
sys.argv = ["app.py"]
runpy.run_path("app.py", run_name="__main__")
"""
#: One resource type of each construct family that the consumer app must create.
EVERY_FAMILY = {
    "AWS::ECR::Repository",
    "AWS::EKS::Cluster",
    "AWS::EKS::Nodegroup",
    "AWS::EKS::FargateProfile",
    "AWS::EKS::Addon",
    "AWS::AppRunner::Service",
    "AWS::AppRunner::VpcConnector",
}


def run(args: list[str | Path], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def dependency_links(workdir: Path) -> Path:
    """A folder of links to this venv's site-packages, without this project's own install."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    links = workdir / "dependencies"
    links.mkdir()
    for entry in site_packages.iterdir():
        if entry.name.startswith(OWN_ENTRIES) or entry.suffix == ".pth":
            continue
        (links / entry.name).symlink_to(entry)
    return links


def fresh_venv(workdir: Path, wheel: Path) -> tuple[Path, dict[str, str]]:
    home = workdir / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(home)
    python = home / "bin" / "python"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    purelib = home / "lib" / version / "site-packages"
    assert purelib.is_dir(), f"no {purelib}"
    (purelib / "zz_dependencies.pth").write_text(f"{dependency_links(workdir)}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(home)
    pip_install = ["pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel]
    installed = run([sys.executable, "-m", *pip_install], cwd=workdir, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, env


def test_the_wheel_installs_outside_the_repo_and_a_consumer_app_synthesizes_type_checks_and_snapshots(
    tmp_path: Path, wheel: Path
) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "cdk_containers/py.typed" in names
        (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert (
            "[pytest11]\ncdk_containers = cdk_containers.testing.plugin"
            in archive.read(entry_points).decode()
        )
        assert not [n for n in names if n.startswith(("tests/", "scripts/", "docs/"))]

    python, env = fresh_venv(tmp_path, wheel)
    app_dir = tmp_path / "consumer"
    shutil.copytree(
        PROJECT, app_dir, ignore=shutil.ignore_patterns("__pycache__", "cdk.out", "__snapshots__")
    )

    outdir = tmp_path / "cdk.out"
    synth = run([python, "-c", SYNTH_AND_LOCATE], cwd=app_dir, env={**env, "CDK_OUTDIR": str(outdir)})
    assert synth.returncode == 0, synth.stdout + synth.stderr
    module_file, version, locations = json.loads(synth.stdout.splitlines()[0])
    assert Path(module_file).is_relative_to(tmp_path / "venv"), f"imported the wrong copy: {module_file}"
    assert version
    assert len(locations) == 1, f"cdk-containers installed {len(locations)} times: {locations}"
    template = json.loads((outdir / "Shop.template.json").read_text(encoding="utf-8"))
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert not EVERY_FAMILY - types, f"missing: {sorted(EVERY_FAMILY - types)}"

    mypy_cache = REPO_ROOT / ".mypy_cache" / "consumer"
    mypy_args = ["--strict", "--python-executable", python, "--cache-dir", mypy_cache, "--no-error-summary"]
    mypy = run([sys.executable, "-m", "mypy", *mypy_args, "app.py", "test_app.py"], cwd=app_dir, env=env)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr

    pytest_args = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--snapshot-update", "test_app.py"]
    tested = run(pytest_args, cwd=app_dir, env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "5 passed" in tested.stdout, tested.stdout
    assert "1 snapshot generated" in tested.stdout, tested.stdout
