"""The storage part of the EKS example: all four CSI drivers, one StorageClass each."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services
from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EfsCsiDriver,
    EfsStorageClassOptions,
    FsxLustreCsiDriver,
    FsxLustreStorageClassOptions,
    FsxOntapCsiDriver,
    OntapStorageClassOptions,
    StorageBackupOptions,
    StorageCluster,
)

__all__ = ["ExampleStorage", "add_example_storage"]


@dataclass(frozen=True)
class ExampleStorage:
    """The drivers `add_example_storage` created."""

    key: kms.Key
    ebs: EbsCsiDriver
    efs: EfsCsiDriver
    lustre: FsxLustreCsiDriver
    ontap: FsxOntapCsiDriver


def add_example_storage(
    cluster: StorageCluster, *, ebs_reserved_volume_attachments: int | None = None
) -> ExampleStorage:
    """Install EBS, EFS, FSx for Lustre and FSx for ONTAP on `cluster`, under `<stack>/Storage`.

    * EBS: the driver's default class `gp3` (encrypted, the cluster default), and the
      attachment slots its nodes keep from CSI volumes, if given;
    * EFS and FSx for ONTAP: daily AWS Backup, 35 days, into retained vaults encrypted with the
      example's key (the ONTAP admin secrets use that key too);
    * EFS: class `efs` (one access point per claim under `/dynamic`), and a static
      PersistentVolume `efs-static` that Fargate pods can claim;
    * FSx for Lustre: class `lustre` (PERSISTENT_2, LZ4, the example's KMS key);
    * FSx for ONTAP: a 1024 GiB Multi-AZ file system encrypted with the example's KMS key,
      Trident, and class `ontap-nas`.

    Args:
        cluster: The `EksCluster` (or any `StorageCluster`); it needs a node group.
        ebs_reserved_volume_attachments: `EbsCsiDriver(reserved_volume_attachments=...)`.
            Defaults to the driver's own count.

    Returns:
        The drivers and the example's key.
    """
    scope = Construct(Stack.of(cluster.cluster), "Storage")
    key = limit_grants_to_aws_services(
        kms.Key(
            scope,
            "FileSystemKey",
            description=(
                "Encrypts the example's FSx file systems, the ONTAP admin secrets and the backup vaults"
            ),
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
    )
    ebs = EbsCsiDriver(
        scope, "Ebs", cluster=cluster, reserved_volume_attachments=ebs_reserved_volume_attachments
    )
    # Daily AWS Backup (35 days) into retained vaults encrypted with the example's key.
    backups = StorageBackupOptions(encryption_key=key)
    efs_driver = EfsCsiDriver(scope, "Efs", cluster=cluster, backup=backups)
    efs_driver.add_storage_class("Efs", EfsStorageClassOptions(name="efs", base_path="/dynamic"))
    efs_driver.add_static_volume("efs-static")
    lustre = FsxLustreCsiDriver(scope, "Lustre", cluster=cluster)
    lustre.add_storage_class("Lustre", FsxLustreStorageClassOptions(name="lustre", encryption_key=key))
    ontap = FsxOntapCsiDriver(scope, "Ontap", cluster=cluster, encryption_key=key, backup=backups)
    ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))
    return ExampleStorage(key=key, ebs=ebs, efs=efs_driver, lustre=lustre, ontap=ontap)
