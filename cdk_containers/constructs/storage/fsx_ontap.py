"""Amazon FSx for NetApp ONTAP enterprise NAS for pods through NetApp Trident."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration, RemovalPolicy, Stack, aws_backup
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, is_dns1123_subdomain, is_token
from cdk_containers.constructs.eks.crds import CrdEstablished, kubectl_cluster_of
from cdk_containers.constructs.storage._backup import StorageBackupOptions, backup_plan, check_backup
from cdk_containers.constructs.storage._common import (
    StorageCluster,
    check_enum,
    check_interface,
    select_subnets,
)
from cdk_containers.constructs.storage._driver import CsiDriver, StorageClass, StorageClassOptions
from cdk_containers.constructs.storage._trident import (
    ONTAP_NFS_PORTS,
    TRIDENT_BACKEND_CRD,
    TRIDENT_NAMESPACE,
    TRIDENT_SERVICE_ACCOUNT,
    ontap_security_group,
    password_secret,
    trident_backend_manifest,
    trident_policy,
)

__all__ = [
    "ONTAP_NFS_PORTS",
    "ONTAP_THROUGHPUT_OPTIONS",
    "FsxOntapCsiDriver",
    "OntapDeploymentType",
    "OntapProvisioningType",
    "OntapStorageClass",
    "OntapStorageClassOptions",
]


class OntapDeploymentType(enum.Enum):
    """The FSx for ONTAP deployment types (`OntapConfiguration.DeploymentType`)."""

    MULTI_AZ_1 = "MULTI_AZ_1"
    SINGLE_AZ_1 = "SINGLE_AZ_1"
    MULTI_AZ_2 = "MULTI_AZ_2"
    SINGLE_AZ_2 = "SINGLE_AZ_2"


class OntapProvisioningType(enum.Enum):
    """How Trident provisions each volume's space."""

    THIN = "thin"
    THICK = "thick"


#: MB/s the service offers per deployment type (for *_2 types: per HA pair, one pair here).
ONTAP_THROUGHPUT_OPTIONS: dict[OntapDeploymentType, tuple[int, ...]] = {
    OntapDeploymentType.SINGLE_AZ_1: (128, 256, 512, 1024, 2048, 4096),
    OntapDeploymentType.MULTI_AZ_1: (128, 256, 512, 1024, 2048, 4096),
    OntapDeploymentType.SINGLE_AZ_2: (1536, 3072, 6144),
    OntapDeploymentType.MULTI_AZ_2: (384, 768, 1536, 3072, 6144),
}
_MIN_CAPACITY_GIB = 1024
_MAX_CAPACITY_GIB = 196608


@dataclass(frozen=True, kw_only=True)
class OntapStorageClassOptions(StorageClassOptions):
    """A StorageClass that creates an ONTAP volume per claim on the driver's backend.

    Example:
        ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain, unique on the cluster.
        provisioning_type: Thin or thick volumes. Defaults to `OntapProvisioningType.THIN`.
        snapshots: Volumes keep ONTAP snapshots. Defaults to `True`.
        mount_options: NFS mount options, a list such as `["nfsvers=4.1"]`. Defaults to Trident's.
        allow_expansion: Let claims grow. Defaults to `True`.
        default: Make this the cluster's default StorageClass. Defaults to `False`.
        reclaim_policy: `RETAIN` keeps the volume when its claim is deleted. Defaults to
            `ReclaimPolicy.RETAIN`.
    """

    provisioning_type: OntapProvisioningType = OntapProvisioningType.THIN
    snapshots: bool = True
    mount_options: Sequence[str] | None = None
    allow_expansion: bool = True

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)
        prefix = f"{argument}."
        check_enum(
            problems,
            prefix + "provisioning_type",
            self.provisioning_type,
            OntapProvisioningType,
            "OntapProvisioningType",
        )
        for name in ("snapshots", "allow_expansion"):
            problems.check_type(prefix + name, getattr(self, name), bool)
        problems.check_list(
            prefix + "mount_options",
            self.mount_options,
            str,
            item_check=lambda option: bool(option) and "," not in option and " " not in option,
            item_allowed="one NFS option without spaces or commas, such as 'nfsvers=4.1'",
        )


