"""ExpressService refuses bad input with our clear error, one class at a time (issue 14)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk.assertions import Template

from cdk_containers.constructs import ExpressAutoScaling, ExpressService
from tests.support import make_stack, make_vpc

DIGEST = "sha256:" + "ef" * 32


def _build(stack: Stack, **kwargs: Any) -> ExpressService:
    kwargs.setdefault("vpc", make_vpc(stack))
    if "repository" not in kwargs and "public_image" not in kwargs:
        kwargs["repository"] = ecr.Repository.from_repository_name(stack, "Repo", "api")
    return ExpressService(stack, "Svc", **kwargs)


def _refused(kwargs: dict[str, Any], message: str) -> None:
    stack = make_stack("Bad")
    with pytest.raises(ValueError, match=r"(?s)ExpressService 'Bad/Svc'.*" + message):
        _build(stack, **kwargs)


# 1. A wrong type where a value, collection or object is expected.
WRONG_TYPES = [
    ({"environment": {"PORT": 8080}}, r"environment\['PORT'\]=8080 is invalid: expected str, got an int"),
    (
        {"environment": [("A", "b")]},
        r"environment=\[\('A', 'b'\)\] is invalid: expected a mapping of str to str, got a list",
    ),
    (
        {"secrets": {"DB": "arn:aws:secretsmanager:eu-west-1:111111111111:secret:db"}},
        r"secrets\['DB'\]=.* is invalid: expected Secret, got a str",
    ),
    ({"port": "8080"}, r"port='8080' is invalid: an integer from 1 to 65535, got a str"),
    ({"port": True}, r"port=True is invalid: an integer from 1 to 65535, got a bool"),
    ({"cpu": "1 vCPU"}, r"cpu='1 vCPU' is invalid: CPU units, one of \[256, .*got str"),
    ({"memory_limit_mib": 2.5}, r"memory_limit_mib=2.5 is invalid: an integer, got a float"),
    (
        {"task_role": "arn:aws:iam::111111111111:role/app"},
        r"task_role='arn:.*' is invalid: expected iam.IRole, got a str; pass the object",
    ),
    ({"infrastructure_role": 1}, r"infrastructure_role=1 is invalid: expected iam.IRole, got an int"),
    ({"cluster": "default"}, r"cluster='default' is invalid: expected ecs.ICluster, got a str"),
    (
        {"logs_encryption_key": "alias/aws/logs"},
        r"logs_encryption_key='alias/aws/logs' is invalid: expected kms.IKey",
    ),
    ({"log_retention": 90}, r"log_retention=90 is invalid: one of ONE_DAY, "),
    (
        {"auto_scaling": {"min_size": 1}},
        r"auto_scaling=\{'min_size': 1\} is invalid: expected ExpressAutoScaling, got a dict",
    ),
    (
        {"auto_scaling": ExpressAutoScaling(min_size="1")},
        r"auto_scaling.min_size='1' is invalid: an integer >= 1, got a str",
    ),
    (
        {"auto_scaling": ExpressAutoScaling(metric="AVERAGE_CPU")},
        r"auto_scaling.metric='AVERAGE_CPU' is invalid: one of AVERAGE_CPU, AVERAGE_MEMORY",
    ),
    ({"private": "no"}, r"private='no' is invalid: expected bool, got a str"),
    ({"vpc": "vpc-12345678"}, r"vpc='vpc-12345678' is invalid: expected ec2.IVpc, got a str"),
    ({"vpc": None}, r"vpc=None is invalid: a value is required \(ec2.IVpc\)"),
    (
        {"vpc_subnets": ec2.SubnetType.PRIVATE_WITH_EGRESS},
        r"vpc_subnets=.* is invalid: expected SubnetSelection",
    ),
    (
        {"repository": "cdk-containers/api"},
        r"repository='cdk-containers/api' is invalid: expected an ecr.IRepository or a ContainerRepository",
    ),
    ({"tag": 1}, r"tag=1 is invalid: expected str, got an int"),
    ({"digest": b"sha256"}, r"digest=b'sha256' is invalid: expected str, got a bytes"),
    ({"service_name": 7}, r"service_name=7 is invalid: expected str, got an int"),
    (
        {"health_check_path": ["/health"]},
        r"health_check_path=\['/health'\] is invalid: expected str, got a list",
    ),
]

# 2. A string where a list is meant is refused, not split into characters.
STRING_FOR_LIST = [
    (
        {"command": "node server.js"},
        r"command='node server.js' is invalid: expected a list of str, got a single string; wrap it",
    ),
    ({"command": ["node", 1]}, r"command\[1\]=1 is invalid: expected str, got an int"),
    ({"command": []}, r"command=\[\] is invalid: a non-empty list, or None"),
]

# 4. Names and values CloudFormation or ECS would refuse minutes into a deploy.
NAMES = [
    ({"service_name": "my service!"}, r"service_name='my service!' is invalid: up to 255 letters, digits"),
    ({"environment": {"MY-VAR": "x"}}, r"environment key='MY-VAR' is invalid: an environment variable name"),
    (
        {"environment": {"ECS_ENABLE_X": "1"}},
        r"environment key='ECS_ENABLE_X' is invalid: a name that does not start with ECS_",
    ),
    (
        {"health_check_path": "health"},
        r"health_check_path='health' is invalid: an HTTP path starting with '/'",
    ),
    ({"tag": "bad tag"}, r"tag='bad tag' is invalid: an ECR tag"),
    ({"digest": "sha256:xyz"}, r"digest='sha256:xyz' is invalid: 'sha256:' and 64 lowercase hex digits"),
    ({"port": 70000}, r"port=70000 is invalid: an integer from 1 to 65535"),
    ({"cpu": 3000}, r"cpu=3000 is invalid: CPU units, one of \[256, 512, 1024"),
    (
        {"cpu": 8192, "memory_limit_mib": 16384},
        r"cpu=8192 is invalid: CPU units, one of \[256, 512, 1024, 2048, 4096\]",
    ),
    (
        {"cpu": 1024, "memory_limit_mib": 1024},
        r"memory_limit_mib=1024 is invalid: with cpu 1024 2048 to 8192 MiB in steps of 1024",
    ),
    (
        {"cpu": 256, "memory_limit_mib": 4096},
        r"memory_limit_mib=4096 is invalid: with cpu 256 one of \[512, 1024, 2048\] MiB",
    ),
    (
        {"auto_scaling": ExpressAutoScaling(min_size=5, max_size=2)},
        r"auto_scaling.min_size=5 is invalid: at most max_size \(2\)",
    ),
    (
        {"auto_scaling": ExpressAutoScaling(target_value=101)},
        r"auto_scaling.target_value=101 is invalid: an integer from 1 to 100",
    ),
]

# 5. Footguns: what deploys but does something else than the user meant.
FOOTGUNS = [
    (
        {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)},
        r"vpc_subnets=.*PUBLIC.* is invalid: private subnets with egress while private=True",
    ),
    (
        {
            "private": False,
            "vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        },
        r"is invalid: public subnets with private=False",
    ),
    (
        {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)},
        r"vpc_subnets=.*ISOLATED.* is invalid: subnets that exist in the VPC",
    ),
    (
        {"repository": None, "public_image": "111111111111.dkr.ecr.eu-west-1.amazonaws.com/api:v1"},
        r"public_image='111111111111.dkr.ecr.*' is invalid: a public image; for a private ECR image pass",
    ),
    ({"repository": None}, r"repository/public_image=\(False, None\) is invalid: exactly one"),
    ({"tag": "v1", "digest": DIGEST}, r"tag/digest=.* is invalid: a tag or a digest, not both"),
    (
        {"environment": {"DB": "x"}, "secrets": "DB"},
        r"secrets='DB' is invalid: a name not also set in environment",
    ),
]


@pytest.mark.parametrize(("kwargs", "message"), WRONG_TYPES + STRING_FOR_LIST + NAMES + FOOTGUNS)
def test_bad_input_is_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    if kwargs.get("secrets") == "DB":
        stack = make_stack("Bad")
        secret = secretsmanager.Secret.from_secret_name_v2(stack, "Secret", "db")
        kwargs = {**kwargs, "secrets": {"DB": ecs.Secret.from_secrets_manager(secret)}}
        with pytest.raises(ValueError, match=r"(?s)ExpressService 'Bad/Svc'.*" + message):
            _build(stack, **kwargs)
        return
    _refused(kwargs, message)


# 3. Tokens: accepted where CloudFormation takes the value at deploy time, refused (saying why)
# where the construct must know it at synth.
def test_deploy_time_values_are_accepted_where_cloudformation_takes_them() -> None:
    stack = make_stack("Tokens")
    port = CfnParameter(stack, "Port", type="Number", default=8080)
    tag = CfnParameter(stack, "Tag", default="v1")
    name = CfnParameter(stack, "Name", default="api")
    minimum = CfnParameter(stack, "Min", type="Number", default=1)
    _build(
        stack,
        port=port.value_as_number,
        tag=tag.value_as_string,
        service_name=name.value_as_string,
        environment={"STAGE": tag.value_as_string},
        auto_scaling=ExpressAutoScaling(min_size=minimum.value_as_number),
    )
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::ECS::ExpressGatewayService", {"PrimaryContainer": {"ContainerPort": {"Ref": "Port"}}}
    )


def test_a_task_size_token_is_refused_because_the_size_must_be_known_at_synth() -> None:
    stack = make_stack("Bad")
    cpu = CfnParameter(stack, "Cpu", type="Number", default=1024)
    with pytest.raises(
        ValueError,
        match=r"cpu is a deploy-time value \(a token\), but it must be known at synth: Express Mode sizes",
    ):
        _build(stack, cpu=cpu.value_as_number)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"has 3 invalid arguments") as error:
        _build(make_stack("Bad"), port=0, cpu=3000, environment={"PORT": 8080})
    assert "port=0" in str(error.value)
    assert "cpu=3000" in str(error.value)
    assert "environment['PORT']=8080" in str(error.value)


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
        match=r"ExpressService 'Bad/Svc': add_to_role_policy\(statement\)=.* is invalid: "
        r"expected PolicyStatement, " + f"got {kind}",
    ):
        service.add_to_role_policy(statement)
