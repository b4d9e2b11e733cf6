"""The kubectl handler (aws-cdk-lib's, with a cluster-admin access entry) and its reviewed findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

from aws_cdk import Acknowledgment, CfnElement, CfnResource, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers._nag import (
    HIPAA,
    NIST,
    acknowledge_control,
    acknowledge_inline_policies,
    acknowledge_rules,
)
from cdk_containers.compliance import skip_checkov
from cdk_containers.constructs.eks._versions import kubectl_layer_for

__all__ = ["KubectlHandler", "create_kubectl_handler"]


@dataclass(frozen=True)
class KubectlHandler:
    """A view of the cluster that has the handler, and the access entry objects must wait for."""

    cluster: eks.ICluster
    access: eks.AccessEntry | None


def create_kubectl_handler(
    scope: Construct,
    *,
    cluster: eks.ICluster,
    version: str,
    vpc: ec2.IVpc,
    subnets: list[ec2.ISubnet],
    security_group: ec2.ISecurityGroup,
) -> KubectlHandler:
    """Create the handler under `scope` (`Kubectl`): 2 Lambda functions in `subnets`."""
    spec = kubectl_layer_for(version)
    assert spec is not None  # the clusters refuse versions without a layer
    root = Construct(scope, "Kubectl")
    provider = eks.KubectlProvider(
        root,
        "Provider",
        cluster=cluster,
        kubectl_layer=spec.create(root, "KubectlLayer"),
        # The endpoint is private: the handler runs in the node subnets.
        private_subnets=subnets,
        security_groups=[security_group],
    )
    assert provider.role is not None
    access = eks.AccessEntry(
        root,
        "AdminAccess",
        cluster=cluster,
        principal=provider.role.role_arn,
        access_policies=[
            eks.AccessPolicy.from_access_policy_name(
                "AmazonEKSClusterAdminPolicy", access_scope_type=eks.AccessScopeType.CLUSTER
            )
        ],
    )
    functions = _functions(provider)
    _acknowledge(root, functions[0])
    _encrypt_logs(root, functions)
    _acknowledge_compliance(functions)
    view = eks.Cluster.from_cluster_attributes(
        root, "View", cluster_name=cluster.cluster_name, kubectl_provider=provider, vpc=vpc
    )
    return KubectlHandler(cluster=view, access=access)


def _acknowledge(scope: Construct, handler: lambda_.Function) -> None:
    """The kubectl handler is aws-cdk-lib's; these findings are its design, reviewed here once."""
    stack = Stack.of(scope)
    node = handler.node
    handler_id = stack.resolve(cast(CfnElement, node.default_child).logical_id)
    condition_id = stack.resolve(cast(CfnElement, node.find_child("HasEcrPublic")).logical_id)
    public_policy = json.dumps(
        {
            "Fn::If": [
                condition_id,
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly",
                        ],
                    ]
                },
                {"Ref": "AWS::NoValue"},
            ]
        },
        separators=(",", ":"),
    )
    managed = "arn:<AWS::Partition>:iam::aws:policy"
    reasons = {
        f"AwsSolutions-IAM4[Policy::{managed}/service-role/AWSLambdaBasicExecutionRole]": (
            "aws-cdk-lib's kubectl handler and its provider framework only write their own CloudWatch "
            "logs with this AWS managed policy"
        ),
        f"AwsSolutions-IAM4[Policy::{managed}/service-role/AWSLambdaVPCAccessExecutionRole]": (
            "the kubectl handler must run inside the VPC because the cluster endpoint is private; "
            "this AWS managed policy only manages the Lambda's own network interfaces"
        ),
        f"AwsSolutions-IAM4[Policy::{managed}/AmazonEC2ContainerRegistryReadOnly]": (
            "aws-cdk-lib's kubectl handler pulls Helm charts stored as OCI artifacts from ECR; read-only "
            "registry access is attached by aws_eks_v2 itself and cannot be narrowed from outside"
        ),
        f"AwsSolutions-IAM4[Policy::{public_policy}]": (
            "aws-cdk-lib's kubectl handler reads public Helm charts from ECR Public (read-only, only in "
            "the aws partition); attached by aws_eks_v2 itself"
        ),
        f"AwsSolutions-IAM5[Resource::<{handler_id}.Arn>:*]": (
            "the provider framework may invoke any version of the kubectl handler function it fronts, "
            "and nothing else; the wildcard is the version qualifier"
        ),
        "AwsSolutions-L1": (
            "the Lambda runtimes of the kubectl handler and its provider framework are chosen by "
            "aws-cdk-lib and move forward with its releases; they are not configurable here"
        ),
    }
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
    )


