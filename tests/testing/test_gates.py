"""The compliance harness itself: each gate must be able to fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_cdk import Acknowledgment, CfnWaitConditionHandle, Stack, Stage, Validations
from aws_cdk import aws_ec2 as ec2
from cdk_nag import AwsSolutionsChecks

from cdk_containers.testing import cfn_lint, synthesize
from tests.conftest import make_app


def _open_security_group_app(tmp_path: Path, *, acknowledge: bool):
    app = make_app(tmp_path)
    stack = Stack(app, "Open")
    vpc = ec2.Vpc.from_vpc_attributes(
        stack,
        "Vpc",
        vpc_id="vpc-12345678",
        availability_zones=["us-east-1a"],
        private_subnet_ids=["subnet-1"],
        private_subnet_route_table_ids=["rtb-1"],
    )
    group = ec2.SecurityGroup(stack, "Open", vpc=vpc)
    group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443))
    if acknowledge:
        Validations.of(group).acknowledge(
            Acknowledgment(
                id="AwsSolutions-EC23", reason="A public HTTPS listener in a test of the nag gate."
            )
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def test_nag_gate_reports_a_security_group_open_to_the_world(tmp_path: Path) -> None:
    result = synthesize(_open_security_group_app(tmp_path, acknowledge=False))
    rules = {(v.rule, v.construct_paths) for v in result.violations_of("AwsSolutions")}
    assert ("AwsSolutions-EC23", ("Open/Open/Resource",)) in rules


def test_an_acknowledged_finding_passes_the_gate_and_its_reason_is_recorded(tmp_path: Path) -> None:
    result = synthesize(_open_security_group_app(tmp_path, acknowledge=True))
    assert result.violations_of("AwsSolutions") == []
    assert [(a.construct_path, a.rule) for a in result.acknowledgements] == [
        ("/Open/Open", "Annotation::AwsSolutions-EC23")
    ]
    assert "test of the nag gate" in result.acknowledgements[0].reason


def test_acknowledgements_inside_a_stage_are_collected_too(tmp_path: Path) -> None:
    # A Stage's stacks live in a nested cloud assembly (CDK Pipelines deploys stages); their
    # acknowledgements must count, or a gate that tolerates a finding only where its rule is
    # acknowledged elsewhere would see none there.
    app = make_app(tmp_path)
    stage = Stage(app, "Dev")
    stack = Stack(stage, "Inner")
    topic = CfnWaitConditionHandle(stack, "Handle")
    Validations.of(topic).acknowledge(
        Acknowledgment(id="AwsSolutions-X1", reason="A test acknowledgement inside a stage of the app.")
    )
    result = synthesize(app)
    assert [(a.construct_path, a.rule) for a in result.acknowledgements] == [
        ("/Dev/Inner/Handle", "Annotation::AwsSolutions-X1")
    ]


def test_cfn_lint_gate_reports_an_error(tmp_path: Path) -> None:
    template = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"NotAProperty": True}}},
    }
    path = tmp_path / "bad.template.json"
    path.write_text(json.dumps(template))
    findings = cfn_lint(path)
    assert [f.rule for f in findings] == ["E3002"]
    assert findings[0].severity == "error"


def test_cfn_lint_refuses_to_ignore_a_rule_without_a_reason(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        cfn_lint(tmp_path / "any.json", ignore={"W3005": " "})
