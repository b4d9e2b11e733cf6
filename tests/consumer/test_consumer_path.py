"""The consumer path: build the wheel, install it outside the repository, use it.

One test walks the path a user takes, in order, so each step reuses the last:

1. build the wheel from a copy of the sources (no shared ``build/`` folder);
2. check it ships ``py.typed`` and the ``pytest11`` entry point;
3. make a fresh virtual environment in a temporary folder and install the wheel
   with ``--no-deps``; the dependencies (aws-cdk-lib, ...) are made visible
   through a ``.pth`` file pointing at a folder of links into this project's
   virtual environment, leaving out this project's own editable install, so
   the wheel's copy of ``cdk_containers`` is the only one there is (checked);
4. synthesize the consumer app (``tests/consumer/project/app.py``);
5. run ``mypy --strict`` on it, against the installed wheel;
6. run the consumer's own pytest: record a snapshot with ``cdk_snapshot``,
   pass against it, and fail once the snapshot is tampered with.

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

from tests.conftest import REPO_ROOT

PROJECT = Path(__file__).resolve().parent / "project"
#: Entries of this venv's site-packages that belong to the editable install of this project.
OWN_ENTRIES = ("cdk_containers", "__editable__", "_cdk_containers", "__editable___cdk_containers")
#: Printed by the fresh venv's Python: which cdk_containers it imports, and how many are installed.
WHERE_IS_CDK_CONTAINERS = """
import importlib.metadata as metadata, json, cdk_containers
copies = [str(d.locate_file("")) for d in metadata.distributions() if d.name == "cdk-containers"]
print(json.dumps([cdk_containers.__file__, metadata.version("cdk-containers"), copies]))
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


def build_wheel(workdir: Path) -> Path:
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
    purelib_code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = run([python, "-c", purelib_code], cwd=workdir, env=dict(os.environ)).stdout.strip()
    Path(purelib, "zz_dependencies.pth").write_text(f"{dependency_links(workdir)}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(home)
    pip_install = ["pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel]
    installed = run([sys.executable, "-m", *pip_install], cwd=workdir, env=env)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python, env


def test_the_wheel_installs_outside_the_repo_and_a_consumer_app_synthesizes_type_checks_and_snapshots(
    tmp_path: Path,
) -> None:
    wheel = build_wheel(tmp_path)
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

    where = run([python, "-c", WHERE_IS_CDK_CONTAINERS], cwd=app_dir, env=env)
    assert where.returncode == 0, where.stderr
    module_file, version, locations = json.loads(where.stdout)
    assert Path(module_file).is_relative_to(tmp_path / "venv"), f"imported the wrong copy: {module_file}"
    assert version
    assert len(locations) == 1, f"cdk-containers installed {len(locations)} times: {locations}"

    synth = run([python, "app.py"], cwd=app_dir, env={**env, "CDK_OUTDIR": str(tmp_path / "cdk.out")})
    assert synth.returncode == 0, synth.stdout + synth.stderr
    template = json.loads((tmp_path / "cdk.out" / "Shop.template.json").read_text(encoding="utf-8"))
    types = {resource["Type"] for resource in template["Resources"].values()}
    assert not EVERY_FAMILY - types, f"missing: {sorted(EVERY_FAMILY - types)}"

    mypy_cache = REPO_ROOT / ".mypy_cache" / "consumer"
    mypy_args = ["--strict", "--python-executable", python, "--cache-dir", mypy_cache, "--no-error-summary"]
    mypy = run([sys.executable, "-m", "mypy", *mypy_args, "app.py", "test_app.py"], cwd=app_dir, env=env)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr

    pytest_args = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"]
    recorded = run([*pytest_args, "-k", "snapshot", "--snapshot-update"], cwd=app_dir, env=env)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    (snapshot,) = (app_dir / "__snapshots__").rglob("test_shop_stack_matches_its_snapshot.json")
    assert "<cdk-bootstrap-version>" in snapshot.read_text(encoding="utf-8")
    passed = run(pytest_args, cwd=app_dir, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    snapshot.write_text(
        snapshot.read_text(encoding="utf-8").replace("shop/web", "shop/tampered"), encoding="utf-8"
    )
    tampered = run([*pytest_args, "-k", "snapshot"], cwd=app_dir, env=env)
    assert tampered.returncode == 1, tampered.stdout + tampered.stderr
    assert "test_shop_stack_matches_its_snapshot" in tampered.stdout
