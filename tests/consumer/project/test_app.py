"""The user's own tests: the cdk_snapshot fixture comes from the installed cdk-containers.

`tests/consumer/test_consumer_path.py` runs this file once, with `--snapshot-update`: the
first test records the snapshot through the fixture, the last one compares templates with
what was recorded (the same template matches, a changed one does not). The app is built
and synthesized once for the whole module.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from app import ShopStack, build
from cdk_containers.testing import CdkTemplateSnapshotExtension, SynthResult, synthesize

SNAPSHOT = Path(__file__).parent / "__snapshots__" / "test_app" / "test_shop_stack_matches_its_snapshot.json"


@pytest.fixture(scope="module")
def shop() -> tuple[ShopStack, SynthResult]:
    app = App()
    stack = build(app)
    return stack, synthesize(app)


def test_shop_stack_matches_its_snapshot(shop: tuple[ShopStack, SynthResult], cdk_snapshot: Any) -> None:
    stack, _ = shop
    assert Template.from_stack(stack).to_json() == cdk_snapshot


def test_shop_stack_synthesizes_without_errors(shop: tuple[ShopStack, SynthResult]) -> None:
    _, result = shop
    assert result.violations_of("CloudFormation Validate") == []
    assert set(result.template_files) == {"Checkout", "Legacy", "Shop"}
    result.template("Checkout").resource_count_is("AWS::ECS::ExpressGatewayService", 1)


def test_the_imported_cluster_gets_our_node_group_and_storage_driver(
    shop: tuple[ShopStack, SynthResult],
) -> None:
    _, result = shop
    legacy = result.template("Legacy")
    legacy.has_resource_properties("AWS::EKS::Nodegroup", {"ClusterName": "legacy"})
    legacy.has_resource_properties(
        "AWS::EKS::Addon", {"AddonName": "aws-ebs-csi-driver", "ClusterName": "legacy"}
    )
    assert legacy.find_resources("AWS::EKS::Cluster") == {}


def test_our_repository_is_an_ecs_task_s_image(shop: tuple[ShopStack, SynthResult]) -> None:
    _, result = shop
    template = result.template("Shop")
    (repository_id,) = template.find_resources("AWS::ECR::Repository")
    task = next(iter(template.find_resources("AWS::ECS::TaskDefinition").values()))
    image = json.dumps(task["Properties"]["ContainerDefinitions"][0]["Image"])
    assert repository_id in image, image
    assert ":v1.2.3" in image, image


def test_the_recorded_snapshot_matches_the_template_and_not_a_changed_one(
    shop: tuple[ShopStack, SynthResult],
) -> None:
    _, result = shop
    recorded = SNAPSHOT.read_text(encoding="utf-8")
    assert "<cdk-bootstrap-version>" in recorded
    extension = CdkTemplateSnapshotExtension()
    template = result.template_json("Shop")
    assert extension.matches(serialized_data=extension.serialize(template), snapshot_data=recorded)
    changed = {**template, "Resources": {**template["Resources"], "Extra": {"Type": "AWS::SNS::Topic"}}}
    assert not extension.matches(serialized_data=extension.serialize(changed), snapshot_data=recorded)
