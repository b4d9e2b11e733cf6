"""AppRunnerStack: an App Runner service reaching a private Valkey cache through its connector."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk.assertions import Template

from cdk_containers.stacks import AppRunnerStack, NetworkStack
from cdk_containers.testing import SynthResult
from tests.conftest import make_app

STACK = "AppRunnerStack"


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> Template:
    return example_synth.template(STACK)


@pytest.fixture(scope="module")
def resources(example_synth: SynthResult) -> dict[str, Any]:
    resources: dict[str, Any] = example_synth.template_json(STACK)["Resources"]
    return resources


def _of_type(resources: dict[str, Any], type_: str) -> dict[str, Any]:
    return {k: v for k, v in resources.items() if v["Type"] == type_}


def _one(resources: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = _of_type(resources, type_)
    assert len(found) == 1, f"expected one {type_}: {sorted(found)}"
    return next(iter(found.items()))


def _output_of(value: Any) -> str:
    """The output name a cross-stack reference reads."""
    return str(value["Fn::GetStackOutput"]["OutputName"])


def test_app_runner_stack_matches_its_snapshot(example_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert example_synth.template_json(STACK) == cdk_snapshot


def test_the_connector_uses_the_network_stacks_private_subnets(resources: dict[str, Any]) -> None:
    _, connector = _one(resources, "AWS::AppRunner::VpcConnector")
    outputs = sorted(_output_of(s) for s in connector["Properties"]["Subnets"])
    assert len(outputs) == 2
    assert all("PrivateSubnet" in o for o in outputs), outputs


def test_the_access_role_pulls_only_the_api_repository(resources: dict[str, Any]) -> None:
    access_role = next(
        k for k, v in _of_type(resources, "AWS::IAM::Role").items() if "build.apprunner" in str(v)
    )
    policy = next(
        v
        for v in _of_type(resources, "AWS::IAM::Policy").values()
        if {"Ref": access_role} in v["Properties"]["Roles"]
    )
    scoped = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] != "ecr:GetAuthorizationToken"
    ]
    assert len(scoped) == 1
    arn_parts = scoped[0]["Resource"]["Fn::Join"][1]
    assert arn_parts[-2] == ":repository/"
    assert "RefApi" in _output_of(arn_parts[-1])  # RegistryStack's Api repository, not Worker


def test_the_image_uri_is_built_without_splitting_a_cross_stack_output(resources: dict[str, Any]) -> None:
    _, service = _one(resources, "AWS::AppRunner::Service")
    identifier = service["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
    assert "Fn::Split" not in str(identifier)
    assert identifier["Fn::Join"][1][-1] == ":v1.0.0"


def test_the_cache_admits_only_the_connectors_security_group_on_6379(resources: dict[str, Any]) -> None:
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    [cache_sg] = [g["Fn::GetAtt"][0] for g in cache["Properties"]["SecurityGroupIds"]]
    connector_sg = _one(resources, "AWS::AppRunner::VpcConnector")[1]["Properties"]["SecurityGroups"][0]
    assert "SecurityGroupIngress" not in resources[cache_sg]["Properties"]
    rules = [
        r["Properties"]
        for r in _of_type(resources, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [cache_sg, "GroupId"]}
    ]
    assert len(rules) == 1
    rule = rules[0]
    assert rule["SourceSecurityGroupId"] == connector_sg
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 6379, 6379)


def test_the_cache_sends_no_traffic_out(resources: dict[str, Any]) -> None:
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    cache_sg = cache["Properties"]["SecurityGroupIds"][0]["Fn::GetAtt"][0]
    [egress] = resources[cache_sg]["Properties"]["SecurityGroupEgress"]
    assert egress["CidrIp"] == "255.255.255.255/32"  # CDK's "no egress" placeholder


def test_the_cache_is_encrypted_with_a_rotating_key_and_both_are_retained(resources: dict[str, Any]) -> None:
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    key_id, key = _one(resources, "AWS::KMS::Key")
    assert cache["Properties"]["KmsKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    for resource in (cache, key):
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert cache["Properties"]["SnapshotRetentionLimit"] == 7
    assert cache["Properties"]["Engine"] == "valkey"


def test_the_cache_lives_in_the_private_subnets(resources: dict[str, Any]) -> None:
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    assert all("PrivateSubnet" in _output_of(s) for s in cache["Properties"]["SubnetIds"])


def test_the_service_is_told_where_the_cache_is(resources: dict[str, Any]) -> None:
    _, service = _one(resources, "AWS::AppRunner::Service")
    variables = service["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"][
        "RuntimeEnvironmentVariables"
    ]
    assert {"Name": "CACHE_PORT", "Value": "6379"} in variables
    assert {"Name": "CACHE_HOST", "Value": {"Fn::GetAtt": ["Cache", "Endpoint.Address"]}} in variables


def test_the_service_url_is_an_output(example_synth: SynthResult) -> None:
    outputs = example_synth.template_json(STACK)["Outputs"]
    assert "ServiceUrl" in outputs
    assert "CacheEndpoint" in outputs


def test_only_the_two_unscopable_iam_wildcards_and_one_annotation_are_acknowledged(
    example_synth: SynthResult,
) -> None:
    acks = sorted(
        (a.construct_path, a.rule)
        for a in example_synth.acknowledgements
        if a.construct_path.startswith(f"/{STACK}/")
    )
    assert acks == [
        (f"/{STACK}/Api/AccessRole", "Annotation::AwsSolutions-IAM5[Resource::*]"),
        (f"/{STACK}/Api/ConnectorSecurityGroup", "Annotation::@aws-cdk/aws-ec2:ipv4IgnoreEgressRule"),
        (f"/{STACK}/Api/InstanceRole", "Annotation::AwsSolutions-IAM5[Resource::*]"),
    ]


def test_the_stack_has_no_unacknowledged_finding_or_warning(example_synth: SynthResult) -> None:
    findings = [
        v
        for v in example_synth.violations
        if v.severity in ("error", "warning") and any(p.startswith(f"{STACK}/") for p in v.construct_paths)
    ]
    assert findings == []


def test_snapshot_days_outside_1_to_35_are_refused() -> None:
    app = make_app()
    network = NetworkStack(app, "Net")
    repository = ecr.Repository.from_repository_name(network, "Repo", "api")
    with pytest.raises(
        ValueError, match=r"AppRunnerStack 'Apps': snapshot_days=36 is invalid: an integer from 1 to 35"
    ):
        AppRunnerStack(app, "Apps", vpc=network.vpc, repository=repository, snapshot_days=36)
