"""ManagedNodeGroup: an EKS managed node group with an encrypted gp3 root and IMDSv2."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks._ami import node_volumes
from cdk_containers.constructs.eks._base import ClusterBase
from cdk_containers.constructs.eks._cluster_checks import check_object
from cdk_containers.constructs.eks.node_role import NodeRole
from cdk_containers.constructs.eks.options import ManagedNodeGroupOptions

__all__ = ["ManagedNodeGroup"]


class ManagedNodeGroup(Construct):
    """An EKS managed node group: EKS launches, drains and upgrades the nodes.

    What it creates: a node role (`AmazonEKSWorkerNodePolicy` and
    `AmazonEC2ContainerRegistryPullOnly`), an `ec2.LaunchTemplate` with an encrypted gp3
    root volume, IMDSv2 required and detailed (1-minute) monitoring, and an
    `AWS::EKS::Nodegroup` in the cluster's node subnets. Instance types go on the node group
    (not the launch template) and no user data is set: EKS merges its own nodeadm
    configuration for AL2023 and Bottlerocket. EKS creates the node role's access entry itself.
    The node group waits for vpc-cni, kube-proxy and the Pod Identity agent.

    Example:
        ManagedNodeGroup(self, "Spot", cluster=eks_cluster,
                         options=ManagedNodeGroupOptions(capacity_type=eks.CapacityType.SPOT))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ClusterBase,
        options: ManagedNodeGroupOptions | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        """Create the node group.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            cluster: The cluster to join (an `EksCluster` or an imported one).
            options: Instance types, sizes, AMI, labels, taints, ... Defaults to
                `ManagedNodeGroupOptions()` (1-3 On-Demand m7i.large, AL2023).
            role: Node role. Defaults to a new `NodeRole`.

        Raises:
            ValueError: Listing every invalid argument.
        """
        options = ManagedNodeGroupOptions() if options is None else options
        problems = Problems("ManagedNodeGroup", construct_path(scope, construct_id))
        problems.check_type("cluster", cluster, ClusterBase, allowed="an EksCluster or an imported one")
        if problems.check_type("options", options, ManagedNodeGroupOptions):
            options._check(problems, "options")
        check_object(problems, "role", role, "iam.IRole", optional=True)
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self.options = options
        """The options this group was built with."""
        self.role: iam.IRole = role or NodeRole(self, "NodeRole")
        """The node role."""
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            require_imdsv2=True,
            http_put_response_hop_limit=options.metadata_hop_limit,
            block_devices=node_volumes(options.ami_type, options.root_volume_size),
            detailed_monitoring=True,
        )
        """The launch template: encrypted gp3 root, IMDSv2 required, detailed (1-minute) monitoring."""
        self.nodegroup = eks.Nodegroup(
            self,
            "Nodegroup",
            cluster=cluster._icluster,
            nodegroup_name=options.nodegroup_name,
            node_role=self.role,
            subnets=cluster.node_subnets,
            instance_types=[ec2.InstanceType(t) for t in options._instance_type_names],
            ami_type=options.ami_type,
            capacity_type=options.capacity_type,
            min_size=options.min_size,
            max_size=options.max_size,
            desired_size=options.desired_size,
            labels=dict(options.labels) if options.labels else None,
            taints=[t._to_taint_spec() for t in options.taints] or None,
            max_unavailable=options.max_unavailable,
            launch_template_spec=eks.LaunchTemplateSpec(
                id=self.launch_template.launch_template_id or "",
                version=self.launch_template.latest_version_number,
            ),
        )
        """The `aws_eks_v2.Nodegroup`."""
        cluster.register_capacity(self, role=self.role, taints=options.taints)
