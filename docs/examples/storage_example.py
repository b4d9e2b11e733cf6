"""EKS storage: EBS, EFS, FSx for Lustre and FSx for NetApp ONTAP on one cluster."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_kms as kms

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
)
from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EbsFileSystemType,
    EbsStorageClassOptions,
    EfsCsiDriver,
    EfsStorageClassOptions,
    FsxLustreCsiDriver,
    FsxLustreStorageClassOptions,
    FsxOntapCsiDriver,
    OntapStorageClassOptions,
)


def build(stack: Stack) -> None:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    cluster = EksCluster(stack, "Eks", vpc=vpc)
    # EBS and FSx need EC2 nodes: add capacity before the drivers.
    cluster.add_managed_node_group("General", ManagedNodeGroupOptions())
    cluster.add_fargate_profile(
        "Serverless", FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")])
    )

    key = kms.Key(stack, "StorageKey", enable_key_rotation=True, removal_policy=RemovalPolicy.RETAIN)

    # Block storage: the default class "gp3" (encrypted, cluster default) plus a fast io2 class.
    ebs = EbsCsiDriver(stack, "Ebs", cluster=cluster)
    ebs.add_storage_class(
        "Io2Db",
        EbsStorageClassOptions(
            name="io2-db",
            volume_type=ec2.EbsDeviceVolumeType.IO2,
            iops=20000,
            encryption_key=key,
            fs_type=EbsFileSystemType.XFS,
        ),
    )

    # Shared files: one access point per claim; a static volume for the Fargate namespace.
    shared = EfsCsiDriver(stack, "Efs", cluster=cluster)
    shared.add_storage_class(
        "Efs", EfsStorageClassOptions(name="efs", directory_perms="750", gid_range=(5000, 6000))
    )
    shared.add_static_volume("serverless-data")

    # HPC scratch and persistent Lustre, one subnet (Lustre is single-AZ).
    lustre = FsxLustreCsiDriver(stack, "Lustre", cluster=cluster)
    lustre.add_storage_class(
        "Scratch",
        FsxLustreStorageClassOptions(
            name="lustre-scratch", deployment_type=fsx.LustreDeploymentType.SCRATCH_2
        ),
    )

    # Enterprise NAS: FSx for ONTAP with NetApp Trident (Marketplace add-on).
    ontap = FsxOntapCsiDriver(stack, "Ontap", cluster=cluster, encryption_key=key, throughput_capacity=256)
    ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))
