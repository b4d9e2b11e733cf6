#!/usr/bin/env python3
"""A user's own CDK app, with cdk-containers installed from its wheel.

It is not the project's example app: it builds its own VPC with plain CDK and
uses one or more constructs of every family, each with non-default arguments.
``tests/consumer/test_consumer_path.py`` copies this folder out of the
repository, synthesizes it in a fresh virtual environment and type-checks it
with ``mypy --strict``.
"""

from __future__ import annotations

from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers.constructs import (
    AmiType,
    AppRunnerAutoScaling,
    AppRunnerService,
    ContainerRepository,
    EbsCsiDriver,
    EbsStorageClass,
    EfsCsiDriver,
    EksCluster,
    FargateSelector,
    ManagedNodeGroupOptions,
    Taint,
)


class ShopStack(Stack):
    """Everything the shop runs: images, a cluster with storage, and a web front end."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        vpc = ec2.Vpc(
            self, "Vpc", ip_addresses=ec2.IpAddresses.cidr("10.42.0.0/16"), max_azs=2, nat_gateways=1
        )
        key = kms.Key(self, "Key", enable_key_rotation=True)

        self.images = ContainerRepository(
            self,
            "Images",
            repository_name="shop/web",
            keep_images=10,
            mutable_tags=["latest"],
            encryption_key=key,
        )

        self.cluster = EksCluster(
            self,
            "Cluster",
            vpc=vpc,
            cluster_name="shop",
            public_access_cidrs=["203.0.113.0/24"],
            secrets_encryption_key=key,
        )
        nodes = self.cluster.add_managed_node_group(
            "Arm",
            ManagedNodeGroupOptions(
                instance_types=("m7g.large",),
                ami_type=AmiType.AL2023_ARM_64_STANDARD,
                capacity_type=eks.CapacityType.SPOT,
                min_size=2,
                max_size=6,
                labels={"team": "shop"},
                taints=(Taint(key="dedicated", value="shop", effect="NoExecute"),),
            ),
        )
        self.images.grant_pull(nodes.role)
        self.cluster.add_fargate_profile("Jobs", selectors=[FargateSelector(namespace="jobs")])

        ebs = EbsCsiDriver(self, "Ebs", cluster=self.cluster, create_default_storage_class=False)
        ebs.add_storage_class(EbsStorageClass(name="fast", volume_type="io2", iops=4000, default=True))
        EfsCsiDriver(self, "Efs", cluster=self.cluster, kms_key=key)

        self.web = AppRunnerService(
            self,
            "Web",
            repository=self.images,
            tag="v1.2.3",
            port=3000,
            cpu="0.5 vCPU",
            memory="1 GB",
            vpc=vpc,
            auto_scaling=AppRunnerAutoScaling(min_size=1, max_size=4, max_concurrency=50),
            environment={"STAGE": "prod"},
        )


def build(app: App) -> ShopStack:
    return ShopStack(app, "Shop")


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
