"""ExpressServiceStack: an Express Mode service reaching a private Valkey cache through security groups."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from aws_cdk import Duration, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app
from cdk_containers.stacks import ExpressServiceStack
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import make_app
from tests.support import make_stack, make_vpc, resources_of_type

STACK = "ExpressServiceStack"
TYPE = "AWS::ECS::ExpressGatewayService"


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> dict[str, Any]:
    template: dict[str, Any] = example_synth.template_json(STACK)
    return template


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


def _one(template: dict[str, Any], type_: str) -> tuple[str, dict[str, Any]]:
    found = resources_of_type(template, type_)
    assert len(found) == 1, f"expected one {type_}: {sorted(found)}"
    return next(iter(found.items()))


def _output_of(value: Any) -> str:
    return str(value["Fn::GetStackOutput"]["OutputName"])


def test_express_service_stack_matches_its_snapshot(example_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert example_synth.template_json(STACK) == cdk_snapshot


def test_the_service_runs_in_the_network_stacks_private_subnets(template: dict[str, Any]) -> None:
    _, service = _one(template, TYPE)
    subnets = [_output_of(s) for s in service["Properties"]["NetworkConfiguration"]["Subnets"]]
    assert len(subnets) == 2
    assert all("PrivateSubnet" in s for s in subnets), subnets


def test_without_a_pushed_tag_the_service_runs_the_public_sample_image(template: dict[str, Any]) -> None:
    _, service = _one(template, TYPE)
    container = service["Properties"]["PrimaryContainer"]
    assert container["Image"] == "public.ecr.aws/aws-containers/hello-app-runner:latest"
    assert container["ContainerPort"] == 8000
    assert "ecr:" not in str(resources_of_type(template, "AWS::IAM::Policy"))


def test_with_a_pushed_tag_the_execution_role_pulls_only_the_api_repository(tagged: dict[str, Any]) -> None:
    _, service = _one(tagged, TYPE)
    image = service["Properties"]["PrimaryContainer"]["Image"]
    assert image["Fn::Join"][1][-1] == ":v1.0.0"
    assert "Fn::Split" not in str(image)
    pulls = [
        s
        for p in resources_of_type(tagged, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in s["Action"]
    ]
    assert len(pulls) == 1
    assert "RefApi" in _output_of(pulls[0]["Resource"]["Fn::Join"][1][-1])


def test_the_cache_admits_only_the_services_security_group_on_6379_and_6380(template: dict[str, Any]) -> None:
    _, cache = _one(template, "AWS::ElastiCache::ServerlessCache")
    [cache_sg] = [g["Fn::GetAtt"][0] for g in cache["Properties"]["SecurityGroupIds"]]
    _, service = _one(template, TYPE)
    [service_sg] = service["Properties"]["NetworkConfiguration"]["SecurityGroups"]
    rules = [
        r["Properties"]
        for r in resources_of_type(template, "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == {"Fn::GetAtt": [cache_sg, "GroupId"]}
    ]
    assert [(r["SourceSecurityGroupId"], r["FromPort"], r["ToPort"]) for r in rules] == [
        (service_sg, 6379, 6380)
    ]


def test_the_service_is_told_where_the_cache_is(template: dict[str, Any]) -> None:
    cache_id, _ = _one(template, "AWS::ElastiCache::ServerlessCache")
    _, service = _one(template, TYPE)
    environment = service["Properties"]["PrimaryContainer"]["Environment"]
    assert {"Name": "CACHE_HOST", "Value": {"Fn::GetAtt": [cache_id, "Endpoint.Address"]}} in environment
    assert {"Name": "CACHE_READER_PORT", "Value": "6380"} in environment
    assert {"Name": "CACHE_PORT", "Value": "6379"} in environment
    # ElastiCache Serverless takes TLS connections only: a client at its plain-text default fails
    assert {"Name": "CACHE_TLS", "Value": "true"} in environment
    assert {
        "Name": "CACHE_URL",
        "Value": {"Fn::Join": ["", ["rediss://", {"Fn::GetAtt": [cache_id, "Endpoint.Address"]}, ":6379"]]},
    } in environment


def test_the_stack_runs_no_lambda(template: dict[str, Any]) -> None:
    assert resources_of_type(template, "AWS::Lambda::Function") == {}


def test_the_outputs_are_the_service_url_and_the_cache_endpoint(template: dict[str, Any]) -> None:
    service_id, _ = _one(template, TYPE)
    outputs = template["Outputs"]
    assert outputs["ServiceUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": [service_id, "Endpoint"]}]]
    }
    assert "Fn::GetAtt" in outputs["CacheEndpoint"]["Value"]


def test_only_the_infrastructure_roles_managed_policy_is_acknowledged(example_synth: SynthResult) -> None:
    acks = sorted(
        (a.construct_path, a.rule)
        for a in example_synth.acknowledgements
        if a.construct_path.startswith(f"/{STACK}/")
    )
    inline = f"/{STACK}/Api/ExecutionRole/DefaultPolicy"
    assert acks == [
        # The compliance packs' IAMNoInlinePolicy, on the grant policy aws-cdk-lib writes.
        (inline, "Annotation::HIPAA.Security-IAMNoInlinePolicy"),
        (inline, "Annotation::NIST.800.53.R5-IAMNoInlinePolicy"),
        (inline, "Annotation::PCI.DSS.321-IAMNoInlinePolicy"),
        (
            f"/{STACK}/Api/InfrastructureRole",
            "Annotation::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "service-role/AmazonECSInfrastructureRoleforExpressGatewayServices]",
        ),
    ]


def test_the_stack_has_no_unacknowledged_finding_or_warning(example_synth: SynthResult) -> None:
    findings = [
        v
        for v in example_synth.violations
        if v.severity in ("error", "warning") and any(p.startswith(f"{STACK}/") for p in v.construct_paths)
    ]
    assert findings == []


def test_the_stack_shows_its_arguments_in_its_signature() -> None:
    parameters = inspect.signature(ExpressServiceStack).parameters
    assert {"vpc", "repository", "tag", "port", "snapshot_retention", "env", "stack_name"} <= set(parameters)
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in parameters.values())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"snapshot_retention": Duration.hours(36)},
            r"snapshot_retention='1.5 days' is invalid: 1 to 35 days",
        ),
        ({"tag": 1, "repository": None}, r"tag=1 is invalid: expected str, got an int"),
        ({"vpc": None}, r"vpc=None is invalid: a value is required \(ec2.IVpc\)"),
        ({"termination_protection": "yes"}, r"termination_protection='yes' is invalid: expected bool"),
    ],
)
def test_bad_stack_arguments_are_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    stack = make_stack("Net")
    kwargs.setdefault("vpc", make_vpc(stack))
    with pytest.raises(ValueError, match=r"(?s)ExpressServiceStack 'Web'.*" + message):
        ExpressServiceStack(stack.node.scope, "Web", **kwargs)  # type: ignore[arg-type]


def test_with_a_pushed_tag_the_stack_passes_cdk_nag_with_the_pull_token_acknowledged(
    tagged_synth: SynthResult,
) -> None:
    findings = [
        v for v in tagged_synth.violations if any(p.startswith(f"{STACK}/") for p in v.construct_paths)
    ]
    assert findings == []
    acks = {(a.construct_path, a.rule) for a in tagged_synth.acknowledgements}
    assert (f"/{STACK}/Api/ExecutionRole", "Annotation::AwsSolutions-IAM5[Resource::*]") in acks
