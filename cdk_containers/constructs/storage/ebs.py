"""Amazon EBS block volumes for pods through the EBS CSI driver."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems
from cdk_containers.constructs.storage._common import (
    StorageCluster,
    as_text,
    check_enum,
    check_interface,
)
from cdk_containers.constructs.storage._driver import CsiDriver, StorageClass, StorageClassOptions

__all__ = [
    "EBS_IOPS_PER_GB_MAX",
    "EBS_IOPS_RANGES",
    "EbsCsiDriver",
    "EbsFileSystemType",
    "EbsStorageClass",
    "EbsStorageClassOptions",
]

_VOLUME_TYPES = (
    ec2.EbsDeviceVolumeType.GP3,
    ec2.EbsDeviceVolumeType.IO1,
    ec2.EbsDeviceVolumeType.IO2,
    ec2.EbsDeviceVolumeType.ST1,
    ec2.EbsDeviceVolumeType.SC1,
)
#: Provisioned IOPS each volume type accepts (EBS user guide, volume types).
EBS_IOPS_RANGES: dict[str, tuple[int, int]] = {
    "gp3": (3000, 80000),
    "io1": (100, 64000),
    "io2": (100, 256000),
}
#: Highest IOPS per GiB each volume type allows.
EBS_IOPS_PER_GB_MAX: dict[str, int] = {"gp3": 500, "io1": 50, "io2": 1000}
_GP3_THROUGHPUT = (125, 2000)


class EbsFileSystemType(enum.Enum):
    """The file system the EBS CSI driver formats a new volume with."""

    EXT4 = "ext4"
    XFS = "xfs"
    EXT3 = "ext3"


@dataclass(frozen=True, kw_only=True)
class EbsStorageClassOptions(StorageClassOptions):
    """A StorageClass that provisions one EBS volume per PersistentVolumeClaim.

    Volumes bind with `WaitForFirstConsumer`, so each is created in the Availability Zone
    of the node its pod is scheduled on.

    Example:
        ebs.add_storage_class(
            "Io2Db",
            EbsStorageClassOptions(name="io2-db", volume_type=ec2.EbsDeviceVolumeType.IO2, iops=20000),
        )

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain, unique on the cluster.
        volume_type: `GP3`, `IO1`, `IO2`, `ST1` or `SC1` of `ec2.EbsDeviceVolumeType`.
            Defaults to `ec2.EbsDeviceVolumeType.GP3`.
        iops: Provisioned IOPS per volume (gp3 3000-80000, io1 100-64000, io2 100-256000;
            not for st1/sc1). io1 and io2 need `iops` or `iops_per_gb`. Defaults to gp3's
            baseline (3000).
        iops_per_gb: IOPS per GiB of volume size instead of a fixed `iops` (gp3 up to 500,
            io1 up to 50, io2 up to 1000); small volumes are raised to the type's minimum.
            Defaults to none.
        throughput: gp3 throughput in MiB/s, 125-2000. Defaults to gp3's baseline (125).
        encrypted: Encrypt volumes at rest. Defaults to `True`.
        encryption_key: Customer-managed key for the volumes; the driver's controller is
            granted what EBS needs on it. Defaults to the account's EBS key (`aws/ebs`).
        fs_type: File system of new volumes. Defaults to `EbsFileSystemType.EXT4`.
        allow_expansion: Let claims grow. Defaults to `True`.
        default: Make this the cluster's default StorageClass. Defaults to `False`.
        reclaim_policy: `RETAIN` keeps the volume when its claim is deleted; `DELETE`
            removes it. Defaults to `ReclaimPolicy.RETAIN` (volumes hold data).
    """

    volume_type: ec2.EbsDeviceVolumeType = ec2.EbsDeviceVolumeType.GP3
    iops: int | None = None
    iops_per_gb: int | None = None
    throughput: int | None = None
    encrypted: bool = True
    encryption_key: kms.IKey | None = None
    fs_type: EbsFileSystemType = EbsFileSystemType.EXT4
    allow_expansion: bool = True

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)

        def arg(name: str) -> str:
            return f"{argument}.{name}"

        if self.volume_type not in _VOLUME_TYPES:
            problems.add(
                arg("volume_type"),
                self.volume_type,
                "an ec2.EbsDeviceVolumeType the driver provisions: GP3, IO1, IO2, ST1 or SC1",
            )
            return
        vtype = self.volume_type.name.lower()
        for name in ("encrypted", "allow_expansion"):
            problems.check_type(arg(name), getattr(self, name), bool)
        check_interface(problems, arg("encryption_key"), self.encryption_key, kms.IKey, "key_arn")
        check_enum(problems, arg("fs_type"), self.fs_type, EbsFileSystemType, "EbsFileSystemType")
        if self.iops is not None and self.iops_per_gb is not None:
            problems.add(
                arg("iops"),
                self.iops,
                f"either iops or iops_per_gb, not both (iops_per_gb={self.iops_per_gb})",
            )
        if vtype in ("io1", "io2") and self.iops is None and self.iops_per_gb is None:
            # EC2 CreateVolume requires Iops for io1/io2: without it every claim stays Pending.
            problems.add(
                arg("iops"),
                None,
                f"set (or iops_per_gb): {vtype} volumes need provisioned IOPS, EBS has no default",
            )
        self._check_rate(problems, arg("iops"), self.iops, EBS_IOPS_RANGES.get(vtype), vtype, "")
        per_gb = EBS_IOPS_PER_GB_MAX.get(vtype)
        self._check_rate(
            problems, arg("iops_per_gb"), self.iops_per_gb, (1, per_gb) if per_gb else None, vtype, ""
        )
        if self.throughput is not None and vtype != "gp3":
            problems.add(
                arg("throughput"), self.throughput, f"only for gp3 volumes (volume_type is {vtype!r})"
            )
        elif self.throughput is not None:
            self._check_rate(problems, arg("throughput"), self.throughput, _GP3_THROUGHPUT, vtype, " (MiB/s)")
        if self.encryption_key is not None and self.encrypted is False:
            problems.add(arg("encryption_key"), self.encryption_key.node.path, "only with encrypted=True")

    @staticmethod
    def _check_rate(
        problems: Problems, argument: str, value: Any, bounds: tuple[int, int] | None, vtype: str, unit: str
    ) -> None:
        if value is None:
            return
        if bounds is None:
            problems.add(argument, value, f"not set: {vtype} volumes have no provisioned IOPS")
            return
        low, high = bounds
        problems.check_int(
            argument,
            value,
            minimum=low,
            maximum=high,
            allowed=f"for {vtype} an integer from {low} to {high}{unit}",
        )


class EbsCsiDriver(CsiDriver):
    """The EBS CSI driver add-on with its IAM, and StorageClasses for EBS volumes.

    What it creates:

    * the `aws-ebs-csi-driver` EKS add-on, after the cluster's compute (CSI add-ons
      installed before any node go DEGRADED);
    * a role for the controller's service account (`kube-system/ebs-csi-controller-sa`)
      with `AmazonEBSCSIDriverPolicy`, bound through EKS Pod Identity;
    * unless `create_default_storage_class=False`, an encrypted gp3 StorageClass `gp3`
      that is the cluster's default (since EKS 1.30 no class is the default out of the box).

    EBS needs EC2 nodes: Fargate pods cannot mount EBS volumes.

    Example:
        ebs = EbsCsiDriver(self, "Ebs", cluster=eks_cluster)
        ebs.add_storage_class("Io2", EbsStorageClassOptions(
            name="io2", volume_type=ec2.EbsDeviceVolumeType.IO2, iops=16000, encryption_key=key))
    """

    ADDON_NAME = "aws-ebs-csi-driver"
    PROVISIONER = "ebs.csi.aws.com"
    SERVICE_ACCOUNT = "ebs-csi-controller-sa"
    MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
    DEFAULT_CLASS_NAME = "gp3"
    """Name of the default class the driver creates."""
    _ASSOCIATION_ID = "EbsCsiController"
    _NEEDS_EC2_FOR = "EBS volumes"
    _KEY_GRANT_ACTIONS = ("kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant")
    _KEY_USE_ACTIONS = (
        "kms:Encrypt",
        "kms:Decrypt",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:DescribeKey",
    )
    _OPTIONS = EbsStorageClassOptions

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        create_default_storage_class: bool = True,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The `EksCluster` (or any `StorageCluster`); it needs EC2 capacity (a node group).
        create_default_storage_class: Create the encrypted gp3 class `gp3` as the cluster
            default. Defaults to `True`.
        addon_version: Add-on version, e.g. `v1.48.0-eksbuild.1`. Defaults to the version EKS
            picks for the cluster.

        Raises:
            ValueError: An argument is invalid; the message lists every problem.
        """
        problems, checked = self._problems(scope, construct_id, cluster, addon_version)
        problems.check_type("create_default_storage_class", create_default_storage_class, bool)
        problems.raise_if_any()
        assert checked is not None
        super().__init__(scope, construct_id, cluster=checked)
        self._install_controller(
            addon_version,
            description="EBS CSI controller (kube-system/ebs-csi-controller-sa)",
            managed_policy_reason="AmazonEBSCSIDriverPolicy is the policy AWS maintains for the EBS CSI "
            "driver; it scopes volume deletion and modification to volumes the driver tagged, and AWS "
            "updates it with the driver's new API calls",
        )
        if create_default_storage_class:
            self.add_storage_class(
                "DefaultStorageClass", EbsStorageClassOptions(name=self.DEFAULT_CLASS_NAME, default=True)
            )

    _BINDING_MODE = "WaitForFirstConsumer"

    def _parameters(self, options: EbsStorageClassOptions) -> dict[str, str]:
        parameters = {
            "type": options.volume_type.name.lower(),
            "encrypted": "true" if options.encrypted else "false",
            "csi.storage.k8s.io/fstype": options.fs_type.value,
        }
        if options.encryption_key is not None:
            self._grant_key(options.encryption_key)
            parameters["kmsKeyId"] = options.encryption_key.key_arn
        if options.iops is not None:
            parameters["iops"] = as_text(options.iops)
        if options.iops_per_gb is not None:
            parameters["iopsPerGB"] = as_text(options.iops_per_gb)
            parameters["allowAutoIOPSPerGBIncrease"] = "true"
        if options.throughput is not None:
            parameters["throughput"] = as_text(options.throughput)
        return parameters


class EbsStorageClass(StorageClass):
    """An EBS StorageClass on the cluster of an `EbsCsiDriver` (what `add_storage_class` makes).

    Example:
        EbsStorageClass(self, "Fast", driver=ebs, options=EbsStorageClassOptions(name="fast", throughput=500))
    """

    _DRIVER = EbsCsiDriver


EbsCsiDriver._STORAGE_CLASS = EbsStorageClass
