"""EnvironmentChecksStack: the in-account half of the nodes-Ready and internal-service checks."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_containers.pipeline import (
    ChecksRunner,
    DeliveryPipelineStack,
    EnvironmentChecksStack,
    EnvironmentConfig,
)
from cdk_containers.pipeline.checks import (
    _DENIED_START_BUILD_OVERRIDES,
    NODE_READER_GROUP,
)
from cdk_containers.testing import SynthResult
from tests.conftest import make_app
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
    (statement,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
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


@pytest.fixture(scope="module")
def staging_checks_json(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> dict[str, Any]:
    checks = delivery_pipeline.stages["staging"].checks
    assert checks is not None
    return stage_template_json(delivery_synth, checks)


def _project(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (lid, p["Properties"])
        for lid, p in resources_of_type(template, "AWS::CodeBuild::Project").items()
        if p["Properties"]["Name"] == name
    ]
    return found


def test_the_express_service_check_runs_in_the_private_subnets_and_may_only_reach_the_vpc(
    staging_checks_json: dict[str, Any],
) -> None:
    _, project = _project(staging_checks_json, "cdkc-staging-service-healthy")
    subnets = project["VpcConfig"]["Subnets"]
    assert [s["Fn::GetStackOutput"]["StackName"] for s in subnets] == ["cdkc-staging-network"] * 3
    assert all("PrivateSubnet" in s["Fn::GetStackOutput"]["OutputName"] for s in subnets)
    (group_ref,) = project["VpcConfig"]["SecurityGroupIds"]
    group = staging_checks_json["Resources"][group_ref["Fn::GetAtt"][0]]["Properties"]
    (egress,) = group["SecurityGroupEgress"]
    assert (egress["IpProtocol"], egress["FromPort"], egress["ToPort"]) == ("tcp", 443, 443)
    # The VPC's own CIDR, not the internet: the endpoint is the internal load balancer.
    assert "CidrBlock" in egress["CidrIp"]["Fn::GetStackOutput"]["OutputName"]


def test_the_express_service_check_requests_the_url_it_is_given_and_refuses_none(
    staging_checks_json: dict[str, Any],
) -> None:
    _, project = _project(staging_checks_json, "cdkc-staging-service-healthy")
    variables = {v["Name"]: v["Value"] for v in project["Environment"]["EnvironmentVariables"]}
    assert variables == {"SERVICE_URL": "", "HEALTH_CHECK_PATH": "/"}
    commands = json.loads(project["Source"]["BuildSpec"])["phases"]["build"]["commands"]
    assert commands[0].startswith('case "$SERVICE_URL" in https://?*) ;;')
    assert "exit 1" in commands[0]
    assert commands[1].startswith("curl --fail")
    assert '"${SERVICE_URL%/}${HEALTH_CHECK_PATH}"' in commands[1]


def test_the_invoker_may_start_exactly_the_nodes_and_the_service_checks(
    staging_checks_json: dict[str, Any],
) -> None:
    nodes, _ = _project(staging_checks_json, "cdkc-staging-nodes-ready")
    service, _ = _project(staging_checks_json, "cdkc-staging-service-healthy")
    invoker = next(
        lid
        for lid, r in resources_of_type(staging_checks_json, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "cdkc-staging-check-invoker"
    )
    (policy,) = [
        p
        for p in resources_of_type(staging_checks_json, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": invoker}]
    ]
    (statement,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert statement["Action"] == ["codebuild:BatchGetBuilds", "codebuild:StartBuild"]
    assert statement["Resource"] == [{"Fn::GetAtt": [nodes, "Arn"]}, {"Fn::GetAtt": [service, "Arn"]}]


def _invoker_statements(template: dict[str, Any], environment: str) -> list[dict[str, Any]]:
    invoker = next(
        lid
        for lid, r in resources_of_type(template, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == f"cdkc-{environment}-check-invoker"
    )
    (policy,) = [
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": invoker}]
    ]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _denied_by_key(statements: list[dict[str, Any]]) -> dict[str, tuple[str, Any]]:
    """Each Deny's one condition key, with its operator and its resources."""
    found: dict[str, tuple[str, Any]] = {}
    for statement in (s for s in statements if s["Effect"] == "Deny"):
        assert statement["Action"] == "codebuild:StartBuild"
        # one operator with one key a statement: keys within a condition are ANDed
        ((operator, keys),) = statement["Condition"].items()
        ((key, value),) = keys.items()
        assert key not in found, f"{key} denied twice"
        found[key] = (f"{operator}={value}", statement["Resource"])
    return found


