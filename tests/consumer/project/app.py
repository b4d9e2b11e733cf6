#!/usr/bin/env python3
"""A user's own CDK app, with cdk-containers installed from its wheel.

It is not the project's example app: it builds its own VPC with plain CDK and
uses one or more constructs of every family, each with non-default arguments, and
it does what an existing app does: it imports a repository and a cluster it did not
create, gives them to our constructs, and hands our repository to aws-cdk-lib's own
APIs that take an `ecr.IRepository`.
``tests/consumer/test_consumer_path.py`` copies this folder out of the
repository, synthesizes it in a fresh virtual environment and type-checks it
with ``mypy --strict``.
"""

from __future__ import annotations

import aws_cdk.aws_apprunner_alpha as apprunner
from aws_cdk import App, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers.constructs import (
    AppRunnerAutoScaling,
    AppRunnerService,
    ContainerRepository,
    EbsCsiDriver,
    EbsStorageClassOptions,
    EfsCsiDriver,
    EksCluster,
    EksClusterAttributes,
    ExpressService,
    FargateProfileOptions,
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
                ami_type=eks.NodegroupAmiType.AL2023_ARM_64_STANDARD,
                capacity_type=eks.CapacityType.SPOT,
                min_size=2,
                max_size=6,
                labels={"team": "shop"},
                taints=(Taint(key="dedicated", value="shop", effect=eks.TaintEffect.NO_EXECUTE),),
            ),
        )
        # A second group without the taint, so CoreDNS and the CSI controllers have somewhere to run.
        self.cluster.add_managed_node_group("System", ManagedNodeGroupOptions(min_size=2, max_size=3))
        self.images.grant_pull(nodes.role)
        self.cluster.add_fargate_profile(
            "Jobs", FargateProfileOptions(selectors=[FargateSelector(namespace="jobs")])
        )

        ebs = EbsCsiDriver(self, "Ebs", cluster=self.cluster, create_default_storage_class=False)
        ebs.add_storage_class(
            "Fast",
            EbsStorageClassOptions(
                name="fast", volume_type=ec2.EbsDeviceVolumeType.IO2, iops=4000, default=True
            ),
        )
        EfsCsiDriver(self, "Efs", cluster=self.cluster, encryption_key=key)

        # Our repository where aws-cdk-lib expects an ecr.IRepository: an ECS task's image.
        task = ecs.FargateTaskDefinition(self, "Migrate")
        task.add_container("migrate", image=ecs.ContainerImage.from_ecr_repository(self.images, tag="v1.2.3"))

        self.web = AppRunnerService(
            self,
            "Web",
            repository=self.images,
            tag="v1.2.3",
            port=3000,
            cpu=apprunner.Cpu.HALF_VCPU,
            memory=apprunner.Memory.ONE_GB,
            vpc=vpc,
            auto_scaling=AppRunnerAutoScaling(min_size=1, max_size=4, max_concurrency=50),
            environment={"STAGE": "prod"},
        )


class LegacyStack(Stack):
    """The part of a two-year-old app: a repository and a cluster it did not create here."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        vpc = ec2.Vpc.from_vpc_attributes(
            self,
            "Vpc",
            vpc_id="vpc-0123456789abcdef0",
            vpc_cidr_block="10.7.0.0/16",
            availability_zones=["eu-west-1a", "eu-west-1b"],
            private_subnet_ids=["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
        )
        self.images = ContainerRepository.from_repository_name(self, "Legacy", "legacy/api")
        self.cluster = EksCluster.from_cluster_attributes(
            self,
            "Cluster",
            EksClusterAttributes(
                cluster_name="legacy",
                vpc=vpc,
                version="1.35",
                cluster_security_group_id="sg-0123456789abcdef0",
                pod_identity_agent=True,
            ),
        )
        group = self.cluster.add_managed_node_group(
            "Workers", ManagedNodeGroupOptions(min_size=1, max_size=2)
        )
        self.images.grant_pull(group.role)
        EbsCsiDriver(self, "Ebs", cluster=self.cluster)


class CheckoutStack(Stack):
    """The same image on ECS Express Mode, for an account App Runner does not take."""

    def __init__(self, scope: Construct, construct_id: str, *, shop: ShopStack) -> None:
        super().__init__(scope, construct_id)
        vpc = ec2.Vpc(self, "Vpc", max_azs=2, nat_gateways=1)
        self.service = ExpressService(
            self,
            "Checkout",
            vpc=vpc,
            repository=shop.images,
            tag="v1.2.3",
            port=3000,
            environment={"STAGE": "prod"},
            health_check_path="/health",
        )


def build(app: App) -> ShopStack:
    LegacyStack(app, "Legacy")
    shop = ShopStack(app, "Shop")
    CheckoutStack(app, "Checkout", shop=shop)
    return shop


if __name__ == "__main__":
    app = App()
    build(app)
    app.synth()
