"""The parts an Express Mode service needs from us: roles, log group, network placement."""

from __future__ import annotations

from typing import Any

from aws_cdk import Acknowledgment, ArnFormat, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems
from cdk_containers.constructs._web import check_object

__all__: list[str] = []

#: The AWS managed policy Express Mode's infrastructure role needs (ECS developer guide,
#: "Amazon ECS infrastructure IAM role for Express Mode services").
INFRASTRUCTURE_POLICY = "service-role/AmazonECSInfrastructureRoleforExpressGatewayServices"

_PRIVATE = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
_PUBLIC = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)


def _check_network(problems: Problems, vpc: Any, vpc_subnets: Any, private: Any) -> list[str] | None:
    """Check the placement; return the selected subnet ids, or None when it cannot be known.

    Express Mode puts the load balancer and the tasks in the given subnets and derives the
    load balancer's scheme from them: internal in private subnets, internet-facing in public
    ones. So `private=True` refuses public subnets, and `private=False` needs them.
    """
    vpc_ok = check_object(problems, "vpc", vpc, "ec2.IVpc", optional=False)
    subnets_ok = problems.check_type("vpc_subnets", vpc_subnets, ec2.SubnetSelection, optional=True)
    private_ok = problems.check_type("private", private, bool)
    if not (vpc_ok and subnets_ok and private_ok):
        return None
    selection = vpc_subnets or (_PRIVATE if private else _PUBLIC)
    try:
        selected = vpc.select_subnets(
            subnet_type=selection.subnet_type,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
        )
    except RuntimeError as error:
        shown = selection.subnet_type or selection.subnet_group_name
        problems.add("vpc_subnets", shown, f"subnets that exist in the VPC ({error})")
        return None
    shown = selection.subnet_type or selection.subnet_group_name or "the selected subnets"
    if private and selected.has_public:
        problems.add(
            "vpc_subnets",
            shown,
            "private subnets with egress while private=True: in public subnets Express Mode makes "
            "the load balancer internet-facing; pass private=False to ask for a public endpoint",
        )
    if not private and not selected.has_public:
        problems.add(
            "vpc_subnets",
            shown,
            "public subnets with private=False: Express Mode makes the load balancer internal "
            "in private subnets, so a public endpoint needs public subnets",
        )
    if len(selected.subnet_ids) < 2:
        problems.add(
            "vpc_subnets", shown, "subnets in at least two Availability Zones (the load balancer needs two)"
        )
    return list(selected.subnet_ids)


def _ecs_tasks(scope: Construct) -> iam.ServicePrincipal:
    """`ecs-tasks.amazonaws.com`, for tasks of this account and region only (confused deputy)."""
    stack = Stack.of(scope)
    return iam.ServicePrincipal(
        "ecs-tasks.amazonaws.com",
        conditions={
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="ecs", resource="*", arn_format=ArnFormat.NO_RESOURCE_NAME
                )
            },
            "StringEquals": {"aws:SourceAccount": stack.account},
        },
    )


def _execution_role(scope: Construct) -> iam.Role:
    """The role ECS starts tasks with; grants are added for one repository, one log group, the secrets."""
    role = iam.Role(
        scope,
        "ExecutionRole",
        assumed_by=_ecs_tasks(scope),
        description="Starts the Express Mode tasks: pulls the image, writes the log group, reads the secrets",
    )
    acknowledge_inline_policies(role)
    return role


def _acknowledge_login_token(role: iam.IRole) -> None:
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ecr:GetAuthorizationToken has no resource-level permissions, so IAM requires "
                "Resource '*'; it only issues a login token. Every pull action is limited to "
                "the one repository ARN of this service."
            ),
        )
    )


def _task_role(scope: Construct) -> iam.Role:
    return iam.Role(
        scope,
        "TaskRole",
        assumed_by=_ecs_tasks(scope),
        description="Role the Express Mode service's code runs as; grant it what the application needs",
    )


def _infrastructure_role(scope: Construct) -> iam.Role:
    role = iam.Role(
        scope,
        "InfrastructureRole",
        assumed_by=iam.ServicePrincipal("ecs.amazonaws.com"),
        description="Lets Express Mode manage the service's load balancer, certificate and scaling",
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(INFRASTRUCTURE_POLICY)],
    )
    Validations.of(role).acknowledge(
        Acknowledgment(
            id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{INFRASTRUCTURE_POLICY}]",
            reason=(
                "Express Mode requires this AWS managed policy on its infrastructure role: it creates "
                "the load balancer, listeners, target groups, security groups, certificate and scaling "
                "policies whose names it chooses at deploy time; AWS maintains the policy as the "
                "service adds features, and only ecs.amazonaws.com may assume the role."
            ),
        )
    )
    return role


def _log_group(
    scope: Construct,
    retention: logs.RetentionDays,
    encryption_key: kms.IKey | None,
) -> tuple[logs.LogGroup, kms.IKey]:
    """The service's log group, retained, with a retention and a customer managed key."""
    if encryption_key is None:
        key = logs_encryption_key(
            scope, "LogsKey", description="Encrypts the Express Mode service's log group"
        )
        encryption_key = key
    log_group = logs.LogGroup(
        scope,
        "Logs",
        retention=retention,
        encryption_key=encryption_key,
        removal_policy=RemovalPolicy.RETAIN,
    )
    return log_group, encryption_key
