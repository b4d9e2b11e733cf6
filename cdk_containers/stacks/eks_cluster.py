"""EksClusterStack: a private EKS cluster with all three kinds of capacity."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aws_cdk import Aws, CfnOutput, Environment, Fn, IStackSynthesizer, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)
from cdk_containers.constructs.eks._cluster_checks import check_object
from cdk_containers.stacks._common import check_stack_props, show_signature
from cdk_containers.stacks._storage_example import add_example_storage

__all__ = ["EksClusterStack"]

_ROLE_ARN = r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$"
_PREFIX = r"[a-z0-9][a-z0-9._/-]{1,29}"  # as EksCluster.allow_pull_through checks it


class EksClusterStack(Stack):
    """An EKS cluster in a given VPC with one node group of each kind.

    What it creates:

    - an `EksCluster` (private endpoint, all control-plane logs, KMS-encrypted secrets,
      managed add-ons in the right order);
    - a managed node group of Spot AL2023 instances over three x86 instance types;
    - a self-managed node group (AL2023, launch template, nodeadm user data, two instance
      types of one size in a mixed-instances group) tainted `workload=batch:NoSchedule` for
      batch jobs;
    - a Fargate profile for the `serverless` namespace;
    - pull access on `pull_repositories` and through the pull-through caches of
      `pull_through_prefixes` for every node role and the Fargate pod-execution role;
    - outputs: the cluster name and the `aws eks update-kubeconfig` command.

    Example:
        network = NetworkStack(app, "NetworkStack")
        EksClusterStack(app, "EksClusterStack", vpc=network.vpc,
                        pull_repositories=[r.repository for r in registry.repositories],
                        admin_role_arns=["arn:aws:iam::111122223333:role/platform-admin"])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        pull_repositories: Sequence[ecr.IRepository] = (),
        pull_through_prefixes: Sequence[str] = (),
        admin_roles: Sequence[iam.IRole] = (),
        admin_role_arns: Sequence[str] = (),
        node_min_size: int = 1,
        node_max_size: int = 4,
        batch_min_size: int = 1,
        batch_max_size: int = 3,
        env: Environment | None = None,
        stack_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        termination_protection: bool = False,
        synthesizer: IStackSynthesizer | None = None,
    ) -> None:
        """Create the stack.

        Args:
            scope: Parent construct (usually the `App`).
            construct_id: Stack id.
            vpc: VPC with private subnets with egress in two Availability Zones (`NetworkStack.vpc`).
            pull_repositories: ECR repositories every node kind may pull from. Defaults to none.
            pull_through_prefixes: Pull-through cache prefixes every node kind may pull through
                (`PullThroughCache.repository_prefixes`). Defaults to none.
            admin_roles: Roles given cluster-admin access entries. Defaults to none.
            admin_role_arns: ARNs of more roles given cluster-admin access entries (the example app
                reads them from the `admin_role_arns` context). Defaults to none. With no admin at
                all, synthesis warns: nobody but the kubectl handler could reach the cluster.
            node_min_size: Nodes the managed Spot group keeps (and starts with). Defaults to 1.
            node_max_size: Nodes the managed Spot group may grow to. Defaults to 4.
            batch_min_size: Instances the self-managed batch group keeps. Defaults to 1: the
                example installs no cluster autoscaler, so with 0 a batch pod would stay
                Pending, and with 1 the first deploy waits for a node to join through nodeadm
                and its access entry (the creation signal) and fails loudly if none does.
            batch_max_size: Instances the self-managed batch group may grow to. Defaults to 3.
            env: The account and region. Defaults to environment-agnostic.
            stack_name: The CloudFormation stack name. Defaults to `construct_id`.
            description: The stack description. Defaults to none.
            tags: Tags on every resource of the stack. Defaults to none.
            termination_protection: Whether CloudFormation refuses to delete the stack. Defaults to `False`.
            synthesizer: The stack synthesizer, e.g. `DefaultStackSynthesizer(qualifier=...)` for an
                environment bootstrapped with a custom qualifier. Defaults to the app's default synthesizer.

        Raises:
            ValueError: Listing every invalid argument.
        """
        problems = Problems("EksClusterStack", construct_path(scope, construct_id))
        for name, objects, kind in (
            ("pull_repositories", pull_repositories, "ecr.IRepository"),
            ("admin_roles", admin_roles, "iam.IRole"),
        ):
            if problems.check_list(name, objects, object, optional=False):
                for i, item in enumerate(objects):
                    check_object(problems, f"{name}[{i}]", item, kind)
        if problems.check_known_items(
            "pull_through_prefixes",
            pull_through_prefixes,
            "each prefix gets its own grant on repository/<prefix>/*",
        ):
            problems.check_list(
                "pull_through_prefixes",
                pull_through_prefixes,
                str,
                optional=False,
                item_check=lambda p: bool(re.fullmatch(_PREFIX, p)),
                item_allowed="an ECR pull-through cache prefix, 2-30 characters, e.g. 'ecr-public'",
            )
        if problems.check_known_items(
            "admin_role_arns", admin_role_arns, "each ARN becomes its own cluster-admin access entry"
        ):
            problems.check_list(
                "admin_role_arns",
                admin_role_arns,
                str,
                optional=False,
                item_check=lambda arn: bool(re.fullmatch(_ROLE_ARN, arn)),
                item_allowed="an IAM role ARN like 'arn:aws:iam::111122223333:role/platform-admin'",
            )
        sizes_why = "the managed Spot group's sizes: aws_eks_v2.Nodegroup compares them at synthesis"
        min_ok = problems.check_known("node_min_size", node_min_size, sizes_why) and problems.check_int(
            "node_min_size", node_min_size, minimum=0
        )
        if problems.check_known("node_max_size", node_max_size, sizes_why):
            problems.check_int("node_max_size", node_max_size, minimum=max(1, node_min_size) if min_ok else 1)
        batch_min_ok = problems.check_known(
            "batch_min_size",
            batch_min_size,
            "it decides whether CloudFormation waits for the batch nodes to join (the creation signal)",
        ) and problems.check_int("batch_min_size", batch_min_size, minimum=0)
        problems.check_int(
            "batch_max_size", batch_max_size, minimum=max(1, batch_min_size) if batch_min_ok else 1
        )
        check_stack_props(
            problems,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=tags,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )
        problems.raise_if_any()
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=dict(tags) if tags is not None else None,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )
        roles = list(admin_roles) + [
            iam.Role.from_role_arn(self, f"Admin{i}", arn, mutable=False)
            for i, arn in enumerate(admin_role_arns)
        ]
        self.eks = EksCluster(self, "Eks", vpc=vpc, admin_roles=roles)
        """The cluster and its capacity."""

        self.eks.add_managed_node_group(
            "Spot",
            ManagedNodeGroupOptions(
                capacity_type=eks.CapacityType.SPOT,
                instance_types=["m7i.large", "m6i.large", "m5.large"],
                min_size=node_min_size,
                max_size=node_max_size,
                labels={"capacity": "spot"},
            ),
        )
        self.eks.add_self_managed_node_group(
            "Batch",
            SelfManagedNodeGroupOptions(
                # Two types of one size: Auto Scaling launches the second where the first has no
                # capacity, and the cluster autoscaler still sees one node shape.
                instance_types=["c7i.xlarge", "c6i.xlarge"],
                min_size=batch_min_size,
                max_size=batch_max_size,
                labels={"workload": "batch"},
                taints=[Taint(key="workload", value="batch", effect=eks.TaintEffect.NO_SCHEDULE)],
            ),
        )
        self.eks.add_fargate_profile(
            "Serverless", FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")])
        )
        if pull_repositories:
            self.eks.allow_pull(pull_repositories)
        if pull_through_prefixes:
            self.eks.allow_pull_through(pull_through_prefixes)

        # Storage (issue 5): the four CSI drivers, one StorageClass each. See docs/storage.md.
        # The nodes above keep pods off IMDS (hop limit 1), so the EBS node plugin counts one ENI
        # and the root volume. m5.large, m6i.large and c6i.xlarge share their 27 attachments
        # between ENIs and volumes, and the VPC CNI attaches up to 3, 3 and 4 ENIs: reserving
        # 1 root + 3 extra ENIs keeps every one of them from being promised a slot it lacks.
        # m7i.large and c7i.xlarge have 32 dedicated EBS slots; they report 28 instead of 31.
        self.storage = add_example_storage(self.eks, ebs_reserved_volume_attachments=4)
        """EBS, EFS, FSx for Lustre and FSx for ONTAP drivers and their StorageClasses."""

        CfnOutput(self, "ClusterName", value=self.eks.cluster_name, description="The EKS cluster's name")
        role_flag = f" --role-arn {roles[0].role_arn}" if roles else ""
        CfnOutput(
            self,
            "UpdateKubeconfigCommand",
            value=Fn.join(
                "",
                [
                    f"aws eks update-kubeconfig --name {self.eks.cluster_name} --region ",
                    Aws.REGION,
                    role_flag,
                ],
            ),
            description="Writes a kubeconfig entry for the cluster (run it where the private endpoint is "
            "reachable, with credentials that may assume the admin role); see docs/deploy.md",
        )


show_signature(EksClusterStack)
