"""checkov over every example template: no failed check, every skip with its reason.

checkov runs from its own virtual environment (`make setup-checkov`, pinned by
constraints/checkov.txt), offline: `BC_SKIP_MAPPING=TRUE` and `--skip-download`. Each check
that does not apply is skipped in the resource's `Metadata.checkov.skip` with a reason
(`cdk_containers.compliance.skip_checkov`), so the reason travels with the template.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cdk_containers.testing import SynthResult
from tests.conftest import REPO_ROOT
from tests.stacks.test_compliance import MIN_REASON_LENGTH

pytestmark = pytest.mark.integration

CHECKOV = Path(os.environ.get("CHECKOV", REPO_ROOT / ".venv-checkov" / "bin" / "checkov"))


def run_checkov(directory: Path) -> dict[str, Any]:
    """checkov's JSON report of the CloudFormation templates in `directory`."""
    if not CHECKOV.exists():
        pytest.fail(f"checkov is not installed at {CHECKOV}: run `make setup-checkov` (make test does)")
    arguments = ["--directory", str(directory), "--framework", "cloudformation", "--output", "json"]
    run = subprocess.run(
        [str(CHECKOV), *arguments, "--skip-download"],
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode in (0, 1), run.stderr[-2000:]
    report = json.loads(run.stdout)
    # One framework: a single report object (a list only when several frameworks ran).
    result: dict[str, Any] = report[0] if isinstance(report, list) else report
    return result


@pytest.fixture(scope="module")
def report(example_synth: SynthResult, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    # The templates only: the assets beside them are not CloudFormation.
    directory = tmp_path_factory.mktemp("checkov")
    for path in example_synth.template_files.values():
        shutil.copy(path, directory / path.name)
    return run_checkov(directory)


def test_checkov_fails_no_check_of_any_example_template(report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert report["summary"]["resource_count"] > 100
    assert failed == [], "\n".join(failed)


def test_every_checkov_skip_gives_a_real_reason(report: dict[str, Any]) -> None:
    skipped = report["results"]["skipped_checks"]
    assert skipped, "nothing is skipped: is Metadata.checkov.skip still read?"
    weak = [
        (c["check_id"], c["resource"])
        for c in skipped
        if len((c.get("check_result") or {}).get("suppress_comment", "").strip()) < MIN_REASON_LENGTH
    ]
    assert weak == []


def test_checkov_fails_an_unencrypted_log_group(tmp_path: Path) -> None:
    # The gate can fail: a log group without a key fails CKV_AWS_158 here.
    group = {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 365}}
    template = {"Resources": {"Logs": group}}
    (tmp_path / "Open.template.json").write_text(json.dumps(template), encoding="utf-8")
    failed = {c["check_id"] for c in run_checkov(tmp_path)["results"]["failed_checks"]}
    assert "CKV_AWS_158" in failed
