"""Amazon EBS block volumes for pods through the EBS CSI driver."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, is_token
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

# The node plugin's attachment settings, as the add-on / Helm chart takes them. Read in
# kubernetes-sigs/aws-ebs-csi-driver at 429e202e589798e55c0f8ddcc81b2850b7f000d0 (2026-08-19, chart
# 2.64.0, driver v1.64.0): charts/aws-ebs-csi-driver/values.yaml (`node.reservedVolumeAttachments`,
# `node.volumeAttachLimit`: "Cannot be specified at the same time"), templates/_node.tpl (each
# rendered with `{{- with }}`, which drops a 0), pkg/driver/options.go (the node refuses to start
# with both), pkg/driver/node.go `getVolumesLimit`, pkg/cloud/limits/volume_limits_table.go
# (largest per-type limit 128), docs/install.md ("Kubernetes Metadata") and docs/faq.md (volume
# attachment capacity). `reservedVolumeAttachments` came with driver v1.28.0 (chart 2.28.1).
_RESERVED_ATTACHMENTS_KEY = "reservedVolumeAttachments"
_ATTACH_LIMIT_KEY = "volumeAttachLimit"
_RESERVED_SINCE = (1, 28)
_MAX_ATTACHMENTS = 128
_ADDON_MINOR = re.compile(r"v?(\d+)\.(\d+)")


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

    How many volumes a node takes: this library's nodes keep pods off IMDS (hop limit 1), so
    the driver's node plugin reads Kubernetes metadata and assumes one ENI and one attached
    volume. On instance types whose ENIs and EBS volumes share one attachment limit (Nitro
    before the 7th generation: m5, m6i, c6i, ...) it then reports up to one slot too many for
    every ENI the VPC CNI adds. `reserved_volume_attachments` (or `volume_attach_limit`)
    corrects that; see docs/storage.md.

    Example:
        # m6i.large nodes: 3 ENIs, so 1 root volume + 2 extra ENIs.
        ebs = EbsCsiDriver(self, "Ebs", cluster=eks_cluster, reserved_volume_attachments=3)
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
        reserved_volume_attachments: int | None = None,
        volume_attach_limit: int | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The `EksCluster` (or any `StorageCluster`); it needs EC2 capacity (a node group).
        create_default_storage_class: Create the encrypted gp3 class `gp3` as the cluster
            default. Defaults to `True`.
        addon_version: Add-on version, e.g. `v1.48.0-eksbuild.1`. Defaults to the version EKS
            picks for the cluster.
        reserved_volume_attachments: Attachment slots of every node that CSI volumes may not
            use (1 to 127): the root volume, any other volume of the node's launch template
            and, on instance types whose ENIs and EBS volumes share one limit, the ENIs the VPC
            CNI attaches beyond the first. The driver reports the instance type's limit minus
            this. Becomes the add-on's `node.reservedVolumeAttachments` (driver v1.28.0 or
            later); not with `volume_attach_limit`. Defaults to the driver's own count: on
            hop-limit-1 nodes that is 1 (the root volume) and no extra ENI, so an m5.large
            (shared limit 27, up to 3 ENIs) is reported as taking 26 volumes where 24 fit once
            the VPC CNI has attached all its ENIs. The right value depends on the instance
            types, so there is no safe fixed default: use 1 + (most ENIs of your shared-limit
            types - 1), e.g. 3 for m5.large/m6i.large, 4 for c6i.xlarge.
        volume_attach_limit: Volumes every node reports it can take (1 to 128), whatever its
            instance type. Becomes the add-on's `node.volumeAttachLimit`; not with
            `reserved_volume_attachments`. Defaults to the driver's count from the instance
            type (see `reserved_volume_attachments`).

        Raises:
            ValueError: An argument is invalid; the message lists every problem.
        """
        problems, checked = self._problems(scope, construct_id, cluster, addon_version)
        problems.check_type("create_default_storage_class", create_default_storage_class, bool)
        configuration = self._node_configuration(
            problems, addon_version, reserved_volume_attachments, volume_attach_limit
        )
        problems.raise_if_any()
        assert checked is not None
        super().__init__(scope, construct_id, cluster=checked)
        self._install_controller(
            addon_version,
            description="EBS CSI controller (kube-system/ebs-csi-controller-sa)",
            managed_policy_reason="AmazonEBSCSIDriverPolicy is the policy AWS maintains for the EBS CSI "
            "driver; it scopes volume deletion and modification to volumes the driver tagged, and AWS "
            "updates it with the driver's new API calls",
            configuration=configuration,
        )
        self.reserved_volume_attachments = reserved_volume_attachments
        """Attachment slots every node keeps from CSI volumes (`None`: the driver's own count)."""
        self.volume_attach_limit = volume_attach_limit
        """Volumes every node reports it can take (`None`: the driver's count from the instance type)."""
        if create_default_storage_class:
            self.add_storage_class(
                "DefaultStorageClass", EbsStorageClassOptions(name=self.DEFAULT_CLASS_NAME, default=True)
            )

    @staticmethod
    def _node_configuration(
        problems: Problems, addon_version: Any, reserved: Any, limit: Any
    ) -> dict[str, Any] | None:
        """The add-on's `configurationValues` for the node plugin's attachment count, if any."""
        # The chart renders each with `{{- with }}`, which drops a 0: a 0 would silently mean
        # the driver's default, so neither takes it (0 reserved slots is wrong anyway: the root
        # volume takes one; a limit of 0 reads as "no limit" to Kubernetes).
        reserved_ok = problems.check_int(
            "reserved_volume_attachments",
            reserved,
            minimum=1,
            maximum=_MAX_ATTACHMENTS - 1,
            optional=True,
            allowed=f"an integer from 1 to {_MAX_ATTACHMENTS - 1} (the root volume takes one slot; "
            "the largest attachment limit of any instance type is 128), or None for the driver's own count",
        )
        limit_ok = problems.check_int(
            "volume_attach_limit",
            limit,
            minimum=1,
            maximum=_MAX_ATTACHMENTS,
            optional=True,
            allowed=f"an integer from 1 to {_MAX_ATTACHMENTS} (the largest attachment limit of any "
            "instance type), or None for the driver's count from the instance type",
        )
        if reserved is not None and limit is not None:
            # The node plugin refuses to start with both (pkg/driver/options.go).
            problems.add(
                "volume_attach_limit",
                limit,
                "not set together with reserved_volume_attachments "
                f"(reserved_volume_attachments={reserved!r}): the driver takes one or the other",
            )
            return None
        if reserved is not None and isinstance(addon_version, str) and not is_token(addon_version):
            found = _ADDON_MINOR.match(addon_version)
            if found and (int(found[1]), int(found[2])) < _RESERVED_SINCE:
                problems.add(
                    "addon_version",
                    addon_version,
                    "v1.28.0 or later with reserved_volume_attachments (the driver's "
                    "reservedVolumeAttachments setting came in v1.28.0), or None for the version EKS picks",
                )
        if reserved is not None and reserved_ok:
            return {"node": {_RESERVED_ATTACHMENTS_KEY: reserved}}
        if limit is not None and limit_ok:
            return {"node": {_ATTACH_LIMIT_KEY: limit}}
        return None

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
