"""The pinned toolchain: what `make synth` runs must work offline and print no warnings.

The CLI tests start the CDK CLI and a second synthesis, so they are integration tests
(`make test` runs them, `make unit` does not).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
EOL_BANNER = "end-of-life"
FLAGS_WARNING = "feature flags are not configured"


def _pinned_env() -> dict[str, str]:
    """The environment the Makefile gives its commands: pinned Node first, no AWS credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{Path(REPO_ROOT, '.venv', 'bin')}{os.pathsep}{env['PATH']}"
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


def test_the_pinned_node_is_the_version_package_json_names() -> None:
    pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]["node"]
    version = subprocess.run(
        [NODE_BIN / "node", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert version == f"v{pinned}"
    assert int(pinned.split(".")[0]) >= 22, "jsii prints an end-of-life banner on Node.js 20"


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    outdir = tmp_path_factory.mktemp("cli-synth")
    result = subprocess.run(
        [NODE_BIN / "cdk", "synth", "--quiet", "--output", str(outdir)],
        cwd=REPO_ROOT,
        env=_pinned_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result, outdir


@pytest.fixture(scope="module")
def direct_synth(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`python app.py` run directly, as an IDE or a debugger runs it: no CLI, no CDK_CONTEXT_JSON."""
    outdir = tmp_path_factory.mktemp("direct-synth")
    result = subprocess.run(
        [REPO_ROOT / ".venv" / "bin" / "python", "app.py"],
        cwd=REPO_ROOT,
        env={**_pinned_env(), "CDK_OUTDIR": str(outdir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    return result, outdir


@pytest.mark.integration
def test_cdk_synth_runs_app_py_through_cdk_json_without_credentials(
    cli_synth: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, outdir = cli_synth
    assert result.returncode == 0, result.stdout + result.stderr
    assert (outdir / "RegistryStack.template.json").exists()
    assert (outdir / "EksClusterStack.template.json").exists()


@pytest.mark.integration
def test_cdk_synth_prints_neither_the_node_banner_nor_the_feature_flag_warning(
    cli_synth: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, _ = cli_synth
    output = (result.stdout + result.stderr).lower()
    assert EOL_BANNER not in output
    assert FLAGS_WARNING not in output


@pytest.mark.integration
def test_python_app_py_and_cdk_synth_write_byte_identical_templates(
    cli_synth: tuple[subprocess.CompletedProcess[str], Path],
    direct_synth: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    (cli, cli_out), (direct, direct_out) = cli_synth, direct_synth
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert direct.returncode == 0, direct.stdout + direct.stderr
    cli_templates = sorted(p.name for p in cli_out.glob("*.template.json"))
    assert cli_templates == sorted(p.name for p in direct_out.glob("*.template.json"))
    assert len(cli_templates) >= 4
    different = [
        name for name in cli_templates if (cli_out / name).read_bytes() != (direct_out / name).read_bytes()
    ]
    assert different == []
