"""Amazon EBS block volumes for pods through the EBS CSI driver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_int
from cdk_containers.constructs.storage._common import (
    ReclaimPolicy,
    StorageCluster,
    add_storage_class_manifest,
    check_storage_class_basics,
    controller_role,
    install_controller_addon,
    require_ec2_capacity,
    storage_class_manifest,
)

__all__ = ["EBS_IOPS_PER_GB_MAX", "EBS_IOPS_RANGES", "EbsCsiDriver", "EbsStorageClass"]

EBS_VOLUME_TYPES = ("gp3", "io1", "io2", "st1", "sc1")
#: Provisioned IOPS each volume type accepts (EBS user guide, volume types).
EBS_IOPS_RANGES: dict[str, tuple[int, int]] = {
    "gp3": (3000, 80000),
    "io1": (100, 64000),
    "io2": (100, 256000),
}
#: Highest IOPS per GiB each volume type allows.
EBS_IOPS_PER_GB_MAX: dict[str, int] = {"gp3": 500, "io1": 50, "io2": 1000}
GP3_THROUGHPUT_RANGE = (125, 2000)
EBS_FS_TYPES = ("ext4", "xfs", "ext3")


@dataclass(frozen=True, kw_only=True)
class EbsStorageClass:
    """A StorageClass that provisions one EBS volume per PersistentVolumeClaim.

    Volumes bind with ``WaitForFirstConsumer``, so each is created in the
    Availability Zone of the node its pod is scheduled on.

    Example:
        driver.add_storage_class(EbsStorageClass(name="io2-db", volume_type="io2", iops=20000))

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain.
        volume_type: ``gp3``, ``io1``, ``io2``, ``st1`` or ``sc1``. Defaults to ``gp3``.
        iops: Provisioned IOPS per volume (gp3 3000-80000, io1 100-64000, io2
            100-256000; not for st1/sc1). io1 and io2 need ``iops`` or ``iops_per_gb``.
            Defaults to gp3's baseline (3000).
        iops_per_gb: IOPS per GiB of volume size instead of a fixed ``iops``
            (gp3 up to 500, io1 up to 50, io2 up to 1000); small volumes are raised
            to the type's minimum. Defaults to none.
        throughput: gp3 throughput in MiB/s, 125-2000. Defaults to gp3's baseline (125).
        encrypted: Encrypt volumes at rest. Defaults to ``True``.
        kms_key: Customer-managed key for the volumes; the driver's controller is
            granted what EBS needs on it. Defaults to the account's EBS key (``aws/ebs``).
        fs_type: ``ext4``, ``xfs`` or ``ext3``. Defaults to ``ext4``.
        allow_expansion: Let claims grow. Defaults to ``True``.
        default: Make this the cluster's default StorageClass. Defaults to ``False``.
        reclaim_policy: ``Retain`` keeps the volume when its claim is deleted;
            ``Delete`` removes it. Defaults to ``Retain`` (volumes hold data).
    """

    name: str
    volume_type: str = "gp3"
    iops: int | None = None
    iops_per_gb: int | None = None
    throughput: int | None = None
    encrypted: bool = True
    kms_key: kms.IKey | None = None
    fs_type: str = "ext4"
    allow_expansion: bool = True
    default: bool = False
    reclaim_policy: ReclaimPolicy = "Retain"

    def __post_init__(self) -> None:
        problems = Problems("EbsStorageClass", self.name)
        check_storage_class_basics(problems, name=self.name, reclaim_policy=self.reclaim_policy)
        vtype = self.volume_type
        problems.check(vtype in EBS_VOLUME_TYPES, "volume_type", vtype, f"one of {list(EBS_VOLUME_TYPES)}")
        if self.iops is not None and self.iops_per_gb is not None:
            problems.add(
                "iops", self.iops, f"either iops or iops_per_gb, not both (iops_per_gb={self.iops_per_gb})"
            )
        if vtype in ("io1", "io2") and self.iops is None and self.iops_per_gb is None:
            # EC2 CreateVolume requires Iops for io1/io2: without it every claim stays Pending.
            problems.add(
                "iops",
                None,
                f"set (or iops_per_gb): {vtype} volumes need provisioned IOPS, EBS has no default",
            )
        if self.iops is not None:
            if vtype in EBS_IOPS_RANGES:
                low, high = EBS_IOPS_RANGES[vtype]
                problems.check(
                    is_int(self.iops) and low <= self.iops <= high,
                    "iops",
                    self.iops,
                    f"for {vtype} an integer from {low} to {high}",
                )
            elif vtype in EBS_VOLUME_TYPES:
                problems.add("iops", self.iops, f"not set: {vtype} volumes have no provisioned IOPS")
        if self.iops_per_gb is not None:
            if vtype in EBS_IOPS_PER_GB_MAX:
                high = EBS_IOPS_PER_GB_MAX[vtype]
                problems.check(
                    is_int(self.iops_per_gb) and 1 <= self.iops_per_gb <= high,
                    "iops_per_gb",
                    self.iops_per_gb,
                    f"for {vtype} an integer from 1 to {high}",
                )
            elif vtype in EBS_VOLUME_TYPES:
                problems.add(
                    "iops_per_gb", self.iops_per_gb, f"not set: {vtype} volumes have no provisioned IOPS"
                )
        if self.throughput is not None:
            if vtype != "gp3":
                problems.add(
                    "throughput", self.throughput, f"only for gp3 volumes (volume_type is {vtype!r})"
                )
            else:
                low, high = GP3_THROUGHPUT_RANGE
                problems.check(
                    is_int(self.throughput) and low <= self.throughput <= high,
                    "throughput",
                    self.throughput,
                    f"for gp3 an integer from {low} to {high} (MiB/s)",
                )
        problems.check(self.fs_type in EBS_FS_TYPES, "fs_type", self.fs_type, f"one of {list(EBS_FS_TYPES)}")
        if self.kms_key is not None and not self.encrypted:
            problems.add("kms_key", self.kms_key.node.path, "only with encrypted=True")
        problems.raise_if_any()

    def to_manifest(self) -> dict[str, Any]:
        """The StorageClass manifest, with the parameters the EBS CSI driver documents."""
        parameters = {
            "type": self.volume_type,
            "encrypted": "true" if self.encrypted else "false",
            "csi.storage.k8s.io/fstype": self.fs_type,
        }
        if self.kms_key is not None:
            parameters["kmsKeyId"] = self.kms_key.key_arn
        if self.iops is not None:
            parameters["iops"] = str(self.iops)
        if self.iops_per_gb is not None:
            parameters["iopsPerGB"] = str(self.iops_per_gb)
            parameters["allowAutoIOPSPerGBIncrease"] = "true"
        if self.throughput is not None:
            parameters["throughput"] = str(self.throughput)
        return storage_class_manifest(
            name=self.name,
            provisioner=EbsCsiDriver.PROVISIONER,
            parameters=parameters,
            reclaim_policy=self.reclaim_policy,
            binding_mode="WaitForFirstConsumer",
            allow_expansion=self.allow_expansion,
            default=self.default,
        )


class EbsCsiDriver(Construct):
    """The EBS CSI driver add-on with its IAM, and StorageClasses for EBS volumes.

    What it creates:

    * the ``aws-ebs-csi-driver`` EKS add-on, after the cluster's compute
      (CSI add-ons installed before any node go DEGRADED);
    * a role for the controller's service account (``kube-system/ebs-csi-controller-sa``)
      with ``AmazonEBSCSIDriverPolicy``, bound through EKS Pod Identity;
    * unless ``create_default_storage_class=False``, an encrypted gp3
      StorageClass ``gp3`` that is the cluster's default (since EKS 1.30 no
      class is the default out of the box).

    EBS needs EC2 nodes: Fargate pods cannot mount EBS volumes.

    Example:
        ebs = EbsCsiDriver(self, "Ebs", cluster=eks_cluster)
        ebs.add_storage_class(EbsStorageClass(name="io2", volume_type="io2", iops=16000, kms_key=key))
    """

    ADDON_NAME = "aws-ebs-csi-driver"
    PROVISIONER = "ebs.csi.aws.com"
    NAMESPACE = "kube-system"
    SERVICE_ACCOUNT = "ebs-csi-controller-sa"
    MANAGED_POLICY = "service-role/AmazonEBSCSIDriverPolicy"
    DEFAULT_CLASS_NAME = "gp3"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        addon_version: str | None = None,
        create_default_storage_class: bool = True,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The ``EksCluster``; it needs EC2 capacity (a node group).
        addon_version: Add-on version, e.g. ``v1.48.0-eksbuild.1``. Defaults to
            the version EKS picks for the cluster.
        create_default_storage_class: Create the encrypted gp3 class ``gp3`` as
            the cluster default. Defaults to ``True``.
        """
        problems = Problems("EbsCsiDriver", construct_path(scope, construct_id))
        require_ec2_capacity(cluster, problems, what="EBS volumes")
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._cluster = cluster
        self._granted_keys: set[str] = set()

        self.role = controller_role(
            self,
            "ControllerRole",
            cluster=cluster,
            namespace=self.NAMESPACE,
            service_account=self.SERVICE_ACCOUNT,
            description="EBS CSI controller (kube-system/ebs-csi-controller-sa)",
            managed_policy=self.MANAGED_POLICY,
            managed_policy_reason="AmazonEBSCSIDriverPolicy is the policy AWS maintains for the EBS CSI "
            "driver; it scopes volume deletion and modification to volumes the driver tagged, and AWS "
            "updates it with the driver's new API calls",
        )
        """The controller's IAM role, bound to its service account through EKS Pod Identity."""
        self.addon = install_controller_addon(
            cluster,
            self.role,
            addon_name=self.ADDON_NAME,
            addon_version=addon_version,
            association_id="EbsCsiController",
            namespace=self.NAMESPACE,
            service_account=self.SERVICE_ACCOUNT,
        )
        """The ``aws-ebs-csi-driver`` add-on (after the compute, the role and its association)."""
        self.storage_classes: dict[str, dict[str, Any]] = {}
        """Every StorageClass manifest added so far, by name."""
        if create_default_storage_class:
            self.add_storage_class(EbsStorageClass(name=self.DEFAULT_CLASS_NAME, default=True))

    def add_storage_class(self, storage_class: EbsStorageClass) -> eks.KubernetesManifest:
        """Add a StorageClass to the cluster; grants the controller use of its KMS key."""
        if storage_class.kms_key is not None:
            self._grant_key(storage_class.kms_key)
        return add_storage_class_manifest(
            self._cluster,
            self,
            storage_class.to_manifest(),
            default=storage_class.default,
            construct_type="EbsCsiDriver",
            into=self.storage_classes,
        )

    def _grant_key(self, key: kms.IKey) -> None:
        # What EBS needs from a customer-managed key when it creates, attaches
        # and snapshots volumes for the driver (EBS CSI driver KMS policy).
        if key.node.path in self._granted_keys:
            return
        self._granted_keys.add(key.node.path)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                resources=[key.key_arn],
            )
        )
