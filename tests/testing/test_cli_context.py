"""cli_context: the context the CDK CLI passes, for `python app.py` run directly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_containers.testing import cli_context


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CDK_CONTEXT_JSON", raising=False)
    monkeypatch.delenv("CDK_CONTEXT_FILE", raising=False)
    settings = {"app": "python app.py", "versionReporting": False, "context": {"@aws-cdk/flag": True}}
    (tmp_path / "cdk.json").write_text(json.dumps(settings), encoding="utf-8")
    return tmp_path


def test_it_carries_the_feature_flags_and_the_clis_own_settings(app_dir: Path) -> None:
    assert cli_context(app_dir / "cdk.json") == {
        "@aws-cdk/flag": True,
        "aws:cdk:enable-path-metadata": True,
        "aws:cdk:enable-asset-metadata": True,
        "aws:cdk:disable-version-reporting": True,
        "aws:cdk:bundling-stacks": ["**"],
    }


def test_cached_lookups_in_cdk_context_json_are_included(app_dir: Path) -> None:
    (app_dir / "cdk.context.json").write_text(json.dumps({"availability-zones:1:r": ["a"]}))
    assert cli_context(app_dir / "cdk.json")["availability-zones:1:r"] == ["a"]


@pytest.mark.parametrize("variable", ["CDK_CONTEXT_JSON", "CDK_CONTEXT_FILE"])
def test_it_is_empty_when_the_cli_started_the_app(
    app_dir: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "{}")
    assert cli_context(app_dir / "cdk.json") == {}
