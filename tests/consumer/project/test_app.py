"""The user's own tests: the cdk_snapshot fixture comes from the installed cdk-containers."""

from __future__ import annotations

from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from app import build
from cdk_containers.testing import synthesize


def test_shop_stack_matches_its_snapshot(cdk_snapshot: Any) -> None:
    app = App()
    stack = build(app)
    assert Template.from_stack(stack).to_json() == cdk_snapshot


def test_shop_stack_synthesizes_without_errors() -> None:
    app = App()
    build(app)
    result = synthesize(app)
    assert result.violations_of("CloudFormation Validate") == []
    assert set(result.template_files) == {"Shop"}
