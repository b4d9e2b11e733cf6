"""The trust of an EKS Pod Identity role, limited to one service account of one cluster."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam

__all__ = ["POD_IDENTITY_PRINCIPAL", "PodIdentity", "pod_identity_principal"]


@dataclass(frozen=True, kw_only=True)
class PodIdentity:
    """What `EksCluster.add_pod_identity` made: the role pods get and its association."""

    role: iam.IRole
    """The role the service account's pods get: grant it what the workload needs."""
    association: eks.CfnPodIdentityAssociation
    """The `AWS::EKS::PodIdentityAssociation`; make a consumer depend on it."""


POD_IDENTITY_PRINCIPAL = "pods.eks.amazonaws.com"


def pod_identity_principal(*, cluster_arn: str, namespace: str, service_account: str) -> iam.IPrincipal:
    """`pods.eks.amazonaws.com` with `sts:AssumeRole` and `sts:TagSession`, for one service account.

    EKS Pod Identity tags every session it opens with the cluster ARN, the namespace
    and the service account of the association (the Amazon EKS user guide, "Create IAM
    role with trust policy required by EKS Pod Identity"). Conditions on those request
    tags mean that no other association, in this cluster or any other cluster of the
    account, can hand this role's credentials to its pods.

    Args:
        cluster_arn: ARN of the cluster (`cluster.cluster.cluster_arn`).
        namespace: Namespace of the service account.
        service_account: Name of the service account.

    Returns:
        The principal to pass as `assumed_by` of the role an association hands out.
    """
    return iam.ServicePrincipal(
        POD_IDENTITY_PRINCIPAL,
        conditions={
            "StringEquals": {
                "aws:RequestTag/eks-cluster-arn": cluster_arn,
                "aws:RequestTag/kubernetes-namespace": namespace,
                "aws:RequestTag/kubernetes-service-account": service_account,
            }
        },
    ).with_session_tags()
