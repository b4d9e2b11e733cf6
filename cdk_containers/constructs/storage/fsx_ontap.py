"""Amazon FSx for NetApp ONTAP enterprise NAS for pods through NetApp Trident."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain, is_int
from cdk_containers.constructs.storage._common import (
    ReclaimPolicy,
    StorageCluster,
    add_storage_class_manifest,
    check_storage_class_basics,
    controller_role,
    install_controller_addon,
    require_ec2_capacity,
    select_subnets,
    storage_class_manifest,
)

__all__ = ["ONTAP_THROUGHPUT_OPTIONS", "FsxOntapCsiDriver", "OntapStorageClass", "trident_backend_manifest"]

#: MB/s the service offers per deployment type (for *_2 types: per HA pair, one pair here).
ONTAP_THROUGHPUT_OPTIONS: dict[str, tuple[int, ...]] = {
    "SINGLE_AZ_1": (128, 256, 512, 1024, 2048, 4096),
    "MULTI_AZ_1": (128, 256, 512, 1024, 2048, 4096),
    "SINGLE_AZ_2": (1536, 3072, 6144),
    "MULTI_AZ_2": (384, 768, 1536, 3072, 6144),
}
ONTAP_MIN_CAPACITY_GIB = 1024
ONTAP_MAX_CAPACITY_GIB = 196608
#: What NFS clients and Trident reach on the file system (FSx for ONTAP user
#: guide, "File system access control with Amazon VPC"): the ONTAP REST API
#: that Trident manages volumes through, rpcbind, NFS, mountd, lockd, statd.
ONTAP_MANAGEMENT_PORT = 443
ONTAP_NFS_PORTS = (111, 635, 2049, 4045, 4046)
SVM_ADMIN_USER = "vsadmin"
FS_ADMIN_USER = "fsxadmin"
TRIDENT_NAMESPACE = "trident"
TRIDENT_SERVICE_ACCOUNT = "trident-controller"


def trident_backend_manifest(
    *, name: str, svm_name: str, file_system_id: str, credentials_secret_arn: str
) -> dict[str, Any]:
    """A ``TridentBackendConfig`` (ontap-nas) that finds the SVM through the FSx API.

    Trident reads the SVM admin's ``username``/``password`` from the Secrets
    Manager secret (``type: awsarn``), so no password is stored in Kubernetes.
    """
    return {
        "apiVersion": "trident.netapp.io/v1",
        "kind": "TridentBackendConfig",
        "metadata": {"name": name, "namespace": TRIDENT_NAMESPACE},
        "spec": {
            "version": 1,
            "storageDriverName": "ontap-nas",
            "backendName": name,
            "svm": svm_name,
            "aws": {"fsxFilesystemID": file_system_id},
            "credentials": {"name": credentials_secret_arn, "type": "awsarn"},
        },
    }


@dataclass(frozen=True, kw_only=True)
class OntapStorageClass:
    """A StorageClass that creates an ONTAP volume per claim on the driver's backend.

    Example:
        ontap.add_storage_class(OntapStorageClass(name="ontap-nas"))

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain.
        provisioning_type: ``thin`` or ``thick``. Defaults to ``thin``.
        snapshots: Volumes keep ONTAP snapshots. Defaults to ``True``.
        mount_options: NFS mount options, e.g. ``["nfsvers=4.1"]``. Defaults to Trident's.
        allow_expansion: Let claims grow. Defaults to ``True``.
        default: Make this the cluster's default StorageClass. Defaults to ``False``.
        reclaim_policy: ``Retain`` keeps the volume when its claim is deleted.
            Defaults to ``Retain``.
    """

    name: str
    provisioning_type: str = "thin"
    snapshots: bool = True
    mount_options: tuple[str, ...] | None = None
    allow_expansion: bool = True
    default: bool = False
    reclaim_policy: ReclaimPolicy = "Retain"

    def __post_init__(self) -> None:
        problems = Problems("OntapStorageClass", self.name)
        check_storage_class_basics(problems, name=self.name, reclaim_policy=self.reclaim_policy)
        problems.check(
            self.provisioning_type in ("thin", "thick"),
            "provisioning_type",
            self.provisioning_type,
            "'thin' or 'thick'",
        )
        problems.raise_if_any()

    def to_manifest(self, *, backend_name: str) -> dict[str, Any]:
        """The StorageClass manifest, with the parameters Trident documents for ontap-nas."""
        return storage_class_manifest(
            name=self.name,
            provisioner=FsxOntapCsiDriver.PROVISIONER,
            parameters={
                "backendType": "ontap-nas",
                # Pin the class to this driver's backend, all of its pools.
                "storagePools": f"{backend_name}:.*",
                "provisioningType": self.provisioning_type,
                "snapshots": "true" if self.snapshots else "false",
            },
            reclaim_policy=self.reclaim_policy,
            binding_mode="Immediate",
            allow_expansion=self.allow_expansion,
            default=self.default,
            mount_options=list(self.mount_options) if self.mount_options else None,
        )


class FsxOntapCsiDriver(Construct):
    """An FSx for NetApp ONTAP file system, its SVM, NetApp Trident and StorageClasses.

    What it creates:

    * an FSx for ONTAP file system (encrypted at rest, automatic backups,
      ``RemovalPolicy.RETAIN``) in the node subnets, and a storage virtual
      machine (SVM);
    * the ``fsxadmin`` and SVM ``vsadmin`` passwords, generated in Secrets
      Manager and passed to FSx as ``{{resolve:secretsmanager:...}}``
      dynamic references, never as plain text;
    * a security group admitting, from the cluster security group only, the
      ONTAP REST API (TCP 443) and NFS (TCP/UDP 111, 635, 2049, 4045, 4046);
    * the ``netapp_trident-operator`` add-on (NetApp, from AWS Marketplace:
      the account may need to accept its subscription) after compute, and a
      role for ``trident/trident-controller`` bound through EKS Pod Identity
      with a customer-managed policy: FSx volume calls on this file system and
      ``secretsmanager:GetSecretValue`` on the SVM secret;
    * a ``TridentBackendConfig`` (``ontap-nas``) for the SVM.

    NFS mounts need EC2 nodes: Fargate pods cannot mount FSx.

    Example:
        ontap = FsxOntapCsiDriver(self, "Ontap", cluster=eks_cluster, storage_capacity_gib=2048)
        ontap.add_storage_class(OntapStorageClass(name="ontap-nas"))
    """

    ADDON_NAME = "netapp_trident-operator"
    PROVISIONER = "csi.trident.netapp.io"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        storage_capacity_gib: int = ONTAP_MIN_CAPACITY_GIB,
        throughput_capacity: int = 128,
        deployment_type: str = "MULTI_AZ_1",
        svm_name: str = "eks",
        backend_name: str = "fsx-ontap-nas",
        automatic_backup_retention_days: int = 7,
        kms_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The ``EksCluster``; it needs EC2 capacity (a node group).
        storage_capacity_gib: SSD capacity, 1024 to 196608 GiB. Defaults to 1024.
        throughput_capacity: MB/s; SINGLE_AZ_1/MULTI_AZ_1: 128, 256, 512, 1024,
            2048, 4096; MULTI_AZ_2: 384, 768, 1536, 3072, 6144; SINGLE_AZ_2 (one HA
            pair): 1536, 3072, 6144. Defaults to 128.
        deployment_type: ``MULTI_AZ_1``, ``SINGLE_AZ_1``, ``MULTI_AZ_2`` or
            ``SINGLE_AZ_2``. Multi-AZ puts the file servers in the first node subnets of two
            zones and routes its endpoints in every node subnet's route table. Defaults to
            ``MULTI_AZ_1``.
        svm_name: Name of the storage virtual machine. Defaults to ``eks``.
        backend_name: Name of the TridentBackendConfig, a DNS-1123 subdomain.
            Defaults to ``fsx-ontap-nas``.
        automatic_backup_retention_days: Daily backups kept, 0 (off) to 90. Defaults to 7.
        kms_key: Customer-managed key for the file system. Defaults to the
            account's FSx key (data is always encrypted at rest).
        removal_policy: What happens to the file system, SVM and secrets when they
            leave the stack. Defaults to ``RemovalPolicy.RETAIN``.
        addon_version: Trident add-on version. Defaults to the version EKS picks.
        """
        problems = Problems("FsxOntapCsiDriver", construct_path(scope, construct_id))
        require_ec2_capacity(cluster, problems, what="FSx for NetApp ONTAP volumes")
        problems.check(
            deployment_type in ONTAP_THROUGHPUT_OPTIONS,
            "deployment_type",
            deployment_type,
            f"one of {list(ONTAP_THROUGHPUT_OPTIONS)}",
        )
        problems.check(
            is_int(storage_capacity_gib)
            and ONTAP_MIN_CAPACITY_GIB <= storage_capacity_gib <= ONTAP_MAX_CAPACITY_GIB,
            "storage_capacity_gib",
            storage_capacity_gib,
            f"an integer from {ONTAP_MIN_CAPACITY_GIB} to {ONTAP_MAX_CAPACITY_GIB} (GiB of SSD)",
        )
        if deployment_type in ONTAP_THROUGHPUT_OPTIONS:
            offered = ONTAP_THROUGHPUT_OPTIONS[deployment_type]
            problems.check(
                throughput_capacity in offered,
                "throughput_capacity",
                throughput_capacity,
                f"for {deployment_type} one of {list(offered)} (MB/s)",
            )
        problems.check(
            0 <= automatic_backup_retention_days <= 90,
            "automatic_backup_retention_days",
            automatic_backup_retention_days,
            "an integer from 0 to 90",
        )
        problems.check(
            is_dns1123_subdomain(backend_name), "backend_name", backend_name, "a DNS-1123 subdomain"
        )
        problems.check(
            bool(svm_name) and len(svm_name) <= 47 and svm_name.replace("_", "a").isalnum(),
            "svm_name",
            svm_name,
            "1 to 47 letters, digits and underscores",
        )
        multi_az = deployment_type.startswith("MULTI_AZ")
        subnets = select_subnets(cluster.vpc, cluster.node_subnets)
        # Multi-AZ: the first node subnet of each of two zones (active and standby).
        first_in_zone: dict[str, ec2.ISubnet] = {}
        for subnet in subnets:
            first_in_zone.setdefault(subnet.availability_zone, subnet)
        one_per_zone = list(first_in_zone.values())
        problems.check(
            len(one_per_zone) >= (2 if multi_az else 1),
            "cluster.node_subnets",
            f"{len(subnets)} subnets in {len(one_per_zone)} Availability Zones",
            f"subnets in at least {2 if multi_az else 1} Availability Zones for {deployment_type}",
        )
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._cluster = cluster
        self.backend_name = backend_name
        """Name of the TridentBackendConfig the StorageClasses use."""
        used = one_per_zone[:2] if multi_az else subnets[:1]

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description="FSx for ONTAP: NFS and the ONTAP REST API from the EKS cluster security group only",
            allow_all_outbound=False,
        )
        """The file system's security group."""
        cluster_sg = cluster.cluster_security_group
        self.security_group.add_ingress_rule(
            cluster_sg, ec2.Port.tcp(ONTAP_MANAGEMENT_PORT), "ONTAP REST API for Trident"
        )
        for port in ONTAP_NFS_PORTS:
            self.security_group.add_ingress_rule(cluster_sg, ec2.Port.tcp(port), f"NFS (TCP {port})")
            self.security_group.add_ingress_rule(cluster_sg, ec2.Port.udp(port), f"NFS (UDP {port})")

        self.admin_secret = self._password_secret("AdminSecret", FS_ADMIN_USER, "file system", removal_policy)
        """``fsxadmin`` credentials of the file system (JSON ``username``/``password``)."""
        self.svm_admin_secret = self._password_secret("SvmAdminSecret", SVM_ADMIN_USER, "SVM", removal_policy)
        """``vsadmin`` credentials of the SVM; Trident reads them (JSON ``username``/``password``)."""

        ontap_config: dict[str, Any] = {
            "deployment_type": deployment_type,
            "automatic_backup_retention_days": automatic_backup_retention_days,
            "fsx_admin_password": self.admin_secret.secret_value_from_json("password").unsafe_unwrap(),
        }
        if deployment_type == "SINGLE_AZ_2":
            ontap_config.update(ha_pairs=1, throughput_capacity_per_ha_pair=throughput_capacity)
        else:
            ontap_config["throughput_capacity"] = throughput_capacity
        if multi_az:
            # The endpoints' floating IPs are routed only in these route tables: every
            # node subnet's table, or nodes outside the two file-server zones cannot mount.
            route_tables = dict.fromkeys(subnet.route_table.route_table_id for subnet in subnets)
            ontap_config.update(preferred_subnet_id=used[0].subnet_id, route_table_ids=list(route_tables))
        self.file_system = fsx.CfnFileSystem(
            self,
            "FileSystem",
            file_system_type="ONTAP",
            storage_capacity=storage_capacity_gib,
            storage_type="SSD",
            subnet_ids=[subnet.subnet_id for subnet in used],
            security_group_ids=[self.security_group.security_group_id],
            kms_key_id=kms_key.key_id if kms_key is not None else None,
            ontap_configuration=fsx.CfnFileSystem.OntapConfigurationProperty(**ontap_config),
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

        self.role = controller_role(
            self,
            "TridentRole",
            cluster=cluster,
            namespace=TRIDENT_NAMESPACE,
            service_account=TRIDENT_SERVICE_ACCOUNT,
            description="NetApp Trident (trident/trident-controller)",
        )
        """Trident's IAM role, bound to its controller's service account through EKS Pod Identity."""
        self.policy = iam.ManagedPolicy(
            self,
            "TridentPolicy",
            description="NetApp Trident: FSx volumes on one file system and its SVM admin secret",
            statements=self._trident_statements(Stack.of(self)),
            roles=[self.role],
        )
        """The customer-managed policy of Trident's role."""
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="fsx:DescribeFileSystems, DescribeStorageVirtualMachines and DescribeVolumes do not "
                "support resource-level permissions; they are read-only, and every write is scoped to this "
                "file system's ARNs",
            )
        )
        Validations.of(self.policy).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:fsx:<AWS::Region>:<AWS::AccountId>:"
                f"volume/<{self._logical_ref()}>/*]",
                reason="Trident creates a volume per claim at run time, so the ARN ends in a wildcard, "
                "but it is scoped to the one file system this construct creates",
            )
        )

        self.addon = install_controller_addon(
            cluster,
            self.role,
            addon_name=self.ADDON_NAME,
            addon_version=addon_version,
            association_id="TridentController",
            namespace=TRIDENT_NAMESPACE,
            service_account=TRIDENT_SERVICE_ACCOUNT,
            permissions=[self.policy],
        )
        """The ``netapp_trident-operator`` add-on (after compute, the role, its policy, the association)."""
        self.backend_manifest = trident_backend_manifest(
            name=backend_name,
            svm_name=svm_name,
            file_system_id=self.file_system.ref,
            credentials_secret_arn=self.svm_admin_secret.secret_arn,
        )
        """The TridentBackendConfig manifest (a plain dict)."""
        self.backend = cluster.add_manifest(f"TridentBackend-{backend_name}", self.backend_manifest)
        """The TridentBackendConfig on the cluster, applied after the add-on (its CRD) and the SVM."""
        self.backend.node.add_dependency(self.addon)
        self.backend.node.add_dependency(self.svm)
        self.storage_classes: dict[str, dict[str, Any]] = {}
        """Every StorageClass manifest added so far, by name."""

    def _logical_ref(self) -> str:
        return Stack.of(self).get_logical_id(self.file_system)

    def _password_secret(
        self, construct_id: str, username: str, what: str, removal_policy: RemovalPolicy
    ) -> secretsmanager.Secret:
        secret = secretsmanager.Secret(
            self,
            construct_id,
            description=f"FSx for ONTAP {what} administrator ({username})",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"username": username}),
                generate_string_key="password",
                # ONTAP refuses some punctuation; letters and digits of this length are strong.
                exclude_punctuation=True,
                require_each_included_type=True,
                password_length=32,
            ),
            removal_policy=removal_policy,
        )
        Validations.of(secret).acknowledge(
            Acknowledgment(
                id="AwsSolutions-SMG4",
                reason="No AWS rotation function exists for FSx for ONTAP admin passwords: rotating only "
                "the secret would lock Trident out of the SVM; change the password through FSx "
                "(UpdateStorageVirtualMachine / UpdateFileSystem) and the secret together",
            )
        )
        return secret

    def _trident_statements(self, stack: Stack) -> list[iam.PolicyStatement]:
        fs_id = self.file_system.ref

        def arn(kind: str, name: str) -> str:
            return stack.format_arn(service="fsx", resource=kind, resource_name=name)

        return [
            iam.PolicyStatement(
                actions=[
                    "fsx:DescribeFileSystems",
                    "fsx:DescribeStorageVirtualMachines",
                    "fsx:DescribeVolumes",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                actions=[
                    "fsx:CreateVolume",
                    "fsx:UpdateVolume",
                    "fsx:DeleteVolume",
                    "fsx:RestoreVolumeFromSnapshot",
                    "fsx:TagResource",
                    "fsx:UntagResource",
                ],
                resources=[
                    arn("file-system", fs_id),
                    # The one SVM this construct creates (Trident provisions volumes on it; it
                    # creates no SVMs), so its exact ARN and no wildcard.
                    self.svm.attr_resource_arn,
                    arn("volume", f"{fs_id}/*"),
                ],
            ),
            iam.PolicyStatement(
                actions=["secretsmanager:GetSecretValue"],
                resources=[self.svm_admin_secret.secret_arn],
            ),
        ]

    def add_storage_class(self, storage_class: OntapStorageClass) -> eks.KubernetesManifest:
        """Add a StorageClass on this driver's Trident backend."""
        return add_storage_class_manifest(
            self._cluster,
            self,
            storage_class.to_manifest(backend_name=self.backend_name),
            default=storage_class.default,
            construct_type="FsxOntapCsiDriver",
            into=self.storage_classes,
        )
