"""NodeRole: the IAM role of EC2 nodes (managed and self-managed), with its reviewed findings."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems, construct_path

__all__ = ["NodeRole"]

_MANAGED = "arn:<AWS::Partition>:iam::aws:policy"
# IAM's pattern for a role description (CreateRole API reference).
_DESCRIPTION = "[\t\n\r\u0020-\u007e\u00a1-\u00ff]*"


class NodeRole(iam.Role):
    """A role for EKS nodes with the two policies every node needs, and nothing else.

    `AmazonEKSWorkerNodePolicy` and `AmazonEC2ContainerRegistryPullOnly`; no CNI policy (the
    VPC CNI has its own Pod Identity role). Node groups create one each; make one yourself to
    share it between groups or to grant it more, and pass it as their `role`.

    Example:
        role = NodeRole(self, "Nodes")
        cluster.add_managed_node_group("A", ManagedNodeGroupOptions())  # its own role
        ManagedNodeGroup(self, "B", cluster=cluster, role=role)
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, description: str = "EKS worker node role"
    ) -> None:
        """Create the role.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            description: IAM description, at most 1000 characters. Defaults to
                `"EKS worker node role"`.

        Raises:
            ValueError: If `description` is not such a string.
        """
        problems = Problems("NodeRole", construct_path(scope, construct_id))
        problems.check_str(
            "description",
            description,
            max_length=1000,
            pattern=_DESCRIPTION,
            allowed="at most 1000 characters: tab, newline, printable ASCII and Latin-1 (IAM's rule "
            "for a role description)",
        )
        problems.raise_if_any()
        super().__init__(
            scope,
            construct_id,
            assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
            description=description,
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSWorkerNodePolicy"),
                iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEC2ContainerRegistryPullOnly"),
            ],
        )
        acknowledge_inline_policies(self)
        Validations.of(self).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{_MANAGED}/AmazonEKSWorkerNodePolicy]",
                reason="Every EKS node needs it to register with the cluster (eks:DescribeCluster, "
                "instance metadata calls); AWS keeps it current with new EKS features",
            ),
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::{_MANAGED}/AmazonEC2ContainerRegistryPullOnly]",
                reason="Add-on images (vpc-cni, kube-proxy, coredns, pod identity agent) come from AWS-owned "
                "ECR registries whose account differs per region, and ecr:GetAuthorizationToken takes no "
                "resource; the policy allows pulls from any repository the node can reach, but no push, "
                "delete or repository change",
            ),
        )
