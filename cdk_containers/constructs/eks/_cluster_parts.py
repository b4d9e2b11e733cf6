"""The parts of an `EksCluster` built around the `aws_eks_v2.Cluster`: role, logs, default add-ons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Lazy, RemovalPolicy, Stack, Validations
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers.constructs.eks._pod_identity import pod_identity_principal
from cdk_containers.constructs.eks._system_pods import CoreDnsConfiguration, SystemPodsCanSchedule

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.cluster import EksCluster

__all__ = ["add_default_addons", "cluster_role", "control_plane_logs"]


def control_plane_logs(
    cluster: EksCluster, key: kms.IKey | None, retention: logs.RetentionDays
) -> tuple[kms.IKey, logs.ILogGroup]:
    """The log group EKS would create itself (with no retention and no key), created first."""
    if key is None:
        # CloudWatch Logs encrypts with the key for this one log group of this account and region.
        key = logs_encryption_key(
            cluster,
            "LogsKey",
            description=f"Encryption of the control-plane logs of {cluster.node.path}",
            log_group_name=f"/aws/eks/{cluster.cluster_name}/cluster",
        )
    return key, logs.LogGroup(
        cluster,
        "ControlPlaneLogs",
        log_group_name=f"/aws/eks/{cluster.cluster_name}/cluster",
        retention=retention,
        encryption_key=key,
        removal_policy=RemovalPolicy.RETAIN,
    )


def cluster_role(cluster: EksCluster, cluster_name: str) -> iam.Role:
    """The cluster role, trusted by EKS for this one cluster of this account and region."""
    # Confused-deputy conditions the EKS user guide documents for the cluster role
    # ("Cross-service confused deputy prevention in Amazon EKS"), on this cluster's ARN.
    stack = Stack.of(cluster)
    role = iam.Role(
        cluster,
        "ClusterRole",
        assumed_by=iam.ServicePrincipal(
            "eks.amazonaws.com",
            conditions={
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="eks", resource="cluster", resource_name=cluster_name
                    )
                },
            },
        ),
        description="EKS cluster role",
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSClusterPolicy")],
    )
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]",
            reason="The EKS control plane needs exactly this AWS-maintained service policy to manage "
            "ENIs, load balancers and security groups; it is assumable only by eks.amazonaws.com",
        )
    )
    return role


def add_default_addons(cluster: EksCluster) -> iam.IRole:
    """vpc-cni (with its Pod Identity role, returned), kube-proxy, the agent and CoreDNS."""
    cni_role = iam.Role(
        cluster,
        "VpcCniRole",
        assumed_by=pod_identity_principal(
            cluster_arn=cluster.cluster.cluster_arn, namespace="kube-system", service_account="aws-node"
        ),
        description="Pod Identity role of the VPC CNI (aws-node) so nodes need no ENI permissions",
        managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKS_CNI_Policy")],
    )
    Validations.of(cni_role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy]",
            reason="AWS maintains the ENI and IP permissions the VPC CNI needs as they change with "
            "new CNI versions; the trust policy lets only Pod Identity sessions of kube-system/aws-node "
            "in this cluster assume the role",
        )
    )
    cni = cluster.add_addon("vpc-cni", before_compute=True)
    cfn_cni = cni.node.default_child
    assert isinstance(cfn_cni, eks.CfnAddon)
    cfn_cni.pod_identity_associations = [
        eks.CfnAddon.PodIdentityAssociationProperty(service_account="aws-node", role_arn=cni_role.role_arn)
    ]
    cluster.add_addon("kube-proxy", before_compute=True)
    agent = cluster.add_addon("eks-pod-identity-agent", before_compute=True)
    # aws-node gets its credentials from the agent and crash-loops without it
    # (aws/amazon-vpc-cni-k8s#3840); EKS documents the agent as a prerequisite of add-on
    # Pod Identity associations, so the association is not created before the agent.
    cni.node.add_dependency(agent)
    coredns = cluster.add_addon("coredns")
    cfn_coredns = coredns.node.default_child
    assert isinstance(cfn_coredns, eks.CfnAddon)
    cfn_coredns.configuration_values = Lazy.string(CoreDnsConfiguration(cluster))
    cluster.node.add_validation(SystemPodsCanSchedule(cluster))
    return cni_role
