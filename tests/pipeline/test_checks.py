"""EnvironmentChecksStack: the in-account half of the nodes-Ready check."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_containers.pipeline import DeliveryPipelineStack
from cdk_containers.pipeline.checks import NODE_READER_GROUP
from cdk_containers.testing import SynthResult
from tests.pipeline.conftest import stage_template, stage_template_json
from tests.support import resources_of_type


@pytest.fixture(scope="module")
def checks_json(delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult) -> dict[str, Any]:
    checks = delivery_pipeline.stages["dev"].checks
    assert checks is not None
    return stage_template_json(delivery_synth, checks)


@pytest.fixture(scope="module")
def checks(checks_json: dict[str, Any]) -> Template:
    return Template.from_json(checks_json)


def test_dev_checks_stack_matches_its_snapshot(checks_json: dict[str, Any], cdk_snapshot: Any) -> None:
    assert checks_json == cdk_snapshot


def test_the_check_project_runs_inside_the_vpc_s_private_subnets(checks: Template) -> None:
    checks.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Name": "cdkc-dev-nodes-ready",
            "VpcConfig": {
                "Subnets": Match.any_value(),
                "SecurityGroupIds": Match.any_value(),
                "VpcId": Match.any_value(),
            },
            "EncryptionKey": Match.any_value(),
        },
    )


def test_the_check_may_only_speak_https_and_reaches_the_private_endpoint(checks_json: dict[str, Any]) -> None:
    (group,) = resources_of_type(checks_json, "AWS::EC2::SecurityGroup").values()
    egress = [
        (e["IpProtocol"], e["FromPort"], e["ToPort"], e["CidrIp"])
        for e in group["Properties"]["SecurityGroupEgress"]
    ]
    assert egress == [("tcp", 443, 443, "0.0.0.0/0")]
    (ingress,) = resources_of_type(checks_json, "AWS::EC2::SecurityGroupIngress").values()
    assert (ingress["Properties"]["FromPort"], ingress["Properties"]["ToPort"]) == (443, 443)
    assert "SourceSecurityGroupId" in ingress["Properties"]


def test_the_check_role_is_a_node_reader_in_kubernetes_and_nothing_more(checks: Template) -> None:
    checks.has_resource_properties(
        "AWS::EKS::AccessEntry", {"KubernetesGroups": [NODE_READER_GROUP], "Type": "STANDARD"}
    )
    entries = checks.find_resources("AWS::EKS::AccessEntry")
    assert all("AccessPolicies" not in e["Properties"] for e in entries.values())


def test_the_node_reader_group_may_only_read_nodes(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    cluster = delivery_pipeline.stages["dev"].eks_cluster
    assert cluster is not None
    applied = stage_template(delivery_synth, cluster).find_resources(
        "Custom::AWSCDK-EKS-KubernetesResource",
        {"Properties": {"Manifest": Match.string_like_regexp("cdk-containers-node-reader")}},
    )
    assert len(applied) == 1
    manifests = json.loads(next(iter(applied.values()))["Properties"]["Manifest"])
    role = next(m for m in manifests if m["kind"] == "ClusterRole")
    binding = next(m for m in manifests if m["kind"] == "ClusterRoleBinding")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]}]
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": NODE_READER_GROUP}
    ]


def test_only_the_pipeline_s_checks_role_may_assume_the_invoker(checks: Template) -> None:
    checks.has_resource_properties(
        "AWS::IAM::Role",
        {
            "RoleName": "cdkc-dev-check-invoker",
            "AssumeRolePolicyDocument": {
                "Statement": [
                    Match.object_like(
                        {
                            "Condition": {
                                "ArnEquals": {
                                    "aws:PrincipalArn": "arn:aws:iam::111111111111:role/cdkc-pipeline-checks"
                                }
                            },
                            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                        }
                    )
                ]
            },
        },
    )


def test_the_invoker_may_only_start_and_read_the_one_check_project(checks_json: dict[str, Any]) -> None:
    invoker = next(
        lid
        for lid, r in resources_of_type(checks_json, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "cdkc-dev-check-invoker"
    )
    (policy,) = [
        p
        for p in resources_of_type(checks_json, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": invoker}]
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == ["codebuild:BatchGetBuilds", "codebuild:StartBuild"]
    (project_id,) = resources_of_type(checks_json, "AWS::CodeBuild::Project")
    assert statement["Resource"] == {"Fn::GetAtt": [project_id, "Arn"]}


def test_the_check_waits_for_ready_nodes_with_a_checksum_verified_kubectl(
    checks_json: dict[str, Any],
) -> None:
    (project,) = resources_of_type(checks_json, "AWS::CodeBuild::Project").values()
    spec = project["Properties"]["Source"]["BuildSpec"]
    assert "sha256sum --check" in spec
    assert "kubectl wait --for=condition=Ready nodes --all" in spec
    assert 'test \\"$ready\\" -ge \\"$MIN_READY_NODES\\"' in spec
    variables = {v["Name"]: v["Value"] for v in project["Properties"]["Environment"]["EnvironmentVariables"]}
    assert variables["MIN_READY_NODES"] == "1"
