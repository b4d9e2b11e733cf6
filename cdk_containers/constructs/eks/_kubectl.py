"""The kubectl handler (aws-cdk-lib's, with a cluster-admin access entry) and its reviewed findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import cast

from aws_cdk import Acknowledgment, CfnElement, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

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
    _acknowledge(root, provider)
    view = eks.Cluster.from_cluster_attributes(
        root, "View", cluster_name=cluster.cluster_name, kubectl_provider=provider, vpc=vpc
    )
    return KubectlHandler(cluster=view, access=access)


def _acknowledge(scope: Construct, provider: eks.KubectlProvider) -> None:
    """The kubectl handler is aws-cdk-lib's; these findings are its design, reviewed here once."""
    stack = Stack.of(scope)
    handler = provider.node.find_child("Handler")
    handler_id = stack.resolve(cast(CfnElement, handler.node.default_child).logical_id)
    condition_id = stack.resolve(cast(CfnElement, handler.node.find_child("HasEcrPublic")).logical_id)
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
    for rule, reason in reasons.items():
        Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
