"""The delivery pipeline's picture: generated from the synthesized pipeline, committed, embedded.

Its legibility at the docs' width is checked with every other committed picture in
tests/docs/test_diagram_layout.py.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cdk_containers.pipeline import DeliveryPipelineStack
from cdk_containers.testing import SynthResult
from scripts.diagram_model import Model
from scripts.diagram_pipeline import PIPELINE, build_pipeline_model
from scripts.docs_gen import DIAGRAMS, REPO_ROOT, pipeline_files, recorded_pictures, sha256

HOW_TO_FIX = "run `make docs` (or `python -m scripts.docs_gen`) and commit what it writes"


@pytest.fixture(scope="module")
def template_json(delivery_synth: SynthResult) -> dict[str, Any]:
    return delivery_synth.template_json("DeliveryPipeline")


@pytest.fixture(scope="module")
def model(template_json: dict[str, Any], delivery_pipeline: DeliveryPipelineStack) -> Model:
    return build_pipeline_model(
        template_json, account=str(delivery_pipeline.account), region=str(delivery_pipeline.region)
    )


def _frames(model: Model, parent: str | None = None) -> list[str]:
    return [g.label for g in sorted(model.groups) if g.parent == parent]


def _node(model: Model, frame_label: str, title: str) -> Any:
    (group,) = [g.id for g in model.groups if g.label == frame_label]
    (node,) = [n for n in model.nodes if n.group == group and n.title == title]
    return node


def test_the_committed_picture_source_is_the_synthesized_pipeline(
    template_json: dict[str, Any], delivery_pipeline: DeliveryPipelineStack
) -> None:
    files = pipeline_files(
        template_json, account=str(delivery_pipeline.account), region=str(delivery_pipeline.region)
    )
    source = DIAGRAMS / f"{PIPELINE}.dot"
    assert list(files) == [source]
    assert source.is_file(), HOW_TO_FIX
    assert source.read_text(encoding="utf-8") == files[source], f"out of date: {source.name}; {HOW_TO_FIX}"
    entry = recorded_pictures().get(PIPELINE, {})
    picture = DIAGRAMS / f"{PIPELINE}.png"
    assert picture.is_file(), HOW_TO_FIX
    assert entry.get("picture") == sha256(picture.read_bytes()), (
        f"not the picture make docs drew; {HOW_TO_FIX}"
    )
    assert entry.get("source") == sha256(files[source].encode("utf-8")), (
        f"drawn from another source; {HOW_TO_FIX}"
    )


def test_the_guide_shows_the_picture() -> None:
    assert f"](diagrams/{PIPELINE}.png)" in (REPO_ROOT / "docs" / "pipeline.md").read_text(encoding="utf-8")


def test_the_frames_are_the_tooling_account_then_each_wave_in_delivery_order(model: Model) -> None:
    assert _frames(model) == [
        "Tooling account 111111111111, eu-west-1",
        "cdkc-dev: 222222222222, eu-west-1",
        "cdkc-staging: 333333333333, eu-west-1",
        "Wave prod: 2 environments in parallel",
    ]
    (prod,) = [g.id for g in model.groups if g.label.startswith("Wave prod")]
    assert _frames(model, prod) == [
        "cdkc-prod-eu: 444444444444, eu-west-1",
        "cdkc-prod-us: 444444444444, us-east-1",
    ]


def test_the_tooling_boxes_come_from_the_source_synth_and_self_mutation_actions(model: Model) -> None:
    tooling = "Tooling account 111111111111, eu-west-1"
    assert _node(model, tooling, "Source").facts == (
        "CodeConnections",
        "example-org/cdk-containers",
        "branch main",
    )
    assert _node(model, tooling, "Build: Synth").facts == ("make setup", "make synth-pipeline")
    assert _node(model, tooling, "UpdatePipeline: SelfMutate").facts[-1] == "cdk deploy DeliveryPipeline"


def test_each_environment_deploys_its_stacks_in_run_order_then_checks(model: Model) -> None:
    staging = "cdkc-staging: 333333333333, eu-west-1"
    deploy = _node(model, staging, "Deploy 5 stacks")
    assert deploy.facts == ("network, registry", "then ekscluster, expressservice", "then checks")
    checks = [_node(model, staging, "Nodes Ready"), _node(model, staging, "Service Healthy")]
    arrows = {(e.source, e.target) for e in model.edges}
    assert all((deploy.id, check.id) in arrows for check in checks)


def test_a_check_says_where_it_runs(model: Model) -> None:
    dev = _node(model, "cdkc-dev: 222222222222, eu-west-1", "Service Healthy")
    express = _node(model, "cdkc-prod-us: 444444444444, us-east-1", "Service Healthy")
    assert dev.facts == ("of the ServiceUrl output", "runs in the tooling account")
    assert express.facts == ("of the ServiceUrl output", "runs inside the VPC")


def test_the_approval_opens_the_prod_wave_and_leads_to_both_regions(model: Model) -> None:
    (approval,) = [n for n in model.nodes if n.kind == "pipeline_approval"]
    assert approval.facts == ("PromoteTo-prod",)
    targets = sorted(e.target for e in model.edges if e.source == approval.id)
    assert targets == [
        n.id for n in sorted(model.nodes) if n.kind == "pipeline_deploy" and n.group and "prod" in n.group
    ]
    incoming = [e for e in model.edges if e.target == approval.id]
    assert [e.label for e in incoming] == ["all checks passed"]


def test_the_picture_follows_the_template_not_a_drawing(
    template_json: dict[str, Any], delivery_pipeline: DeliveryPipelineStack
) -> None:
    changed = copy.deepcopy(template_json)
    (pipeline,) = [r for r in changed["Resources"].values() if r["Type"] == "AWS::CodePipeline::Pipeline"]
    pipeline["Properties"]["Stages"] = [s for s in pipeline["Properties"]["Stages"] if s["Name"] != "prod"]
    model = build_pipeline_model(changed, account="111111111111", region="eu-west-1")
    assert not any(g.label.startswith("Wave prod") for g in model.groups)
    assert not any(n.kind == "pipeline_approval" for n in model.nodes)
    del changed["Resources"][next(k for k, r in changed["Resources"].items() if r is pipeline)]
    with pytest.raises(ValueError, match="expected one AWS::CodePipeline::Pipeline in the template, found 0"):
        build_pipeline_model(changed, account="111111111111", region="eu-west-1")
