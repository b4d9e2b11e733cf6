"""Amazon EFS shared file storage for pods through the EFS CSI driver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain, is_int
from cdk_containers.constructs.storage._common import (
    ReclaimPolicy,
    StorageCluster,
    add_storage_class_manifest,
    check_storage_class_basics,
    controller_role,
    install_controller_addon,
    is_octal_mode,
    storage_class_manifest,
)

__all__ = ["EfsCsiDriver", "EfsStorageClass"]

NFS_PORT = 2049
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, kw_only=True)
class EfsStorageClass:
    """A StorageClass that gives each PersistentVolumeClaim its own EFS access point.

    Example:
        efs_driver.add_storage_class(
            EfsStorageClass(name="shared", directory_perms="750", gid_range=(1000, 2000))
        )

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain.
        directory_perms: Octal mode of each claim's root directory. Defaults to ``"700"``.
        uid: POSIX user id that owns each claim's directory and that access is
            made as. Defaults to one the driver picks from ``gid_range``.
        gid: POSIX group id, fixed for every claim. Defaults to one from ``gid_range``.
        gid_range: ``(start, end)`` of the group ids the driver allocates, one per
            claim, instead of a fixed ``gid``. Defaults to the driver's 50000-7000000.
        base_path: Directory under which claims' directories are created, e.g.
            ``"/dynamic"``. Defaults to the file system root.
        sub_path_pattern: Directory name pattern, e.g.
            ``"${.PVC.namespace}/${.PVC.name}"``. Defaults to the volume name.
        ensure_unique_directory: Append a UUID to each directory name. Defaults to
            the driver's ``true``.
        default: Make this the cluster's default StorageClass. Defaults to ``False``.
        reclaim_policy: ``Retain`` keeps the access point and data when a claim is
            deleted. Defaults to ``Retain`` (shared file storage holds user data).
    """

    name: str
    directory_perms: str = "700"
    uid: int | None = None
    gid: int | None = None
    gid_range: tuple[int, int] | None = None
    base_path: str | None = None
    sub_path_pattern: str | None = None
    ensure_unique_directory: bool | None = None
    default: bool = False
    reclaim_policy: ReclaimPolicy = "Retain"

    def __post_init__(self) -> None:
        problems = Problems("EfsStorageClass", self.name)
        check_storage_class_basics(problems, name=self.name, reclaim_policy=self.reclaim_policy)
        problems.check(
            is_octal_mode(self.directory_perms),
            "directory_perms",
            self.directory_perms,
            "an octal file mode of 3 or 4 digits 0-7 as a string, e.g. '700' or '0750'",
        )
        for argument, value in (("uid", self.uid), ("gid", self.gid)):
            if value is not None:
                problems.check(
                    is_int(value) and 0 <= value <= _MAX_ID,
                    argument,
                    value,
                    f"an integer from 0 to {_MAX_ID}",
                )
        if self.gid_range is not None:
            start, end = self.gid_range
            problems.check(
                is_int(start) and is_int(end) and 1 <= start <= end <= _MAX_ID,
                "gid_range",
                self.gid_range,
                f"(start, end) with 1 <= start <= end <= {_MAX_ID}",
            )
            if self.gid is not None:
                problems.add("gid_range", self.gid_range, f"not set together with a fixed gid ({self.gid})")
        if self.base_path is not None:
            problems.check(
                self.base_path.startswith("/") and ".." not in self.base_path.split("/"),
                "base_path",
                self.base_path,
                "an absolute path inside the file system, e.g. '/dynamic'",
            )
        problems.raise_if_any()

    def to_manifest(self, *, file_system_id: str) -> dict[str, Any]:
        """The StorageClass manifest, with the parameters the EFS CSI driver documents."""
        parameters = {
            "provisioningMode": "efs-ap",
            "fileSystemId": file_system_id,
            "directoryPerms": self.directory_perms,
        }
        if self.uid is not None:
            parameters["uid"] = str(self.uid)
        if self.gid is not None:
            parameters["gid"] = str(self.gid)
        if self.gid_range is not None:
            parameters["gidRangeStart"] = str(self.gid_range[0])
            parameters["gidRangeEnd"] = str(self.gid_range[1])
        if self.base_path is not None:
            parameters["basePath"] = self.base_path
        if self.sub_path_pattern is not None:
            parameters["subPathPattern"] = self.sub_path_pattern
        if self.ensure_unique_directory is not None:
            parameters["ensureUniqueDirectory"] = "true" if self.ensure_unique_directory else "false"
        return storage_class_manifest(
            name=self.name,
            provisioner=EfsCsiDriver.PROVISIONER,
            parameters=parameters,
            reclaim_policy=self.reclaim_policy,
            binding_mode="Immediate",
            # EFS is elastic: a claim's size is not enforced, so there is nothing to expand.
            allow_expansion=False,
            default=self.default,
        )


class EfsCsiDriver(Construct):
    """An encrypted EFS file system, the EFS CSI driver add-on and StorageClasses.

    What it creates:

    * unless ``file_system`` is given, an EFS file system encrypted at rest,
      with automatic backups, elastic throughput, mount targets in the
      cluster's node subnets and ``RemovalPolicy.RETAIN``;
    * a security group on the mount targets that admits NFS (TCP 2049) from
      the cluster security group only, and initiates nothing; the file system
      has no file system policy, so pods mount without IAM authentication, as
      the driver and Fargate do by default (the security group is the gate);
    * on a cluster with EC2 nodes, the ``aws-efs-csi-driver`` add-on (after
      compute) and a role for ``kube-system/efs-csi-controller-sa`` with
      ``AmazonEFSCSIDriverPolicy`` bound through EKS Pod Identity.

    On a Fargate-only cluster the add-on is not installed: Fargate has the EFS
    driver built in, supports static provisioning only, and has no Pod
    Identity. Use :meth:`add_static_volume` there; see docs/storage.md.

    Example:
        shared = EfsCsiDriver(self, "Efs", cluster=eks_cluster)
        shared.add_storage_class(EfsStorageClass(name="efs", directory_perms="700"))
    """

    ADDON_NAME = "aws-efs-csi-driver"
    PROVISIONER = "efs.csi.aws.com"
    NAMESPACE = "kube-system"
    SERVICE_ACCOUNT = "efs-csi-controller-sa"
    MANAGED_POLICY = "service-role/AmazonEFSCSIDriverPolicy"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        file_system: efs.IFileSystem | None = None,
        kms_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The ``EksCluster``.
        file_system: An existing file system to use. It must have mount targets in
            the node subnets, and its file system policy must admit clients that mount
            without IAM (or every volume needs the ``iam`` mount option); NFS from the
            cluster security group is added to its connections. Defaults to a new
            encrypted file system.
        kms_key: Customer-managed key for a new file system. Defaults to the
            account's EFS key (``aws/elasticfilesystem``).
        removal_policy: What happens to a new file system when it leaves the stack.
            Defaults to ``RemovalPolicy.RETAIN``.
        addon_version: Add-on version. Defaults to the version EKS picks.
        """
        problems = Problems("EfsCsiDriver", construct_path(scope, construct_id))
        if file_system is not None and kms_key is not None:
            problems.add("kms_key", kms_key.node.path, "only for a new file system (file_system is given)")
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._cluster = cluster

        if file_system is None:
            self.security_group: ec2.ISecurityGroup | None = ec2.SecurityGroup(
                self,
                "SecurityGroup",
                vpc=cluster.vpc,
                description="EFS mount targets: NFS from the EKS cluster security group only",
                allow_all_outbound=False,
            )
            """The mount targets' security group (``None`` for a file system you passed)."""
            self.security_group.add_ingress_rule(
                cluster.cluster_security_group, ec2.Port.tcp(NFS_PORT), "NFS from EKS pods and nodes"
            )
            self.file_system: efs.IFileSystem = efs.FileSystem(
                self,
                "FileSystem",
                vpc=cluster.vpc,
                vpc_subnets=cluster.node_subnets,
                security_group=self.security_group,
                # The driver's node plugin and Fargate mount without IAM authentication
                # (no ``iam`` mount option), and CDK's default policy under the
                # denyAnonymousAccess flag refuses such clients: every mount would fail with
                # "access denied by server". Access is limited by the security group
                # (cluster only) and, per claim, by the access point's POSIX identity.
                allow_anonymous_access=True,
                encrypted=True,
                kms_key=kms_key,
                enable_automatic_backups=True,
                performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
                throughput_mode=efs.ThroughputMode.ELASTIC,
                removal_policy=removal_policy,
            )
            """The file system claims are provisioned on."""
        else:
            self.security_group = None
            self.file_system = file_system
            file_system.connections.allow_from(
                cluster.cluster_security_group, ec2.Port.tcp(NFS_PORT), "NFS from EKS pods and nodes"
            )

        self.role: iam.Role | None = None
        """The controller's role (``None`` on a Fargate-only cluster)."""
        self.addon: eks.Addon | None = None
        """The ``aws-efs-csi-driver`` add-on (``None`` on a Fargate-only cluster)."""
        if cluster.has_ec2_capacity:
            self.role = controller_role(
                self,
                "ControllerRole",
                cluster=cluster,
                namespace=self.NAMESPACE,
                service_account=self.SERVICE_ACCOUNT,
                description="EFS CSI controller (kube-system/efs-csi-controller-sa)",
                managed_policy=self.MANAGED_POLICY,
                managed_policy_reason="AmazonEFSCSIDriverPolicy is the policy AWS maintains for the EFS "
                "CSI driver; it lets the controller create access points only with the driver's tag and "
                "delete only access points it tagged, and AWS updates it with the driver",
            )
            self.addon = install_controller_addon(
                cluster,
                self.role,
                addon_name=self.ADDON_NAME,
                addon_version=addon_version,
                association_id="EfsCsiController",
                namespace=self.NAMESPACE,
                service_account=self.SERVICE_ACCOUNT,
            )
        self.storage_classes: dict[str, dict[str, Any]] = {}
        """Every StorageClass manifest added so far, by name."""

    def add_storage_class(self, storage_class: EfsStorageClass) -> eks.KubernetesManifest:
        """Add an access-point StorageClass (dynamic provisioning) on this file system."""
        problems = Problems("EfsCsiDriver", self.node.path)
        if self.addon is None:
            problems.add(
                "storage_class",
                storage_class.name,
                "a cluster with EC2 nodes: dynamic provisioning needs the EFS CSI controller, which "
                "Fargate cannot run; use add_static_volume() for Fargate pods",
            )
        problems.raise_if_any()
        return add_storage_class_manifest(
            self._cluster,
            self,
            storage_class.to_manifest(file_system_id=self.file_system.file_system_id),
            default=storage_class.default,
            construct_type="EfsCsiDriver",
            into=self.storage_classes,
        )

    def static_volume_manifest(
        self, name: str, *, access_point: efs.IAccessPoint | None = None, capacity: str = "5Gi"
    ) -> dict[str, Any]:
        """A PersistentVolume for static provisioning (what Fargate pods use).

        Args:
            name: PersistentVolume name, a DNS-1123 subdomain.
            access_point: Mount through this access point. Defaults to the file system root.
            capacity: Required by Kubernetes, ignored by EFS. Defaults to ``"5Gi"``.
        """
        problems = Problems("EfsCsiDriver", self.node.path)
        problems.check(is_dns1123_subdomain(name), "name", name, "a DNS-1123 subdomain")
        problems.raise_if_any()
        handle = self.file_system.file_system_id
        if access_point is not None:
            handle = f"{handle}::{access_point.access_point_id}"
        return {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name},
            "spec": {
                "capacity": {"storage": capacity},
                "volumeMode": "Filesystem",
                "accessModes": ["ReadWriteMany"],
                "persistentVolumeReclaimPolicy": "Retain",
                "storageClassName": "",
                # TLS in transit: Fargate's built-in driver and the add-on both honour it.
                "mountOptions": ["tls"],
                "csi": {"driver": self.PROVISIONER, "volumeHandle": handle},
            },
        }

    def add_static_volume(
        self, name: str, *, access_point: efs.IAccessPoint | None = None, capacity: str = "5Gi"
    ) -> eks.KubernetesManifest:
        """Add a statically provisioned PersistentVolume; claim it with ``volumeName: <name>``."""
        manifest = self.static_volume_manifest(name, access_point=access_point, capacity=capacity)
        return self._cluster.add_manifest(f"EfsVolume-{name}", manifest)