class FsxOntapCsiDriver(CsiDriver):
    """An FSx for NetApp ONTAP file system, its SVM, NetApp Trident and StorageClasses.

    What it creates:

    * an FSx for ONTAP file system (encrypted at rest, automatic backups, `RemovalPolicy.RETAIN`)
      in the node subnets, and a storage virtual machine (SVM);
    * the `fsxadmin` and SVM `vsadmin` passwords, generated in Secrets Manager and passed to FSx
      as `{{resolve:secretsmanager:...}}` dynamic references, never as plain text;
    * a security group admitting, from the cluster security group only, the ONTAP REST API
      (TCP 443) and NFS (TCP/UDP 111, 635, 2049, 4045, 4046);
    * the `netapp_trident-operator` add-on (NetApp, from AWS Marketplace: the account may need
      to accept its subscription) after compute, and a role for `trident/trident-controller`
      bound through EKS Pod Identity with a customer-managed policy: FSx volume calls on this
      file system and `secretsmanager:GetSecretValue` on the SVM secret;
    * a `TridentBackendConfig` (`ontap-nas`) for the SVM.

    NFS mounts need EC2 nodes: Fargate pods cannot mount FSx.

    Example:
        ontap = FsxOntapCsiDriver(self, "Ontap", cluster=eks_cluster, storage_capacity_gib=2048)
        ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))
    """

    ADDON_NAME = "netapp_trident-operator"
    PROVISIONER = "csi.trident.netapp.io"
    NAMESPACE = TRIDENT_NAMESPACE
    SERVICE_ACCOUNT = TRIDENT_SERVICE_ACCOUNT
    _ROLE_ID = "TridentRole"
    _ASSOCIATION_ID = "TridentController"
    _NEEDS_EC2_FOR = "FSx for NetApp ONTAP volumes"
    _OPTIONS = OntapStorageClassOptions

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        storage_capacity_gib: int = _MIN_CAPACITY_GIB,
        throughput_capacity: int = 128,
        deployment_type: OntapDeploymentType = OntapDeploymentType.MULTI_AZ_1,
        svm_name: str = "eks",
        backend_name: str = "fsx-ontap-nas",
        automatic_backup_retention: Duration | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        encryption_key: kms.IKey | None = None,
        secrets_encryption_key: kms.IKey | None = None,
        backup: StorageBackupOptions | None = None,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The `EksCluster` (or any `StorageCluster`); it needs EC2 capacity (a node group).
        storage_capacity_gib: SSD capacity, 1024 to 196608 GiB. Defaults to 1024.
        throughput_capacity: MB/s; SINGLE_AZ_1/MULTI_AZ_1: 128, 256, 512, 1024, 2048, 4096;
            MULTI_AZ_2: 384, 768, 1536, 3072, 6144; SINGLE_AZ_2 (one HA pair): 1536, 3072, 6144.
            Defaults to 128.
        deployment_type: Multi-AZ puts the file servers in the first node subnets of two zones
            and routes its endpoints in every node subnet's route table. Defaults to
            `OntapDeploymentType.MULTI_AZ_1`.
        svm_name: Name of the storage virtual machine. Defaults to `eks`.
        backend_name: Name of the TridentBackendConfig, a DNS-1123 subdomain. Defaults to
            `fsx-ontap-nas`.
        automatic_backup_retention: How long daily backups are kept, whole days from 0 (off)
            to 90. Defaults to `Duration.days(7)`.
        removal_policy: What happens to the file system, SVM and secrets when they leave the
            stack. Defaults to `RemovalPolicy.RETAIN`.
        encryption_key: Customer-managed key for the file system. Defaults to the account's FSx
            key (data is always encrypted at rest).
        secrets_encryption_key: Customer-managed key of the two admin secrets; Trident's role may
            decrypt with it through Secrets Manager only. Defaults to `encryption_key` when given,
            else the account's Secrets Manager key (`aws/secretsmanager`).
        backup: Daily AWS Backup of every volume of the file system into a retained vault with a
            customer key, beside FSx's own daily backups. Defaults to none.
        addon_version: Trident add-on version. Defaults to the version EKS picks.

        Raises:
            ValueError: An argument is invalid; the message lists every problem.
        """
        retention = Duration.days(7) if automatic_backup_retention is None else automatic_backup_retention
        problems, checked = self._problems(scope, construct_id, cluster, addon_version)
        problems.check_int(
            "storage_capacity_gib",
            storage_capacity_gib,
            minimum=_MIN_CAPACITY_GIB,
            maximum=_MAX_CAPACITY_GIB,
            allowed=f"an integer from {_MIN_CAPACITY_GIB} to {_MAX_CAPACITY_GIB} (GiB of SSD)",
        )
        if check_enum(
            problems, "deployment_type", deployment_type, OntapDeploymentType, "OntapDeploymentType"
        ):
            offered = ONTAP_THROUGHPUT_OPTIONS[deployment_type]
            rule = f"for {deployment_type.name} one of {list(offered)} (MB/s)"
            if is_token(throughput_capacity):  # a Number token passes: FSx checks it at deploy time
                problems.check_type(
                    "throughput_capacity", throughput_capacity, (int, float), allowed=f"a number: {rule}"
                )
            else:
                problems.check(
                    throughput_capacity in offered, "throughput_capacity", throughput_capacity, rule
                )
        if problems.check_type("automatic_backup_retention", retention, Duration, allowed="a Duration"):
            days = retention.to_days(integral=False)
            problems.check(
                days == int(days) and 0 <= days <= 90,
                "automatic_backup_retention",
                f"Duration.days({days:g})",
                "whole days from 0 (off) to 90",
            )
        if problems.check_str("backend_name", backend_name) and problems.check_known(
            "backend_name", backend_name, "it names the TridentBackendConfig and its construct"
        ):
            problems.check(
                is_dns1123_subdomain(backend_name), "backend_name", backend_name, "a DNS-1123 subdomain"
            )
        problems.check_str(
            "svm_name",
            svm_name,
            pattern=r"[A-Za-z0-9_]{1,47}",
            allowed="1 to 47 letters, digits and underscores",
        )
        check_interface(problems, "encryption_key", encryption_key, kms.IKey, "key_arn")
        problems.check_type("removal_policy", removal_policy, RemovalPolicy)
        check_interface(problems, "secrets_encryption_key", secrets_encryption_key, kms.IKey, "key_arn")
        check_backup(problems, backup)
        used: list[ec2.ISubnet] = []
        if checked is not None and isinstance(deployment_type, OntapDeploymentType):
            used = _file_server_subnets(checked, deployment_type, problems)
        problems.raise_if_any()
        assert checked is not None
        super().__init__(scope, construct_id, cluster=checked)
        self.backend_name = backend_name
        """Name of the TridentBackendConfig the StorageClasses use."""
        self.security_group = ontap_security_group(self, checked.vpc, checked.cluster_security_group)
        """The file system's security group."""
        secrets_key = secrets_encryption_key or encryption_key
        admin, svm_admin = (
            password_secret(
                self,
                construct_id,
                username=user,
                what=what,
                removal_policy=removal_policy,
                encryption_key=secrets_key,
            )
            for construct_id, user, what in (
                ("AdminSecret", "fsxadmin", "file system"),
                ("SvmAdminSecret", "vsadmin", "SVM"),
            )
        )
        self.admin_secret = admin
        """`fsxadmin` credentials of the file system (JSON `username`/`password`)."""
        self.svm_admin_secret = svm_admin
        """`vsadmin` credentials of the SVM; Trident reads them (JSON `username`/`password`)."""
        self.file_system = _file_system(
            self,
            checked,
            used,
            deployment_type,
            storage_capacity_gib,
            throughput_capacity,
            retention,
            encryption_key,
        )
        """The FSx for ONTAP file system."""
        self.file_system.apply_removal_policy(removal_policy)
        self.svm = fsx.CfnStorageVirtualMachine(
            self,
            "Svm",
            file_system_id=self.file_system.ref,
            name=svm_name,
            root_volume_security_style="UNIX",
            svm_admin_password=self.svm_admin_secret.secret_value_from_json("password").unsafe_unwrap(),
        )
        """The storage virtual machine Trident provisions volumes on."""
        self.svm.apply_removal_policy(removal_policy)
        role = self._install_controller(
            addon_version, description="NetApp Trident (trident/trident-controller)"
        )
        self.policy = trident_policy(
            self,
            "TridentPolicy",
            role=role,
            file_system=self.file_system,
            svm=self.svm,
            svm_secret=self.svm_admin_secret,
            secrets_key=secrets_key,
        )
        """The customer-managed policy of Trident's role."""
        self.backup_plan: aws_backup.BackupPlan | None = None
        """The AWS Backup plan of the file system's volumes (`None` without `backup`)."""
        if backup is not None:
            volumes = Stack.of(self).format_arn(
                service="fsx", resource="volume", resource_name=f"{self.file_system.ref}/*"
            )
            self.backup_plan = backup_plan(
                self,
                aws_backup.BackupResource.from_arn(volumes),
                backup,
                what=f"the FSx for ONTAP volumes of {self.node.path}",
            )
        assert self.addon is not None
        self.addon.node.add_dependency(self.policy)
        self.backend_manifest = trident_backend_manifest(
            name=backend_name,
            svm_name=svm_name,
            file_system_id=self.file_system.ref,
            credentials_secret_arn=self.svm_admin_secret.secret_arn,
            region=Stack.of(self).region,
        )
        """The TridentBackendConfig manifest (a plain dict)."""
        self.backend = checked.add_manifest(f"TridentBackend-{backend_name}", self.backend_manifest)
        """The TridentBackendConfig on the cluster, applied after the add-on, the SVM and its CRD."""
        self.backend.node.add_dependency(self.addon)
        self.backend.node.add_dependency(self.svm)
        # The operator creates the CRD when it starts, after the add-on is ACTIVE: wait for it.
        kubectl = kubectl_cluster_of(checked)
        if kubectl is None:
            raise ValueError(
                f"FsxOntapCsiDriver '{self.node.path}': cluster={checked.node.path!r} is invalid: a cluster "
                "whose manifests a kubectl handler applies (aws_eks_v2 kubectl provider)"
            )
        self.backend_crd = CrdEstablished(self, "BackendCrd", cluster=kubectl, crd_name=TRIDENT_BACKEND_CRD)
        """The wait until the operator's `TridentBackendConfig` CRD is established."""
        self.backend_crd.gate(self.backend)

    def _mount_options(self, options: OntapStorageClassOptions) -> Sequence[str] | None:
        return options.mount_options

    def _parameters(self, options: OntapStorageClassOptions) -> dict[str, str]:
        return {
            "backendType": "ontap-nas",
            # Pin the class to this driver's backend, all of its pools.
            "storagePools": f"{self.backend_name}:.*",
            "provisioningType": options.provisioning_type.value,
            "snapshots": "true" if options.snapshots else "false",
        }


