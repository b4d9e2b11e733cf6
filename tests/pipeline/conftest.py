"""The delivery app, built from the committed pipeline.toml and synthesized once per session."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from cdk_containers.compliance import CompliancePack, enable_compliance
from cdk_containers.pipeline import DeliveryPipelineStack, build_delivery_app
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import REPO_ROOT, make_app


@functools.cache
def _delivery_app() -> DeliveryPipelineStack:
    app = make_app()
    stack = build_delivery_app(app, root=REPO_ROOT)
    # every pack: the compliance gates (test_gates.py) share this one synthesis
    enable_compliance(app, packs=list(CompliancePack))
    return stack


@pytest.fixture(scope="session")
def delivery_pipeline() -> DeliveryPipelineStack:
    """The pipeline stack exactly as pipeline_app.py builds it (constructed, not synthesized)."""
    return _delivery_app()


@pytest.fixture(scope="session")
def delivery_synth(delivery_pipeline: DeliveryPipelineStack) -> SynthResult:
    """The delivery app synthesized once per session, every compliance pack's findings collected."""
    app = delivery_pipeline.node.root
    return synthesize(app)  # type: ignore[arg-type]


def stage_template_json(synth: SynthResult, stack: Stack) -> dict[str, Any]:
    """The synthesized template of a stack inside a stage (a nested cloud assembly)."""
    del synth  # the session's synthesis wrote the file; asking for it keeps the order right
    stage_outdir = Path(str(stack.node.scope.outdir))  # type: ignore[union-attr]
    parsed: dict[str, Any] = json.loads((stage_outdir / stack.template_file).read_text(encoding="utf-8"))
    return parsed


def stage_template(synth: SynthResult, stack: Stack) -> Template:
    """`stage_template_json` as an `assertions.Template`."""
    return Template.from_json(stage_template_json(synth, stack))
