"""AppRunnerStack: an App Runner service reaching a private Valkey cache through its connector."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aws_cdk import Duration, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app
from cdk_containers.stacks import AppRunnerStack
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import make_app
from tests.support import make_stack, make_vpc, resources_of_type

STACK = "AppRunnerStack"


@pytest.fixture(scope="module")
def resources(example_synth: SynthResult) -> dict[str, Any]:
    resources: dict[str, Any] = example_synth.template_json(STACK)["Resources"]
    return resources


@pytest.fixture(scope="module")
def tagged_synth(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The stack as the example app builds it when context names a pushed tag, cdk-nag on."""
    app = make_app(tmp_path_factory.mktemp("tagged"), api_tag="v1.0.0")
    build_example_app(app, only=[STACK])
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return synthesize(app)


@pytest.fixture(scope="module")
def tagged(tagged_synth: SynthResult) -> dict[str, Any]:
    template: dict[str, Any] = tagged_synth.template_json(STACK)
    return template


def _one(resources: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = resources_of_type({"Resources": resources}, type_)
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


def test_without_a_pushed_tag_the_service_runs_the_public_sample_image(resources: dict[str, Any]) -> None:
    # Issue 11 item 1: the old template pointed at cdk-containers/api:v1.0.0, which nobody pushed.
    _, service = _one(resources, "AWS::AppRunner::Service")
    image = service["Properties"]["SourceConfiguration"]["ImageRepository"]
    assert image["ImageRepositoryType"] == "ECR_PUBLIC"
    assert image["ImageIdentifier"] == "public.ecr.aws/aws-containers/hello-app-runner:latest"
    assert image["ImageConfiguration"]["Port"] == "8000"
    assert not [
        r
        for r in resources_of_type({"Resources": resources}, "AWS::IAM::Role").values()
        if "build.apprunner" in str(r)
    ]


def test_with_a_pushed_tag_the_access_role_pulls_only_the_api_repository(tagged: dict[str, Any]) -> None:
    resources = tagged["Resources"]
    access_role = next(
        k for k, v in resources_of_type(tagged, "AWS::IAM::Role").items() if "build.apprunner" in str(v)
    )
    policy = next(
        v
        for v in resources_of_type(tagged, "AWS::IAM::Policy").values()
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
    _, service = _one(resources, "AWS::AppRunner::Service")
    identifier = service["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
    assert "Fn::Split" not in str(identifier)
    assert identifier["Fn::Join"][1][-1] == ":v1.0.0"


def _cache_rules(resources: dict[str, Any]) -> tuple[Any, list[dict[str, Any]]]:
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    [cache_sg] = [g["Fn::GetAtt"][0] for g in cache["Properties"]["SecurityGroupIds"]]
    rules = [
        r["Properties"]
        for r in resources_of_type({"Resources": resources}, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [cache_sg, "GroupId"]}
    ]
    return cache_sg, rules


def test_the_cache_admits_only_the_connectors_security_group_on_6379_and_6380(
    resources: dict[str, Any],
) -> None:
    # Issue 11 item 9: the old template admitted 6379 only; serverless readers use 6380.
    cache_sg, rules = _cache_rules(resources)
    connector_sg = _one(resources, "AWS::AppRunner::VpcConnector")[1]["Properties"]["SecurityGroups"][0]
    assert "SecurityGroupIngress" not in resources[cache_sg]["Properties"]
    assert [(r["SourceSecurityGroupId"], r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules] == [
        (connector_sg, "tcp", 6379, 6380)
    ]


def test_the_cache_name_is_unique_per_stack_creation(resources: dict[str, Any]) -> None:
    # Issue 11 item 3: the old fixed name `apprunnerstack-cache` collided with the retained cache.
    _, cache = _one(resources, "AWS::ElastiCache::ServerlessCache")
    name = cache["Properties"]["ServerlessCacheName"]
    assert not isinstance(name, str)
    assert "'Ref': 'AWS::StackId'" in str(name)
    assert name["Fn::Join"][1][0] == "apprunnerstack"


def test_the_cache_sends_no_traffic_out(resources: dict[str, Any]) -> None:
    cache_sg, _ = _cache_rules(resources)
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
    cache_id, _ = _one(resources, "AWS::ElastiCache::ServerlessCache")
    _, service = _one(resources, "AWS::AppRunner::Service")
    variables = service["Properties"]["SourceConfiguration"]["ImageRepository"]["ImageConfiguration"][
        "RuntimeEnvironmentVariables"
    ]
    assert {"Name": "CACHE_PORT", "Value": "6379"} in variables
    assert {"Name": "CACHE_READER_PORT", "Value": "6380"} in variables
    assert {"Name": "CACHE_HOST", "Value": {"Fn::GetAtt": [cache_id, "Endpoint.Address"]}} in variables
    # ElastiCache Serverless takes TLS connections only: a client at its plain-text default fails
    assert {"Name": "CACHE_TLS", "Value": "true"} in variables
    assert {
        "Name": "CACHE_URL",
        "Value": {"Fn::Join": ["", ["rediss://", {"Fn::GetAtt": [cache_id, "Endpoint.Address"]}, ":6379"]]},
    } in variables


def test_the_outputs_are_what_an_operator_types_next(example_synth: SynthResult) -> None:
    outputs = example_synth.template_json(STACK)["Outputs"]
    assert outputs["ServiceUrl"]["Value"]["Fn::Join"][1][0] == "https://"
    assert "Fn::GetAtt" in outputs["CacheEndpoint"]["Value"]


def test_only_the_unscopable_iam_wildcard_and_one_annotation_are_acknowledged(
    example_synth: SynthResult,
) -> None:
    acks = sorted(
        (a.construct_path, a.rule)
        for a in example_synth.acknowledgements
        if a.construct_path.startswith(f"/{STACK}/")
    )
    inline = f"/{STACK}/Api/InstanceRole/DefaultPolicy"
    assert acks == [
        (f"/{STACK}/Api/ConnectorSecurityGroup", "Annotation::@aws-cdk/aws-ec2:ipv4IgnoreEgressRule"),
        (f"/{STACK}/Api/InstanceRole", "Annotation::AwsSolutions-IAM5[Resource::*]"),
        # The compliance packs' IAMNoInlinePolicy, on the grant policy aws-cdk-lib writes.
        (inline, "Annotation::HIPAA.Security-IAMNoInlinePolicy"),
        (inline, "Annotation::NIST.800.53.R5-IAMNoInlinePolicy"),
        (inline, "Annotation::PCI.DSS.321-IAMNoInlinePolicy"),
    ]


def test_the_stack_has_no_unacknowledged_finding_or_warning(example_synth: SynthResult) -> None:
    findings = [
        v
        for v in example_synth.violations
        if v.severity in ("error", "warning") and any(p.startswith(f"{STACK}/") for p in v.construct_paths)
    ]
    assert findings == []


def test_the_stack_shows_its_arguments_in_its_signature() -> None:
    parameters = inspect.signature(AppRunnerStack).parameters
    assert {
        "vpc",
        "repository",
        "tag",
        "port",
        "snapshot_retention",
        "env",
        "stack_name",
        "description",
    } <= set(parameters)
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters.values())


def _vpc_in_new_app() -> tuple[Any, Any]:
    stack = make_stack("Net")
    return stack.node.scope, make_vpc(stack)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"snapshot_retention": Duration.days(36)}, r"snapshot_retention='36 days' is invalid: 1 to 35 days"),
        ({"snapshot_retention": 7}, r"snapshot_retention=7 is invalid: expected Duration, got an int"),
        ({"tag": "v1"}, r"repository=None is invalid: a repository to pull the tag from"),
        (
            {"repository": "api", "tag": "v1"},
            r"repository='api' is invalid: an ecr.IRepository or a ContainerRepository",
        ),
        ({"vpc": "vpc-123"}, r"vpc='vpc-123' is invalid: expected ec2.IVpc, got a str"),
        ({"port": "80"}, r"port='80' is invalid: an integer from 1 to 65535, got a str"),
        ({"tags": ["team"]}, r"tags=\['team'\] is invalid: expected a mapping"),
    ],
)
def test_bad_stack_arguments_are_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    app, vpc = _vpc_in_new_app()
    kwargs.setdefault("vpc", vpc)
    with pytest.raises(ValueError, match=r"AppRunnerStack 'Apps': " + message):
        AppRunnerStack(app, "Apps", **kwargs)


def test_with_a_pushed_tag_the_stack_passes_cdk_nag_with_the_pull_token_acknowledged(
    tagged_synth: SynthResult,
) -> None:
    findings = [
        v for v in tagged_synth.violations if any(p.startswith(f"{STACK}/") for p in v.construct_paths)
    ]
    assert findings == []
    acks = {(a.construct_path, a.rule) for a in tagged_synth.acknowledgements}
    assert (f"/{STACK}/Api/AccessRole", "Annotation::AwsSolutions-IAM5[Resource::*]") in acks
