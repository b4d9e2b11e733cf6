"""FargateProfile: pods of selected namespaces run on Fargate, in private subnets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain
from cdk_containers.constructs.eks._subnets import selection_kwargs
from cdk_containers.constructs.eks.options import FargateSelector, is_label_key, is_label_value

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.cluster import EksCluster

__all__ = ["FargateProfile"]

MAX_SELECTORS = 5


class FargateProfile(Construct):
    """A Fargate profile: no nodes to manage, one micro-VM per pod.

    What it creates: a pod-execution role (``AmazonEKSFargatePodExecutionRolePolicy``,
    scoped to this cluster's Fargate profiles by a ``aws:SourceArn`` condition) and an
    ``AWS::EKS::FargateProfile`` in private subnets. EKS creates the access entry. Fargate
    pods get no EBS, no FSx, EFS only statically provisioned, and no Pod Identity (use IRSA).

    Example:
        FargateProfile(self, "Serverless", cluster=eks_cluster,
                       selectors=[FargateSelector(namespace="serverless")])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: EksCluster,
        selectors: Sequence[FargateSelector],
        fargate_profile_name: str | None = None,
        subnets: ec2.SubnetSelection | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The cluster.
        selectors: 1 to 5 namespace/label selectors of the pods that run on Fargate.
        fargate_profile_name: Name in EKS. Defaults to a generated name.
        subnets: Private subnets for the pods. Defaults to the cluster's node subnets.
        """
        problems = Problems("FargateProfile", construct_path(scope, construct_id))
        problems.check(
            1 <= len(selectors) <= MAX_SELECTORS,
            "selectors",
            list(selectors),
            f"1 to {MAX_SELECTORS} FargateSelector objects (an EKS limit)",
        )
        for selector in selectors:
            problems.check(
                is_dns1123_subdomain(selector.namespace),
                "selectors.namespace",
                selector.namespace,
                "a Kubernetes namespace name",
            )
            for key, value in (selector.labels or {}).items():
                problems.check(
                    is_label_key(key) and is_label_value(value),
                    "selectors.labels",
                    f"{key}={value}",
                    "Kubernetes label keys and values",
                )
        selection = subnets or cluster.node_subnets
        public_ids = {s.subnet_id for s in cluster.vpc.public_subnets}
        chosen = cluster.vpc.select_subnets(**selection_kwargs(selection)).subnets
        public = [s.subnet_id for s in chosen if s.subnet_id in public_ids]
        problems.check(
            not public and selection.subnet_type != ec2.SubnetType.PUBLIC,
            "subnets",
            selection.subnet_type.name if selection.subnet_type else public,
            "private subnets: Fargate pods get no public IP and cannot run in public subnets",
        )
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self.selectors = list(selectors)
        """The selectors."""
        self.pod_execution_role: iam.IRole = iam.Role(
            self,
            "PodExecutionRole",
            assumed_by=iam.ServicePrincipal(
                "eks-fargate-pods.amazonaws.com",
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{cluster.cluster.stack.partition}:eks:"
                        f"{cluster.cluster.stack.region}:{cluster.cluster.stack.account}:"
                        f"fargateprofile/{cluster.cluster.cluster_name}/*"
                    }
                },
            ),
            description="Fargate pod execution role: pulls images and writes pod logs",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSFargatePodExecutionRolePolicy")
            ],
        )
        """The role Fargate uses to pull images and ship logs (not the pods' own identity)."""
        Validations.of(self.pod_execution_role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "AmazonEKSFargatePodExecutionRolePolicy]",
                reason="Fargate needs it to pull add-on and workload images (ECR pulls and "
                "GetAuthorizationToken, which takes no resource); the trust is limited to this "
                "cluster's Fargate profiles by aws:SourceArn",
            )
        )
        self.profile = eks.FargateProfile(
            self,
            "Profile",
            cluster=cluster.cluster,
            fargate_profile_name=fargate_profile_name,
            pod_execution_role=self.pod_execution_role,
            selectors=[eks.Selector(namespace=s.namespace, labels=s.labels) for s in selectors],
            subnet_selection=selection,
            vpc=cluster.vpc,
        )
        """The ``aws_eks_v2.FargateProfile``."""
        cluster.fargate_selectors.extend(selectors)
        cluster._register_capacity(self, role=self.pod_execution_role, fargate=True)