#: The overrides that change what runs or with which identity; a Deny for each is required.
_MUST_DENY = {
    "codebuild:source.buildspec",
    "codebuild:source.location",
    "codebuild:secondarySources",
    "codebuild:environment.image",
    "codebuild:environment.type",
    "codebuild:environment.fleet.fleetArn",
    "codebuild:environment.privilegedMode",
    "codebuild:environment.certificate",
    "codebuild:environment.registryCredential",
    "codebuild:serviceRole",
}


def test_the_invoker_may_start_the_checks_only_as_they_are_defined(
    staging_checks_json: dict[str, Any],
) -> None:
    nodes, _ = _project(staging_checks_json, "cdkc-staging-nodes-ready")
    service, _ = _project(staging_checks_json, "cdkc-staging-service-healthy")
    both = [{"Fn::GetAtt": [nodes, "Arn"]}, {"Fn::GetAtt": [service, "Arn"]}]
    denied = _denied_by_key(_invoker_statements(staging_checks_json, "staging"))
    overrides = {key for key, _ in _DENIED_START_BUILD_OVERRIDES}
    assert overrides >= _MUST_DENY
    for key in overrides:
        assert denied[key] == ("Null=false", both), key
    # the nodes check takes no variable from the pipeline; the service check only SERVICE_URL,
    # and only an https:// one
    assert denied["codebuild:environment"] == ("Null=false", {"Fn::GetAtt": [nodes, "Arn"]})
    assert denied["codebuild:environment.environmentVariables"] == (
        "Null=false",
        {"Fn::GetAtt": [nodes, "Arn"]},
    )
    assert denied["codebuild:environment.environmentVariables.name"] == (
        "ForAnyValue:StringNotEquals=['SERVICE_URL']",
        {"Fn::GetAtt": [service, "Arn"]},
    )
    assert denied["codebuild:environment.environmentVariables/SERVICE_URL.value"] == (
        "StringNotLike=https://*",
        {"Fn::GetAtt": [service, "Arn"]},
    )
    assert set(denied) == overrides | {
        "codebuild:environment",
        "codebuild:environment.environmentVariables",
        "codebuild:environment.environmentVariables.name",
        "codebuild:environment.environmentVariables/SERVICE_URL.value",
    }


def test_without_a_service_check_no_variable_may_be_passed_at_all(checks_json: dict[str, Any]) -> None:
    (project_id,) = resources_of_type(checks_json, "AWS::CodeBuild::Project")
    denied = _denied_by_key(_invoker_statements(checks_json, "dev"))
    assert set(denied) == {key for key, _ in _DENIED_START_BUILD_OVERRIDES} | {
        "codebuild:environment",
        "codebuild:environment.environmentVariables",
    }
    assert all(resources == {"Fn::GetAtt": [project_id, "Arn"]} for _, resources in denied.values())
    assert all(condition == "Null=false" for condition, _ in denied.values())


def test_the_invoker_policy_fits_iam_s_inline_policy_limit(staging_checks_json: dict[str, Any]) -> None:
    # IAM counts a role's inline policies together, without whitespace, against 10,240 characters.
    document = json.dumps(
        {"Version": "2012-10-17", "Statement": _invoker_statements(staging_checks_json, "staging")},
        separators=(",", ":"),
    )
    arn = '"arn:aws-us-gov:codebuild:us-gov-west-1:222222222222:project/cdkc-staging-service-healthy"'
    resolved = re.sub(r'\{"Fn::GetAtt":\["[A-Za-z0-9]+","Arn"\]\}', arn, document)
    assert "Fn::" not in resolved
    assert len(resolved) < 10_240 * 0.8, len(resolved)


def test_a_checks_stack_without_a_check_is_refused() -> None:
    environment = EnvironmentConfig(
        name="dev",
        wave="dev",
        account="222222222222",
        region="eu-west-1",
        availability_zones=("eu-west-1a", "eu-west-1b"),
        cidr="10.10.0.0/16",
    )
    runner = ChecksRunner(account="111111111111", role_name="cdkc-pipeline-checks")
    with pytest.raises(
        ValueError,
        match=r"^EnvironmentChecksStack 'Checks': cluster=None is invalid: an EksCluster, or service_check",
    ):
        EnvironmentChecksStack(make_app(), "Checks", environment=environment, runner=runner)
    with pytest.raises(ValueError, match=r"vpc=None is invalid: the VPC the service check runs in"):
        EnvironmentChecksStack(
            make_app(), "Checks", environment=environment, runner=runner, service_check=True
        )
