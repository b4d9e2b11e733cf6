"""Amazon FSx for Lustre scratch and persistent HPC file systems through the FSx CSI driver."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_fsx as fsx
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._nag import nag_arn
from cdk_containers._validation import Problems
from cdk_containers.constructs.storage._common import (
    StorageCluster,
    as_text,
    check_enum,
    check_interface,
    select_subnets,
)
from cdk_containers.constructs.storage._driver import CsiDriver, StorageClass, StorageClassOptions

__all__ = [
    "LUSTRE_PERSISTENT_2_VERSION",
    "LUSTRE_PORTS",
    "LUSTRE_THROUGHPUT_OPTIONS",
    "FsxLustreCsiDriver",
    "FsxLustreStorageClass",
    "FsxLustreStorageClassOptions",
]

_SCRATCH = (fsx.LustreDeploymentType.SCRATCH_1, fsx.LustreDeploymentType.SCRATCH_2)
#: MB/s per TiB of SSD storage each persistent deployment type offers.
LUSTRE_THROUGHPUT_OPTIONS: dict[fsx.LustreDeploymentType, tuple[int, ...]] = {
    fsx.LustreDeploymentType.PERSISTENT_1: (50, 100, 200),
    fsx.LustreDeploymentType.PERSISTENT_2: (125, 250, 500, 1000),
}
_LUSTRE_VERSIONS = ("2.10", "2.12", "2.15")
#: The Lustre version PERSISTENT_2 classes get unless they say otherwise (FSx's recommendation).
LUSTRE_PERSISTENT_2_VERSION = "2.15"
#: Lustre's LNet port and the ports of its servers (FSx for Lustre user guide); docs/storage.md, "Ports".
LUSTRE_PORTS = (ec2.Port.tcp(988), ec2.Port.tcp_range(1018, 1023))
#: The tag the FSx CSI driver puts on every file system it creates (its pkg/cloud VolumeNameTagKey).
_CSI_VOLUME_TAG = "CSIVolumeName"


@dataclass(frozen=True, kw_only=True)
class FsxLustreStorageClassOptions(StorageClassOptions):
    """A StorageClass that creates one FSx for Lustre file system per PersistentVolumeClaim.

    Lustre is single-AZ: every file system of the class lives in one subnet. Capacity rounds
    up to 1200 GiB, 2400 GiB, then multiples of 2400 GiB.

    Example:
        lustre.add_storage_class("Scratch", FsxLustreStorageClassOptions(
            name="scratch", deployment_type=fsx.LustreDeploymentType.SCRATCH_2))

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain, unique on the cluster.
        subnet: The one subnet file systems are created in: a subnet, or a selection of the
            cluster's VPC that matches exactly one. Defaults to the first of the cluster's
            node subnets.
        deployment_type: An `fsx.LustreDeploymentType`. Defaults to
            `fsx.LustreDeploymentType.PERSISTENT_2`.
        per_unit_storage_throughput: MB/s per TiB, persistent types only (PERSISTENT_1: 50,
            100, 200; PERSISTENT_2: 125, 250, 500, 1000). Defaults to the type's lowest.
        data_compression: An `fsx.LustreDataCompressionType`. Defaults to
            `fsx.LustreDataCompressionType.LZ4`.
        encryption_key: Customer-managed key, persistent types only. Defaults to the account's
            FSx key (data is always encrypted at rest).
        file_system_type_version: Lustre version of new file systems, `"2.10"`, `"2.12"` or `"2.15"`
            (PERSISTENT_2: 2.12 or 2.15). Defaults to `"2.15"` for PERSISTENT_2, which FSx
            recommends for new file systems and newer node kernels need (FSx would pick 2.12), and to
            FSx's choice for the other types.
        flock: Mount with `flock` so POSIX locks work across clients. Defaults to `True`.
        allow_expansion: Let claims grow. Defaults to `True`.
        default: Make this the cluster's default StorageClass. Defaults to `False`.
        reclaim_policy: `RETAIN` keeps the file system when its claim is deleted. Defaults to
            `ReclaimPolicy.RETAIN`.
    """

    subnet: ec2.ISubnet | ec2.SubnetSelection | None = None
    deployment_type: fsx.LustreDeploymentType = fsx.LustreDeploymentType.PERSISTENT_2
    per_unit_storage_throughput: int | None = None
    data_compression: fsx.LustreDataCompressionType = fsx.LustreDataCompressionType.LZ4
    encryption_key: kms.IKey | None = None
    file_system_type_version: str | None = None
    flock: bool = True
    allow_expansion: bool = True

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)
        prefix = f"{argument}."
        for name in ("flock", "allow_expansion"):
            problems.check_type(prefix + name, getattr(self, name), bool)
        check_enum(
            problems,
            prefix + "data_compression",
            self.data_compression,
            fsx.LustreDataCompressionType,
            "fsx.LustreDataCompressionType",
        )
        check_interface(problems, prefix + "encryption_key", self.encryption_key, kms.IKey, "key_arn")
        if self.subnet is not None and not isinstance(self.subnet, ec2.SubnetSelection):
            check_interface(problems, prefix + "subnet", self.subnet, ec2.ISubnet, "subnet_id")
        dtype = self.deployment_type
        if not check_enum(
            problems, prefix + "deployment_type", dtype, fsx.LustreDeploymentType, "fsx.LustreDeploymentType"
        ):
            return
        throughput = self.per_unit_storage_throughput
        if throughput is not None and dtype in _SCRATCH:
            problems.add(
                prefix + "per_unit_storage_throughput",
                throughput,
                f"not set: {dtype.name} has no per-unit throughput (PERSISTENT_1 and PERSISTENT_2 only)",
            )
        elif throughput is not None:
            offered = LUSTRE_THROUGHPUT_OPTIONS[dtype]
            problems.check(
                throughput in offered,
                prefix + "per_unit_storage_throughput",
                throughput,
                f"for {dtype.name} one of {list(offered)} (MB/s per TiB)",
            )
        if self.file_system_type_version is not None:
            versions = (
                ("2.12", "2.15") if dtype is fsx.LustreDeploymentType.PERSISTENT_2 else _LUSTRE_VERSIONS
            )
            problems.check(
                self.file_system_type_version in versions,
                prefix + "file_system_type_version",
                self.file_system_type_version,
                f"for {dtype.name} one of {list(versions)}",
            )
        if self.encryption_key is not None and dtype in _SCRATCH:
            problems.add(
                prefix + "encryption_key",
                getattr(getattr(self.encryption_key, "node", None), "path", self.encryption_key),
                f"not set: {dtype.name} file systems use the FSx service key",
            )

    @property
    def throughput(self) -> int | None:
        """The per-unit throughput the class asks for (the type's lowest when not set)."""
        if self.deployment_type in _SCRATCH:
            return None
        if self.per_unit_storage_throughput is not None:
            return self.per_unit_storage_throughput
        return LUSTRE_THROUGHPUT_OPTIONS[self.deployment_type][0]


class FsxLustreCsiDriver(CsiDriver):
    """The FSx CSI driver add-on with its IAM, a Lustre security group, and StorageClasses.

    What it creates:

    * the `aws-fsx-csi-driver` EKS add-on, after the cluster's compute;
    * a role for `kube-system/fsx-csi-controller-sa` bound through EKS Pod Identity, with a
      policy that can create, describe, resize and delete FSx file systems and create FSx's
      service-linked roles;
    * a security group for the file systems: Lustre (TCP 988 and 1018-1023) from the cluster
      security group and between the file system's own servers, and the same ports back to
      the cluster security group.

    Lustre clients need EC2 nodes: Fargate pods cannot mount FSx.

    Example:
        lustre = FsxLustreCsiDriver(self, "Lustre", cluster=eks_cluster)
        lustre.add_storage_class("Lustre", FsxLustreStorageClassOptions(name="lustre"))
    """

    ADDON_NAME = "aws-fsx-csi-driver"
    PROVISIONER = "fsx.csi.aws.com"
    SERVICE_ACCOUNT = "fsx-csi-controller-sa"
    _ASSOCIATION_ID = "FsxCsiController"
    _NEEDS_EC2_FOR = "FSx for Lustre file systems"
    # FSx encrypts with the caller's key through a grant it creates on create; the driver
    # itself never calls KMS.
    _KEY_GRANT_ACTIONS = ("kms:CreateGrant",)
    _KEY_USE_ACTIONS = ("kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKeyWithoutPlaintext")
    _OPTIONS = FsxLustreStorageClassOptions

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
        cluster: The `EksCluster` (or any `StorageCluster`); it needs EC2 capacity (a node group).
        addon_version: Add-on version. Defaults to the version EKS picks.

        Raises:
            ValueError: An argument is invalid; the message lists every problem.
        """
        problems, checked = self._problems(scope, construct_id, cluster, addon_version)
        problems.raise_if_any()
        assert checked is not None
        super().__init__(scope, construct_id, cluster=checked)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=checked.vpc,
            description="FSx for Lustre: LNet from the EKS cluster security group and between servers",
            allow_all_outbound=False,
        )
        """The security group every file system of this driver's classes gets."""
        cluster_sg = checked.cluster_security_group
        connections = self.security_group.connections
        for port in LUSTRE_PORTS:
            connections.allow_from(cluster_sg, port, "Lustre from EKS nodes")
            connections.allow_internally(port, "Lustre between file servers")
            # Lustre servers also open connections to clients: the cluster security group
            # admits the same ports from the file systems.
            connections.allow_to(cluster_sg, port, "Lustre to EKS nodes")
        role = self._install_controller(
            addon_version, description="FSx CSI controller (kube-system/fsx-csi-controller-sa)"
        )
        for statement in self._controller_statements(Stack.of(self)):
            role.add_to_principal_policy(statement)
        self._acknowledge(role)

    @staticmethod
    def _acknowledge(role: iam.Role) -> None:
        reasons = {
            "AwsSolutions-IAM5[Resource::*]": "The FSx CSI controller creates a file system per claim, "
            "so its id is unknown when the policy is written; fsx:DescribeFileSystems and the EC2 "
            "Describe calls are read-only and take no narrower resource",
            "AwsSolutions-IAM5[Resource::"
            + nag_arn(role, "fsx:{region}:{account}:file-system/*")
            + "]": "File systems are created per claim at run time, so they have no known "
            "ARN: creation and tagging are limited to this account and region, and resize and delete "
            "also require the driver's CSIVolumeName tag",
            "AwsSolutions-IAM5[Resource::"
            + nag_arn(role, "iam::{account}:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*")
            + "]": "FSx names the "
            "service-linked role for S3 data repositories itself; the wildcard covers only roles "
            "under that one service-linked path",
        }
        Validations.of(role).acknowledge(
            *(Acknowledgment(id=rule, reason=reason) for rule, reason in reasons.items())
        )

    @staticmethod
    def _controller_statements(stack: Stack) -> list[iam.PolicyStatement]:
        file_systems = stack.format_arn(service="fsx", resource="file-system", resource_name="*")
        linked_role = stack.format_arn(
            service="iam",
            region="",
            resource="role",
            resource_name="aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/*",
        )
        return [
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"],
                resources=[linked_role],
            ),
            iam.PolicyStatement(
                actions=["iam:CreateServiceLinkedRole"],
                resources=["*"],
                conditions={"StringLike": {"iam:AWSServiceName": ["fsx.amazonaws.com"]}},
            ),
            iam.PolicyStatement(actions=["fsx:DescribeFileSystems"], resources=["*"]),
            # The driver tags every file system it creates with CSIVolumeName (tag on create,
            # which IAM authorizes as fsx:TagResource); resize and delete need that tag, so the
            # controller cannot delete or change file systems it did not create, such as a
            # file system of FsxOntapCsiDriver in the same account. Creation is authorized on
            # the new file system's ARN (FSx user guide, "Using tags with Amazon FSx"), so it is
            # limited to this account and region.
            iam.PolicyStatement(
                actions=["fsx:CreateFileSystem", "fsx:TagResource"], resources=[file_systems]
            ),
            iam.PolicyStatement(
                actions=["fsx:DeleteFileSystem", "fsx:UpdateFileSystem"],
                resources=[file_systems],
                conditions={"Null": {f"aws:ResourceTag/{_CSI_VOLUME_TAG}": "false"}},
            ),
            iam.PolicyStatement(
                actions=["ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs"],
                resources=["*"],
            ),
        ]

    def _subnet(self, options: FsxLustreStorageClassOptions) -> list[ec2.ISubnet]:
        choice = options.subnet
        if choice is None:
            return select_subnets(self.cluster.vpc, self.cluster.node_subnets)[:1]
        if isinstance(choice, ec2.SubnetSelection):
            return select_subnets(self.cluster.vpc, choice)
        return [choice]

    def _check_storage_class(self, options: FsxLustreStorageClassOptions, problems: Problems) -> None:
        subnets = self._subnet(options)
        if len(subnets) != 1:
            problems.add(
                "options.subnet",
                f"a selection matching {len(subnets)} subnets",
                "exactly one subnet: FSx for Lustre is single-AZ (pass one ec2.ISubnet or a selection "
                "that matches one)",
            )

    def _mount_options(self, options: FsxLustreStorageClassOptions) -> list[str] | None:
        return ["flock"] if options.flock else None

    def _parameters(self, options: FsxLustreStorageClassOptions) -> dict[str, str]:
        parameters = {
            "subnetId": self._subnet(options)[0].subnet_id,
            "securityGroupIds": self.security_group.security_group_id,
            "deploymentType": options.deployment_type.name,
            "dataCompressionType": options.data_compression.name,
        }
        version = options.file_system_type_version
        if version is None and options.deployment_type is fsx.LustreDeploymentType.PERSISTENT_2:
            version = LUSTRE_PERSISTENT_2_VERSION
        if version is not None:
            parameters["fileSystemTypeVersion"] = version
        if options.throughput is not None:
            parameters["perUnitStorageThroughput"] = as_text(options.throughput)
        if options.encryption_key is not None:
            self._grant_key(options.encryption_key)
            parameters["kmsKeyId"] = options.encryption_key.key_arn
        return parameters


class FsxLustreStorageClass(StorageClass):
    """An FSx for Lustre StorageClass on the cluster of an `FsxLustreCsiDriver`.

    Example:
        FsxLustreStorageClass(
            self, "Lustre", driver=lustre, options=FsxLustreStorageClassOptions(name="lustre")
        )
    """

    _DRIVER = FsxLustreCsiDriver


FsxLustreCsiDriver._STORAGE_CLASS = FsxLustreStorageClass