def _file_server_subnets(
    cluster: StorageCluster, deployment_type: OntapDeploymentType, problems: Problems
) -> list[ec2.ISubnet]:
    """Multi-AZ: the first node subnet of each of two zones (active and standby); else one."""
    multi_az = deployment_type.name.startswith("MULTI_AZ")
    subnets = select_subnets(cluster.vpc, cluster.node_subnets)
    first_in_zone: dict[str, ec2.ISubnet] = {}
    for subnet in subnets:
        first_in_zone.setdefault(subnet.availability_zone, subnet)
    zones = 2 if multi_az else 1
    problems.check(
        len(first_in_zone) >= zones,
        "cluster.node_subnets",
        f"{len(subnets)} subnets in {len(first_in_zone)} Availability Zones",
        f"subnets in at least {zones} Availability Zones for {deployment_type.name}",
    )
    return list(first_in_zone.values())[:2] if multi_az else subnets[:1]


def _file_system(
    driver: FsxOntapCsiDriver,
    cluster: StorageCluster,
    used: list[ec2.ISubnet],
    deployment_type: OntapDeploymentType,
    capacity: int,
    throughput: int,
    retention: Duration,
    encryption_key: kms.IKey | None,
) -> fsx.CfnFileSystem:
    config: dict[str, Any] = {
        "deployment_type": deployment_type.value,
        "automatic_backup_retention_days": int(retention.to_days(integral=False)),
        "fsx_admin_password": driver.admin_secret.secret_value_from_json("password").unsafe_unwrap(),
    }
    if deployment_type is OntapDeploymentType.SINGLE_AZ_2:
        config.update(ha_pairs=1, throughput_capacity_per_ha_pair=throughput)
    else:
        config["throughput_capacity"] = throughput
    if deployment_type.name.startswith("MULTI_AZ"):
        # The endpoints' floating IPs are routed only in these route tables: every node
        # subnet's table, or nodes outside the two file-server zones cannot mount.
        subnets = select_subnets(cluster.vpc, cluster.node_subnets)
        route_tables = dict.fromkeys(subnet.route_table.route_table_id for subnet in subnets)
        config.update(preferred_subnet_id=used[0].subnet_id, route_table_ids=list(route_tables))
    return fsx.CfnFileSystem(
        driver,
        "FileSystem",
        file_system_type="ONTAP",
        storage_capacity=capacity,
        storage_type="SSD",
        subnet_ids=[subnet.subnet_id for subnet in used],
        security_group_ids=[driver.security_group.security_group_id],
        kms_key_id=encryption_key.key_id if encryption_key is not None else None,
        ontap_configuration=fsx.CfnFileSystem.OntapConfigurationProperty(**config),
    )


class OntapStorageClass(StorageClass):
    """An FSx for ONTAP (Trident ontap-nas) StorageClass on the cluster of an `FsxOntapCsiDriver`.

    Example:
        OntapStorageClass(self, "Nas", driver=ontap, options=OntapStorageClassOptions(name="ontap-nas"))
    """

    _DRIVER = FsxOntapCsiDriver


FsxOntapCsiDriver._STORAGE_CLASS = OntapStorageClass
