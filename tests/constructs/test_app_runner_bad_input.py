"""AppRunnerService refuses bad input with our clear error, one class at a time (issue 14)."""

from __future__ import annotations

from typing import Any

import aws_cdk.aws_apprunner_alpha as apprunner
import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from cdk_containers.constructs import AppRunnerAutoScaling, AppRunnerService
from tests.support import make_stack


def _build(stack: Stack, **kwargs: Any) -> AppRunnerService:
    if "repository" not in kwargs and "public_image" not in kwargs:
        kwargs["repository"] = ecr.Repository.from_repository_name(stack, "Repo", "api")
    return AppRunnerService(stack, "Svc", **kwargs)


# 1. A wrong type where a value, collection or object is expected.
WRONG_TYPES = [
    ({"environment": {"PORT": 8080}}, r"environment\['PORT'\]=8080 is invalid: expected str, got an int"),
    (
        {"environment": ["PORT=8080"]},
        r"environment=\['PORT=8080'\] is invalid: expected a mapping of str to str",
    ),
    (
        {"secrets": {"DB": "arn:aws:secretsmanager:::secret:db"}},
        r"secrets\['DB'\]=.* is invalid: expected Secret, got a str",
    ),
    ({"port": "8080"}, r"port='8080' is invalid: an integer from 1 to 65535, got a str"),
    (
        {"cpu": "1 vCPU"},
        r"cpu='1 vCPU' is invalid: expected apprunner.Cpu such as apprunner.Cpu.ONE_VCPU, got str",
    ),
    (
        {"memory": 2048},
        r"memory=2048 is invalid: expected apprunner.Memory such as apprunner.Memory.TWO_GB, got int",
    ),
    (
        {"instance_role": "arn:aws:iam::111111111111:role/app"},
        r"instance_role='arn:.*' is invalid: expected iam.IRole, got a str",
    ),
    ({"encryption_key": "alias/app"}, r"encryption_key='alias/app' is invalid: expected kms.IKey, got a str"),
    ({"vpc": "vpc-12345678"}, r"vpc='vpc-12345678' is invalid: expected ec2.IVpc, got a str"),
    (
        {"vpc_connector": "arn:aws:apprunner:::vpcconnector/x"},
        r"vpc_connector='arn:.*' is invalid: expected apprunner.IVpcConnector",
    ),
    (
        {"auto_scaling": {"max_size": 5}},
        r"auto_scaling=\{'max_size': 5\} is invalid: expected AppRunnerAutoScaling, got a dict",
    ),
    (
        {"auto_scaling": AppRunnerAutoScaling(max_size="5")},
        r"auto_scaling.max_size='5' is invalid: an integer from 1 to 25, got a str",
    ),
    (
        {"health_check": "/health"},
        r"health_check='/health' is invalid: expected apprunner.HealthCheck \(.http\(path=...\) or .tcp",
    ),
    ({"tracing": "yes"}, r"tracing='yes' is invalid: expected bool, got a str"),
    ({"private": 1}, r"private=1 is invalid: expected bool, got an int"),
    ({"auto_deploy": "true"}, r"auto_deploy='true' is invalid: expected bool, got a str"),
    (
        {"start_command": ["node", "server.js"]},
        r"start_command=\['node', 'server.js'\] is invalid: expected str, got a list",
    ),
    (
        {"repository": "cdk-containers/api"},
        r"repository='cdk-containers/api' is invalid: expected an ecr.IRepository or a ContainerRepository",
    ),
    ({"service_name": 42}, r"service_name=42 is invalid: expected str, got an int"),
]

# 4. Names and values App Runner would refuse minutes into a deploy.
NAMES = [
    ({"service_name": "my service!"}, r"service_name='my service!' is invalid: 4 to 40 letters"),
    ({"service_name": "api"}, r"service_name='api' is invalid: 4 to 40 letters"),
    ({"environment": {"1ST": "x"}}, r"environment key='1ST' is invalid: an environment variable name"),
    (
        {"environment": {"AWSAPPRUNNER_X": "x"}},
        r"environment key='AWSAPPRUNNER_X' is invalid: a name that does not start with AWSAPPRUNNER",
    ),
    (
        {"cpu": apprunner.Cpu.QUARTER_VCPU, "memory": apprunner.Memory.FOUR_GB},
        r"memory='4 GB' is invalid: with cpu '0.25 vCPU' one of \['0.5 GB', '1 GB'\]",
    ),
    (
        {"auto_scaling": AppRunnerAutoScaling(max_concurrency=500)},
        r"auto_scaling.max_concurrency=500 is invalid: an integer from 1 to 200",
    ),
    ({"start_command": ""}, r"start_command='' is invalid: a non-empty command on one line"),
]

# 5. Footguns.
FOOTGUNS = [
    (
        {"public_image": "docker.io/library/nginx", "repository": None},
        r"public_image='docker.io/library/nginx' is invalid: an ECR Public image URI",
    ),
    ({"private": True}, r"private=True is invalid: True only with vpc"),
    (
        {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)},
        r"vpc_subnets=.* is invalid: only with vpc",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), WRONG_TYPES + NAMES + FOOTGUNS)
def test_bad_input_is_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"(?s)AppRunnerService 'Bad/Svc'.*" + message):
        _build(make_stack("Bad"), **kwargs)


# 3. Tokens.
def test_a_port_token_is_refused_because_app_runner_writes_it_as_text() -> None:
    stack = make_stack("Bad")
    port = CfnParameter(stack, "Port", type="Number", default=8080)
    with pytest.raises(
        ValueError,
        match=r"port is a deploy-time value \(a token\), but it must be known at synth: it is written",
    ):
        _build(stack, port=port.value_as_number)


def test_deploy_time_values_are_accepted_where_cloudformation_takes_them() -> None:
    stack = make_stack("Tokens")
    tag = CfnParameter(stack, "Tag", default="v1")
    name = CfnParameter(stack, "Name", default="api-service")
    _build(
        stack,
        tag=tag.value_as_string,
        service_name=name.value_as_string,
        environment={"STAGE": tag.value_as_string},
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::AppRunner::Service", {"ServiceName": {"Ref": "Name"}}
    )


def test_a_scaling_token_is_refused_because_the_alpha_checks_it_at_synth() -> None:
    stack = make_stack("Bad")
    size = CfnParameter(stack, "Max", type="Number", default=5)
    with pytest.raises(
        ValueError,
        match=r"auto_scaling.max_size is a deploy-time value \(a token\), but it must be known at synth",
    ):
        _build(stack, auto_scaling=AppRunnerAutoScaling(max_size=size.value_as_number))


STATEMENTS = [
    ("arn:aws:iam::123456789012:policy/x", "a str"),
    ({"Effect": "Allow", "Action": "s3:GetObject"}, "a dict"),
    ([iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])], "a list"),
]


@pytest.mark.parametrize(("statement", "kind"), STATEMENTS, ids=[k for _, k in STATEMENTS])
def test_a_role_policy_statement_of_the_wrong_kind_is_refused_by_name(statement: Any, kind: str) -> None:
    service = _build(make_stack("Bad"))
    with pytest.raises(
        ValueError,
        match=r"AppRunnerService 'Bad/Svc': add_to_role_policy\(statement\)=.* is invalid: "
        r"expected PolicyStatement, " + f"got {kind}",
    ):
        service.add_to_role_policy(statement)
