"""Amazon EFS shared file storage for pods through the EFS CSI driver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy, aws_backup
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_efs as efs
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._nag import acknowledge_control
from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain
from cdk_containers.constructs.storage._backup import StorageBackupOptions, backup_plan, check_backup
from cdk_containers.constructs.storage._common import (
    StorageCluster,
    as_text,
    check_interface,
    is_octal_mode,
)
from cdk_containers.constructs.storage._driver import CsiDriver, StorageClass, StorageClassOptions

__all__ = ["EFS_NFS_PORT", "EfsCsiDriver", "EfsStorageClass", "EfsStorageClassOptions"]

#: The one port EFS mount targets serve (NFS); docs/storage.md, "Ports".
EFS_NFS_PORT = 2049
_MAX_ID = 2**31 - 1


@dataclass(frozen=True, kw_only=True)
class EfsStorageClassOptions(StorageClassOptions):
    """A StorageClass that gives each PersistentVolumeClaim its own EFS access point.

    Example:
        efs_driver.add_storage_class(
            "Shared", EfsStorageClassOptions(name="shared", directory_perms="750", gid_range=(1000, 2000))
        )

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain, unique on the cluster.
        directory_perms: Octal mode of each claim's root directory. Defaults to `"700"`.
        uid: POSIX user id that owns each claim's directory and that access is made as.
            Defaults to one the driver picks from `gid_range`.
        gid: POSIX group id, fixed for every claim. Defaults to one from `gid_range`.
        gid_range: `(start, end)` of the group ids the driver allocates, one per claim,
            instead of a fixed `gid`. Defaults to the driver's 50000-7000000.
        base_path: Directory under which claims' directories are created, e.g. `"/dynamic"`.
            Defaults to the file system root.
        sub_path_pattern: Directory name pattern, e.g. `"${.PVC.namespace}/${.PVC.name}"`.
            Defaults to the volume name.
        ensure_unique_directory: Append a UUID to each directory name. Defaults to the
            driver's `true`.
        default: Make this the cluster's default StorageClass. Defaults to `False`.
        reclaim_policy: `RETAIN` keeps the access point and data when a claim is deleted.
            Defaults to `ReclaimPolicy.RETAIN` (shared file storage holds user data).
    """

    directory_perms: str = "700"
    uid: int | None = None
    gid: int | None = None
    gid_range: tuple[int, int] | None = None
    base_path: str | None = None
    sub_path_pattern: str | None = None
    ensure_unique_directory: bool | None = None

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)
        prefix = f"{argument}."
        problems.check(
            is_octal_mode(self.directory_perms),
            prefix + "directory_perms",
            self.directory_perms,
            "an octal file mode of 3 or 4 digits 0-7 as a string, e.g. '700' or '0750'",
        )
        for name in ("uid", "gid"):
            problems.check_int(prefix + name, getattr(self, name), minimum=0, maximum=_MAX_ID, optional=True)
        if self.gid_range is not None and problems.check_list(prefix + "gid_range", self.gid_range, int):
            ids = list(self.gid_range)
            problems.check(
                len(ids) == 2 and 1 <= ids[0] <= ids[-1] <= _MAX_ID,
                prefix + "gid_range",
                self.gid_range,
                f"(start, end) with 1 <= start <= end <= {_MAX_ID}",
            )
            if self.gid is not None:
                problems.add(
                    prefix + "gid_range", self.gid_range, f"not set together with a fixed gid ({self.gid})"
                )
        if problems.check_str(prefix + "base_path", self.base_path, optional=True) and self.base_path:
            problems.check(
                self.base_path.startswith("/") and ".." not in self.base_path.split("/"),
                prefix + "base_path",
                self.base_path,
                "an absolute path inside the file system, e.g. '/dynamic'",
            )
        problems.check_str(prefix + "sub_path_pattern", self.sub_path_pattern, optional=True)
        problems.check_type(
            prefix + "ensure_unique_directory", self.ensure_unique_directory, bool, optional=True
        )


class EfsCsiDriver(CsiDriver):
    """An encrypted EFS file system, the EFS CSI driver add-on and StorageClasses.

    What it creates:

    * unless `file_system` is given, an EFS file system encrypted at rest, with automatic
      backups, elastic throughput, mount targets in the cluster's node subnets and
      `RemovalPolicy.RETAIN`;
    * a security group on the mount targets that admits NFS (TCP 2049) from the cluster
      security group only, and initiates nothing; the file system has no file system
      policy, so pods mount without IAM authentication, as the driver and Fargate do by
      default (the security group is the gate);
    * on a cluster with EC2 nodes, the `aws-efs-csi-driver` add-on (after compute) and a
      role for `kube-system/efs-csi-controller-sa` with `AmazonEFSCSIDriverPolicy` bound
      through EKS Pod Identity.

    On a Fargate-only cluster the add-on is not installed: Fargate has the EFS driver built
    in, supports static provisioning only, and has no Pod Identity. Use `add_static_volume`
    there; see docs/storage.md.

    Example:
        shared = EfsCsiDriver(self, "Efs", cluster=eks_cluster)
        shared.add_storage_class("Efs", EfsStorageClassOptions(name="efs", directory_perms="700"))
    """

    ADDON_NAME = "aws-efs-csi-driver"
    PROVISIONER = "efs.csi.aws.com"
    SERVICE_ACCOUNT = "efs-csi-controller-sa"
    MANAGED_POLICY = "service-role/AmazonEFSCSIDriverPolicy"
    _ASSOCIATION_ID = "EfsCsiController"
    _OPTIONS = EfsStorageClassOptions

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        file_system: efs.IFileSystem | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        backup: StorageBackupOptions | None = None,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The `EksCluster` (or any `StorageCluster`).
        file_system: An existing file system to use. It must have mount targets in the node
            subnets, and its file system policy must admit clients that mount without IAM (or
            every volume needs the `iam` mount option); NFS from the cluster security group is
            added to its connections. Defaults to a new encrypted file system.
        encryption_key: Customer-managed key for a new file system. Defaults to the account's
            EFS key (`aws/elasticfilesystem`).
        removal_policy: What happens to a new file system when it leaves the stack. Defaults
            to `RemovalPolicy.RETAIN`.
        backup: Daily AWS Backup of the file system into a retained vault with a customer key
            (then EFS's own automatic backups, into the `aws/backup` vault, stay off). Defaults to
            none: a new file system has EFS's automatic backups.
        addon_version: Add-on version. Defaults to the version EKS picks.

        Raises:
            ValueError: An argument is invalid; the message lists every problem.
        """
        problems, checked = self._problems(scope, construct_id, cluster, addon_version)
        check_interface(problems, "file_system", file_system, efs.IFileSystem, "file_system_id")
        check_interface(problems, "encryption_key", encryption_key, kms.IKey, "key_arn")
        problems.check_type("removal_policy", removal_policy, RemovalPolicy)
        check_backup(problems, backup)
        if file_system is not None and encryption_key is not None:
            problems.add(
                "encryption_key",
                encryption_key.node.path,
                "only for a new file system (file_system is given)",
            )
        problems.raise_if_any()
        assert checked is not None
        super().__init__(scope, construct_id, cluster=checked)
        nfs = ec2.Port.tcp(EFS_NFS_PORT)
        if file_system is None:
            self.security_group: ec2.ISecurityGroup | None = ec2.SecurityGroup(
                self,
                "SecurityGroup",
                vpc=checked.vpc,
                description="EFS mount targets: NFS from the EKS cluster security group only",
                allow_all_outbound=False,
            )
            """The mount targets' security group (`None` for a file system you passed)."""
            self.security_group.add_ingress_rule(
                checked.cluster_security_group, nfs, "NFS from EKS pods and nodes"
            )
            self.file_system: efs.IFileSystem = efs.FileSystem(
                self,
                "FileSystem",
                vpc=checked.vpc,
                vpc_subnets=checked.node_subnets,
                security_group=self.security_group,
                # The driver's node plugin and Fargate mount without IAM authentication (no `iam`
                # mount option), and CDK's default policy under the denyAnonymousAccess flag refuses
                # such clients: every mount would fail with "access denied by server". Access is
                # limited by the security group (cluster only) and, per claim, by the access
                # point's POSIX identity.
                allow_anonymous_access=True,
                encrypted=True,
                kms_key=encryption_key,
                enable_automatic_backups=backup is None,
                performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
                throughput_mode=efs.ThroughputMode.ELASTIC,
                removal_policy=removal_policy,
            )
            """The file system claims are provisioned on."""
        else:
            self.security_group = None
            self.file_system = file_system
            file_system.connections.allow_from(
                checked.cluster_security_group, nfs, "NFS from EKS pods and nodes"
            )
        self.backup_plan: aws_backup.BackupPlan | None = None
        """The AWS Backup plan of the file system (`None` without `backup`)."""
        if backup is not None:
            self.backup_plan = backup_plan(
                self,
                aws_backup.BackupResource.from_efs_file_system(self.file_system),
                backup,
                what=f"the EFS file system of {self.node.path}",
            )
            if file_system is None:
                acknowledge_control(
                    self.file_system,
                    "The file system is backed up daily by this construct's AWS Backup plan into a retained "
                    "vault under a customer managed key; EFS automatic backups would add a second copy in "
                    "the default vault under the AWS managed aws/backup key",
                    "efs_automatic_backups_enabled_check",
                )
        if checked.has_ec2_capacity:
            self._install_controller(
                addon_version,
                description="EFS CSI controller (kube-system/efs-csi-controller-sa)",
                managed_policy_reason="AmazonEFSCSIDriverPolicy is the policy AWS maintains for the EFS "
                "CSI driver; it lets the controller create access points only with the driver's tag and "
                "delete only access points it tagged, and AWS updates it with the driver",
            )

    def _check_storage_class(self, options: EfsStorageClassOptions, problems: Problems) -> None:
        if self.addon is None:
            problems.add(
                "driver",
                self.node.path,
                "an EFS driver on a cluster with EC2 nodes: dynamic provisioning needs the EFS CSI "
                "controller, which Fargate cannot run; use add_static_volume() for Fargate pods",
            )

    def _parameters(self, options: EfsStorageClassOptions) -> dict[str, str]:
        parameters = {
            "provisioningMode": "efs-ap",
            "fileSystemId": self.file_system.file_system_id,
            "directoryPerms": options.directory_perms,
        }
        for key, value in (("uid", options.uid), ("gid", options.gid)):
            if value is not None:
                parameters[key] = as_text(value)
        if options.gid_range is not None:
            parameters["gidRangeStart"] = as_text(options.gid_range[0])
            parameters["gidRangeEnd"] = as_text(options.gid_range[1])
        if options.base_path is not None:
            parameters["basePath"] = options.base_path
        if options.sub_path_pattern is not None:
            parameters["subPathPattern"] = options.sub_path_pattern
        if options.ensure_unique_directory is not None:
            parameters["ensureUniqueDirectory"] = "true" if options.ensure_unique_directory else "false"
        return parameters

    def static_volume_manifest(
        self, name: str, *, access_point: efs.IAccessPoint | None = None, capacity: str = "5Gi"
    ) -> dict[str, Any]:
        """A PersistentVolume for static provisioning (what Fargate pods use).

        Args:
            name: PersistentVolume name, a DNS-1123 subdomain.
            access_point: Mount through this access point. Defaults to the file system root.
            capacity: Required by Kubernetes, ignored by EFS. Defaults to `"5Gi"`.

        Returns:
            The PersistentVolume as a plain dict (mounted over TLS, reclaim policy `Retain`).

        Raises:
            ValueError: An argument is invalid.
        """
        problems = Problems("EfsCsiDriver", construct_path(self, name))
        if problems.check_str("name", name) and problems.check_known("name", name, "it names the object"):
            problems.check(is_dns1123_subdomain(name), "name", name, "a DNS-1123 subdomain")
        check_interface(problems, "access_point", access_point, efs.IAccessPoint, "access_point_id")
        problems.check_str(
            "capacity", capacity, pattern=r"[0-9]+(Ki|Mi|Gi|Ti|Pi|Ei)?", allowed="a quantity like '5Gi'"
        )
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
        """Add a statically provisioned PersistentVolume; claim it with `volumeName: <name>`.

        Args:
            name: PersistentVolume name, a DNS-1123 subdomain.
            access_point: Mount through this access point. Defaults to the file system root.
            capacity: Required by Kubernetes, ignored by EFS. Defaults to `"5Gi"`.

        Returns:
            The PersistentVolume on the cluster.
        """
        manifest = self.static_volume_manifest(name, access_point=access_point, capacity=capacity)
        return self.cluster.add_manifest(f"EfsVolume-{name}", manifest)


class EfsStorageClass(StorageClass):
    """An EFS access-point StorageClass on the cluster of an `EfsCsiDriver`.

    Example:
        EfsStorageClass(self, "Shared", driver=efs_driver, options=EfsStorageClassOptions(name="shared"))
    """

    _DRIVER = EfsCsiDriver


EfsCsiDriver._STORAGE_CLASS = EfsStorageClass
