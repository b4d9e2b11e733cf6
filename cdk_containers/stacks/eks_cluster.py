"""EksClusterStack: a private EKS cluster with all three kinds of capacity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)
from cdk_containers.constructs.eks._node_role import acknowledge_pull_grants
from cdk_containers.stacks._storage_example import add_example_storage

__all__ = ["EksClusterStack"]


class EksClusterStack(Stack):
    """An EKS cluster in a given VPC with one node group of each kind.

    What it creates:

    * an :class:`EksCluster` (private endpoint, all control-plane logs, KMS-encrypted secrets,
      managed add-ons in the right order);
    * a managed node group of Spot AL2023 instances over three x86 instance types;
    * a self-managed node group (AL2023, launch template, nodeadm user data) tainted
      ``workload=batch:NoSchedule`` for batch jobs;
    * a Fargate profile for the ``serverless`` namespace;
    * pull access on ``pull_repositories`` for every node role and the Fargate pod-execution role.

    Example:
        network = NetworkStack(app, "NetworkStack")
        EksClusterStack(app, "EksClusterStack", vpc=network.vpc,
                        pull_repositories=[r.repository for r in registry.repositories])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        pull_repositories: Sequence[ecr.IRepository] = (),
        admin_roles: Sequence[iam.IRole] | None = None,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: Parent construct (usually the ``App``).
        construct_id: Stack id.
        vpc: VPC with private subnets with egress (``NetworkStack.vpc``).
        pull_repositories: ECR repositories every node kind may pull from. Defaults to none.
        admin_roles: Roles given cluster-admin access entries. Defaults to none.
        **kwargs: Passed to ``aws_cdk.Stack`` (``env``, ``description``, ...).
        """
        super().__init__(scope, construct_id, **kwargs)

        self.eks = EksCluster(self, "Eks", vpc=vpc, admin_roles=admin_roles)
        """The cluster and its capacity."""

        self.eks.add_managed_node_group(
            "Spot",
            ManagedNodeGroupOptions(
                capacity_type=eks.CapacityType.SPOT,
                instance_types=["m7i.large", "m6i.large", "m5.large"],
                min_size=1,
                max_size=4,
                labels={"capacity": "spot"},
            ),
        )
        self.eks.add_self_managed_node_group(
            "Batch",
            SelfManagedNodeGroupOptions(
                instance_types=["c7i.xlarge"],
                min_size=0,
                max_size=3,
                labels={"workload": "batch"},
                taints=[Taint(key="workload", value="batch", effect="NoSchedule")],
            ),
        )
        self.eks.add_fargate_profile("Serverless", selectors=[FargateSelector(namespace="serverless")])

        for repository in pull_repositories:
            for role in self.eks.node_roles:
                repository.grant_pull(role)
        if pull_repositories:
            for role in self.eks.node_roles:
                acknowledge_pull_grants(role)

        # Storage (issue 5): the four CSI drivers, one StorageClass each. See docs/storage.md.
        self.storage = add_example_storage(self.eks)
        """EBS, EFS, FSx for Lustre and FSx for ONTAP drivers and their StorageClasses."""
