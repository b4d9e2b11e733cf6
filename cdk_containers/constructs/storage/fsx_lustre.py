"""Amazon FSx for Lustre scratch and persistent HPC file systems through the FSx CSI driver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
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

__all__ = ["LUSTRE_THROUGHPUT_OPTIONS", "FsxLustreCsiDriver", "FsxLustreStorageClass"]

LUSTRE_DEPLOYMENT_TYPES = ("SCRATCH_1", "SCRATCH_2", "PERSISTENT_1", "PERSISTENT_2")
#: MB/s per TiB of SSD storage each persistent deployment type offers.
LUSTRE_THROUGHPUT_OPTIONS: dict[str, tuple[int, ...]] = {
    "PERSISTENT_1": (50, 100, 200),
    "PERSISTENT_2": (125, 250, 500, 1000),
}
LUSTRE_COMPRESSION = ("LZ4", "NONE")
#: Lustre's LNet port and the ports of its servers (FSx for Lustre user guide).
LUSTRE_PORTS = (ec2.Port.tcp(988), ec2.Port.tcp_range(1018, 1023))
#: The tag the FSx CSI driver puts on every file system it creates (its pkg/cloud VolumeNameTagKey).
CSI_VOLUME_TAG = "CSIVolumeName"


@dataclass(frozen=True, kw_only=True)
class FsxLustreStorageClass:
    """A StorageClass that creates one FSx for Lustre file system per PersistentVolumeClaim.

    Lustre is single-AZ: every file system of the class lives in one subnet.
    Capacity rounds up to 1200 GiB, 2400 GiB, then multiples of 2400 GiB.

    Example:
        lustre.add_storage_class(FsxLustreStorageClass(name="scratch", deployment_type="SCRATCH_2"))

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain.
        subnet: The one subnet file systems are created in: a subnet, or a
            selection of the cluster's VPC that matches exactly one. Defaults to
            the first of the cluster's node subnets.
        deployment_type: ``SCRATCH_1``, ``SCRATCH_2``, ``PERSISTENT_1`` or
            ``PERSISTENT_2``. Defaults to ``PERSISTENT_2``.
        per_unit_storage_throughput: MB/s per TiB, persistent types only
            (PERSISTENT_1: 50, 100, 200; PERSISTENT_2: 125, 250, 500, 1000).
            Defaults to the type's lowest.
        data_compression: ``LZ4`` or ``NONE``. Defaults to ``LZ4``.
        kms_key: Customer-managed key, persistent types only. Defaults to the
            account's FSx key (data is always encrypted at rest).
        flock: Mount with ``flock`` so POSIX locks work across clients. Defaults to ``True``.
        allow_expansion: Let claims grow. Defaults to ``True``.
        default: Make this the cluster's default StorageClass. Defaults to ``False``.
        reclaim_policy: ``Retain`` keeps the file system when its claim is deleted.
            Defaults to ``Retain``.
    """

    name: str
    subnet: ec2.ISubnet | ec2.SubnetSelection | None = None
    deployment_type: str = "PERSISTENT_2"
    per_unit_storage_throughput: int | None = None
    data_compression: str = "LZ4"
    kms_key: kms.IKey | None = None
    flock: bool = True
    allow_expansion: bool = True
    default: bool = False
    reclaim_policy: ReclaimPolicy = "Retain"

    def __post_init__(self) -> None:
        problems = Problems("FsxLustreStorageClass", self.name)
        check_storage_class_basics(problems, name=self.name, reclaim_policy=self.reclaim_policy)
        dtype = self.deployment_type
        problems.check(
            dtype in LUSTRE_DEPLOYMENT_TYPES,
            "deployment_type",
            dtype,
            f"one of {list(LUSTRE_DEPLOYMENT_TYPES)}",
        )
        scratch = dtype.startswith("SCRATCH")
        if self.per_unit_storage_throughput is not None:
            if scratch:
                problems.add(
                    "per_unit_storage_throughput",
                    self.per_unit_storage_throughput,
                    f"not set: {dtype} has no per-unit throughput (PERSISTENT_1 and PERSISTENT_2 only)",
                )
            elif dtype in LUSTRE_THROUGHPUT_OPTIONS:
                offered = LUSTRE_THROUGHPUT_OPTIONS[dtype]
                problems.check(
                    self.per_unit_storage_throughput in offered,
                    "per_unit_storage_throughput",
                    self.per_unit_storage_throughput,
                    f"for {dtype} one of {list(offered)} (MB/s per TiB)",
                )
        problems.check(
            self.data_compression in LUSTRE_COMPRESSION,
            "data_compression",
            self.data_compression,
            f"one of {list(LUSTRE_COMPRESSION)}",
        )
        if self.kms_key is not None and scratch:
            problems.add(
                "kms_key", self.kms_key.node.path, f"not set: {dtype} file systems use the FSx service key"
            )
        problems.raise_if_any()

    @property
    def throughput(self) -> int | None:
        """The per-unit throughput the class asks for (the type's lowest when not set)."""
        if self.deployment_type.startswith("SCRATCH"):
            return None
        if self.per_unit_storage_throughput is not None:
            return self.per_unit_storage_throughput
        return LUSTRE_THROUGHPUT_OPTIONS[self.deployment_type][0]

    def to_manifest(self, *, subnet_id: str, security_group_ids: list[str]) -> dict[str, Any]:
        """The StorageClass manifest, with the parameters the FSx CSI driver documents."""
        parameters = {
            "subnetId": subnet_id,
            "securityGroupIds": ",".join(security_group_ids),
            "deploymentType": self.deployment_type,
            "dataCompressionType": self.data_compression,
        }
        if self.throughput is not None:
            parameters["perUnitStorageThroughput"] = str(self.throughput)
        if self.kms_key is not None:
            parameters["kmsKeyId"] = self.kms_key.key_arn
        return storage_class_manifest(
            name=self.name,
            provisioner=FsxLustreCsiDriver.PROVISIONER,
            parameters=parameters,
            reclaim_policy=self.reclaim_policy,
            binding_mode="Immediate",
            allow_expansion=self.allow_expansion,
            default=self.default,
            mount_options=["flock"] if self.flock else None,
        )


class FsxLustreCsiDriver(Construct):
    """The FSx CSI driver add-on with its IAM, a Lustre security group, and StorageClasses.

    What it creates:

    * the ``aws-fsx-csi-driver`` EKS add-on, after the cluster's compute;
    * a role for ``kube-system/fsx-csi-controller-sa`` bound through EKS Pod
      Identity, with a policy that can create, describe, resize and delete
      FSx file systems and create FSx's service-linked roles;
    * a security group for the file systems: Lustre (TCP 988 and 1018-1023)
      from the cluster security group and between the file system's own
      servers, and the same ports back to the cluster security group.

    Lustre clients need EC2 nodes: Fargate pods cannot mount FSx.

    Example:
        lustre = FsxLustreCsiDriver(self, "Lustre", cluster=eks_cluster)
        lustre.add_storage_class(FsxLustreStorageClass(name="lustre"))
    """

    ADDON_NAME = "aws-fsx-csi-driver"
    PROVISIONER = "fsx.csi.aws.com"
    NAMESPACE = "kube-system"
    SERVICE_ACCOUNT = "fsx-csi-controller-sa"

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: StorageCluster,
        addon_version: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The ``EksCluster``; it needs EC2 capacity (a node group).
        addon_version: Add-on version. Defaults to the version EKS picks.
        """
        problems = Problems("FsxLustreCsiDriver", construct_path(scope, construct_id))
        require_ec2_capacity(cluster, problems, what="FSx for Lustre file systems")
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._cluster = cluster
        self._granted_keys: set[str] = set()

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description="FSx for Lustre: LNet from the EKS cluster security group and between servers",
            allow_all_outbound=False,
        )
        """The security group every file system of this driver's classes gets."""
        cluster_sg = cluster.cluster_security_group
        for index, port in enumerate(LUSTRE_PORTS):
            self.security_group.add_ingress_rule(cluster_sg, port, "Lustre from EKS nodes")
            self.security_group.add_ingress_rule(self.security_group, port, "Lustre between file servers")
            self.security_group.add_egress_rule(self.security_group, port, "Lustre between file servers")
            self.security_group.add_egress_rule(cluster_sg, port, "Lustre to EKS nodes")
            # Lustre servers also open connections to clients: the cluster
            # security group must admit the same ports from the file systems.
            ec2.CfnSecurityGroupIngress(
                self,
                f"ClientIngress{index}",
                group_id=cluster_sg.security_group_id,
                source_security_group_id=self.security_group.security_group_id,
                ip_protocol="tcp",
                from_port=port.to_rule_json()["fromPort"],
                to_port=port.to_rule_json()["toPort"],
                description="Lustre from FSx file servers to EKS nodes",
            )

        self.role = controller_role(
            self,
            "ControllerRole",
            cluster=cluster,
            namespace=self.NAMESPACE,
            service_account=self.SERVICE_ACCOUNT,
            description="FSx CSI controller (kube-system/fsx-csi-controller-sa)",
        )
        """The controller's IAM role, bound to its service account through EKS Pod Identity."""
        stack = Stack.of(self)
        for statement in self._controller_statements(stack):
            self.role.add_to_principal_policy(statement)
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="The FSx CSI controller creates a file system per claim, so its id is unknown when "
                "the policy is written; fsx:CreateFileSystem, fsx:DescribeFileSystems and the EC2 Describe "
                "calls are not scoped to an ARN here, and none of them changes or deletes existing data",
            )
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:fsx:<AWS::Region>:<AWS::AccountId>:file-system/*]",
                reason="File systems are created per claim at run time, so they have no known ARN; resize "
                "and delete also require the driver's CSIVolumeName tag, and tagging is what the driver's "
                "tag-on-create needs",
            )
        )
        Validations.of(self.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/aws-service-role/"
                "s3.data-source.lustre.fsx.amazonaws.com/*]",
                reason="FSx names the service-linked role for S3 data repositories itself; the wildcard "
                "covers only roles under that one service-linked path",
            )
        )
        self.addon = install_controller_addon(
            cluster,
            self.role,
            addon_name=self.ADDON_NAME,
            addon_version=addon_version,
            association_id="FsxCsiController",
            namespace=self.NAMESPACE,
            service_account=self.SERVICE_ACCOUNT,
        )
        """The ``aws-fsx-csi-driver`` add-on (after the compute, the role and its association)."""
        self.storage_classes: dict[str, dict[str, Any]] = {}
        """Every StorageClass manifest added so far, by name."""

    @staticmethod
    def _controller_statements(stack: Stack) -> list[iam.PolicyStatement]:
        file_systems = stack.format_arn(service="fsx", resource="file-system", resource_name="*")
        return [
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"],
                resources=[
                    stack.format_arn(
                        service="iam",
                        region="",
                        resource="role",
                        resource_name="aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*",
                    )
                ],
            ),
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=["*"],
                conditions={"StringLike": {"iam:AWSServiceName": ["fsx.amazonaws.com"]}},
            ),
            iam.PolicyStatement(
                actions=["fsx:CreateFileSystem", "fsx:DescribeFileSystems"],
                resources=["*"],
            ),
            # The driver tags every file system it creates with CSIVolumeName (tag on create,
            # which IAM authorizes as fsx:TagResource); resize and delete need that tag, so the
            # controller cannot delete or change file systems it did not create, such as a
            # file system of FsxOntapCsiDriver in the same account.
            iam.PolicyStatement(
                actions=["fsx:TagResource"],
                resources=[file_systems],
            ),
            iam.PolicyStatement(
                actions=["fsx:DeleteFileSystem", "fsx:UpdateFileSystem"],
                resources=[file_systems],
                conditions={"Null": {f"aws:ResourceTag/{CSI_VOLUME_TAG}": "false"}},
            ),
            iam.PolicyStatement(
                actions=["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
                resources=["*"],
            ),
        ]

    def _resolve_subnet(self, storage_class: FsxLustreStorageClass, problems: Problems) -> ec2.ISubnet | None:
        choice = storage_class.subnet
        if choice is None:
            return select_subnets(self._cluster.vpc, self._cluster.node_subnets)[0]
        if not isinstance(choice, ec2.SubnetSelection):
            return choice
        subnets = select_subnets(self._cluster.vpc, choice)
        if len(subnets) != 1:
            problems.add(
                "storage_class.subnet",
                f"a selection matching {len(subnets)} subnets",
                "exactly one subnet: FSx for Lustre is single-AZ (pass one ec2.ISubnet or a selection "
                "that matches one)",
            )
            return None
        return subnets[0]

    def add_storage_class(self, storage_class: FsxLustreStorageClass) -> eks.KubernetesManifest:
        """Add a dynamic-provisioning StorageClass; grants the controller use of its KMS key."""
        problems = Problems("FsxLustreCsiDriver", self.node.path)
        subnet = self._resolve_subnet(storage_class, problems)
        problems.raise_if_any()
        assert subnet is not None
        if storage_class.kms_key is not None:
            self._grant_key(storage_class.kms_key)
        manifest = storage_class.to_manifest(
            subnet_id=subnet.subnet_id, security_group_ids=[self.security_group.security_group_id]
        )
        return add_storage_class_manifest(
            self._cluster,
            self,
            manifest,
            default=storage_class.default,
            construct_type="FsxLustreCsiDriver",
            into=self.storage_classes,
        )

    def _grant_key(self, key: kms.IKey) -> None:
        # FSx encrypts with the caller's key through a grant it creates on create.
        if key.node.path in self._granted_keys:
            return
        self._granted_keys.add(key.node.path)
        # The grant may only be one FSx creates for the file system (kms:GrantIsForAWSResource),
        # as the EBS driver's key statement does; the driver itself never calls KMS.
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:CreateGrant"],
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext"],
                resources=[key.key_arn],
            )
        )
