"""FargateProfile: pods of selected namespaces run on Fargate, in private subnets."""

from __future__ import annotations

from aws_cdk import Acknowledgment, ArnFormat, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks._base import ClusterBase
from cdk_containers.constructs.eks._subnets import check_private_subnets, select_subnets
from cdk_containers.constructs.eks.options import FargateProfileOptions

__all__ = ["FargateProfile"]


class FargateProfile(Construct):
    """A Fargate profile: no nodes to manage, one micro-VM per pod.

    What it creates: a pod-execution role (`AmazonEKSFargatePodExecutionRolePolicy`,
    trusted only for this cluster's Fargate profiles by an `aws:SourceArn` condition) and an
    `AWS::EKS::FargateProfile` in private subnets. EKS creates the access entry. Fargate
    pods get no EBS, no FSx, EFS only statically provisioned, and no Pod Identity (use
    `add_irsa_service_account`).

    Example:
        FargateProfile(self, "Serverless", cluster=eks_cluster,
                       options=FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")]))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ClusterBase,
        options: FargateProfileOptions | None = None,
    ) -> None:
        """Create the profile.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            cluster: The cluster (an `EksCluster` or an imported one).
            options: Selectors, name and subnets. Required: a profile needs 1 to 5 selectors.

        Raises:
            ValueError: Listing every invalid argument.
        """
        problems = Problems("FargateProfile", construct_path(scope, construct_id))
        cluster_ok = problems.check_type(
            "cluster", cluster, ClusterBase, allowed="an EksCluster or an imported one"
        )
        if problems.check_type(
            "options", options, FargateProfileOptions, allowed="FargateProfileOptions(selectors=[...])"
        ):
            assert options is not None
            options._check(problems, "options")
            if cluster_ok and isinstance(options.subnets, ec2.SubnetSelection):  # else refused above
                check_private_subnets(
                    problems, "options.subnets", cluster.vpc, options.subnets, what="Fargate pods"
                )
        problems.raise_if_any()
        assert options is not None
        super().__init__(scope, construct_id)
        self.options = options
        """The options this profile was built with."""
        stack = Stack.of(cluster)
        self.pod_execution_role: iam.IRole = iam.Role(
            self,
            "PodExecutionRole",
            assumed_by=iam.ServicePrincipal(
                "eks-fargate-pods.amazonaws.com",
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="eks",
                            resource="fargateprofile",
                            resource_name=f"{cluster._icluster.cluster_name}/*",
                            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
                        )
                    }
                },
            ),
            description="Fargate pod execution role: pulls images and writes pod logs",
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSFargatePodExecutionRolePolicy")
            ],
        )
        """The role Fargate uses to pull images and ship logs (not the pods' own identity)."""
        acknowledge_inline_policies(self.pod_execution_role)
        Validations.of(self.pod_execution_role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "AmazonEKSFargatePodExecutionRolePolicy]",
                reason="Fargate needs it to pull add-on and workload images (ECR pulls and "
                "GetAuthorizationToken, which takes no resource); the trust is limited to this "
                "cluster's Fargate profiles by aws:SourceArn",
            )
        )
        # The L1: aws_eks_v2.FargateProfile takes only a Cluster this app created, not an import.
        self.profile = eks.CfnFargateProfile(
            self,
            "Profile",
            cluster_name=cluster._icluster.cluster_name,
            fargate_profile_name=options.fargate_profile_name,
            pod_execution_role_arn=self.pod_execution_role.role_arn,
            selectors=[
                eks.CfnFargateProfile.SelectorProperty(
                    namespace=s.namespace,
                    labels=[eks.CfnFargateProfile.LabelProperty(key=k, value=v) for k, v in s.labels.items()]
                    if s.labels
                    else None,
                )
                for s in options.selectors
            ],
            subnets=select_subnets(cluster.vpc, options.subnets or cluster.node_subnets).subnet_ids,
        )
        """The `AWS::EKS::FargateProfile`."""
        cluster.register_capacity(self, role=self.pod_execution_role, fargate_selectors=options.selectors)