def _functions(provider: eks.KubectlProvider) -> list[lambda_.Function]:
    """The kubectl handler and its provider framework's onEvent function (aws-cdk-lib's layout)."""
    node = provider.node
    framework = node.try_find_child("Provider")
    found: list[IConstruct | None] = [node.find_child("Handler")]
    found.append(framework.node.try_find_child("framework-onEvent") if framework is not None else None)
    return [cast(lambda_.Function, f) for f in found if f is not None]


def _encrypt_logs(scope: Construct, functions: list[lambda_.Function]) -> None:
    """Give the log groups aws-cdk-lib creates for both functions a customer managed key."""
    groups = []
    for function in functions:
        group = function.node.try_find_child("LogGroup")
        resource = group.node.default_child if group is not None else None
        if isinstance(resource, logs.CfnLogGroup):
            groups.append(resource)
    if not groups:
        return
    # The two groups are named /aws/lambda/<function name>, and the names are CloudFormation's.
    key = logs_encryption_key(
        scope,
        "LogsKey",
        description=f"Encryption of the kubectl handler's logs of {scope.node.path}",
        log_group_name="/aws/lambda/*",
    )
    for group in groups:
        group.kms_key_id = key.key_arn


_CONCURRENCY = (
    "CloudFormation invokes this deploy-time custom resource handler a few times per deployment; "
    "a reserved concurrency would take capacity from the account's unreserved pool (new accounts "
    "have only 10) and could fail the deployment it serves"
)
_DLQ = (
    "The provider framework reports every failure of this handler to CloudFormation, which fails "
    "and rolls back the stack and records the error in its stack events; a dead-letter queue "
    "would hold a second copy of an event nobody retries"
)


def _acknowledge_compliance(functions: list[lambda_.Function]) -> None:
    """What the NIST, HIPAA and Control Tower packs find on aws-cdk-lib's kubectl handler, reviewed."""
    for function in functions:
        # The functions' roles hold the provider's only DefaultPolicies: the aspect visits each
        # role's 4 constructs, not the provider's 32 (each visit is a call from Node into Python).
        role = function.role
        if role is not None:
            acknowledge_inline_policies(role)
        resource = function.node.default_child  # read once for the three checkov skips
        assert isinstance(resource, CfnResource)
        acknowledge_rules(function, _CONCURRENCY, "LambdaConcurrency", packs=(NIST, HIPAA))
        skip_checkov(resource, "CKV_AWS_115", _CONCURRENCY)
        acknowledge_rules(function, _DLQ, "LambdaDLQ", packs=(NIST, HIPAA))
        skip_checkov(resource, "CKV_AWS_116", _DLQ)
        skip_checkov(
            resource,
            "CKV_AWS_173",
            "The environment holds no secret, only settings and the ARN of the function it calls "
            "(aws-cdk-lib's); Lambda encrypts it at rest with its AWS managed key",
        )
        acknowledge_control(
            function,
            "The function runs in the cluster's private node subnets with the cluster security group "
            "(its VpcConfig); the control accepts only literal ids or references to AWS::EC2::Subnet and "
            "AWS::EC2::SecurityGroup resources of the same template, and the group is an attribute of "
            "the EKS cluster while the subnets may come from another stack",
            "lambda_inside_vpc_check",
        )
