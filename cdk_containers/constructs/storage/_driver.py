"""The base of the four CSI drivers and of their StorageClasses: the wiring that does not differ.

A driver subclass supplies its constants (add-on, provisioner, service account, managed
policy, the KMS actions its controller needs), its backing resources and how one
StorageClass's options become a manifest. Everything else lives here once: argument checks
on the cluster, the controller's Pod Identity role, the add-on after compute, the key grant,
`add_storage_class` and the StorageClass construct with its per-cluster bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct

from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain
from cdk_containers.constructs.eks._addons import check_addon_version
from cdk_containers.constructs.eks._pod_identity import pod_identity_principal
from cdk_containers.constructs.storage._common import (
    ClusterStorageClasses,
    ReclaimPolicy,
    StorageCluster,
    check_enum,
    require_ec2_capacity,
    storage_class_manifest,
)

__all__ = ["CsiDriver", "StorageClass", "StorageClassOptions"]

_CLUSTER_MEMBERS = (
    "cluster",
    "vpc",
    "node_subnets",
    "cluster_security_group",
    "has_ec2_capacity",
    "has_fargate_capacity",
    "node",
    "add_addon",
    "add_pod_identity",
    "add_manifest",
)


@dataclass(frozen=True, kw_only=True)
class StorageClassOptions:
    """What every StorageClass takes, whatever its driver.

    Attributes:
        name: StorageClass name, a DNS-1123 subdomain, unique on the cluster.
        default: Make this the cluster's default StorageClass. Defaults to `False`.
        reclaim_policy: What happens to a volume when its claim is deleted. Defaults to
            `ReclaimPolicy.RETAIN` (volumes hold data).
    """

    name: str
    default: bool = False
    reclaim_policy: ReclaimPolicy = ReclaimPolicy.RETAIN

    def _check(self, problems: Problems, argument: str) -> None:
        name = f"{argument}.name"
        if problems.check_type(name, self.name, str) and problems.check_known(
            name, self.name, "it names the Kubernetes object and its construct"
        ):
            problems.check(
                is_dns1123_subdomain(self.name),
                name,
                self.name,
                "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending "
                "with a letter or digit, at most 253 characters",
            )
        problems.check_type(f"{argument}.default", self.default, bool)
        check_enum(
            problems, f"{argument}.reclaim_policy", self.reclaim_policy, ReclaimPolicy, "ReclaimPolicy"
        )


class CsiDriver(Construct):
    """A CSI driver on an EKS cluster: its add-on, its controller's role and its StorageClasses.

    The base of `EbsCsiDriver`, `EfsCsiDriver`, `FsxLustreCsiDriver` and `FsxOntapCsiDriver`;
    not used on its own.
    """

    ADDON_NAME: ClassVar[str] = ""
    """Name of the EKS add-on that installs the driver."""
    PROVISIONER: ClassVar[str] = ""
    """The `provisioner` of the driver's StorageClasses."""
    NAMESPACE: ClassVar[str] = "kube-system"
    """Namespace of the controller's service account."""
    SERVICE_ACCOUNT: ClassVar[str] = ""
    """The controller's service account, bound to `role` through EKS Pod Identity."""
    MANAGED_POLICY: ClassVar[str | None] = None
    """The AWS managed policy the controller's role holds, if any."""
    _ROLE_ID: ClassVar[str] = "ControllerRole"
    _ASSOCIATION_ID: ClassVar[str] = ""
    _NEEDS_EC2_FOR: ClassVar[str | None] = None
    _KEY_GRANT_ACTIONS: ClassVar[tuple[str, ...]] = ()
    _KEY_USE_ACTIONS: ClassVar[tuple[str, ...]] = ()
    _OPTIONS: ClassVar[type[StorageClassOptions]] = StorageClassOptions
    _STORAGE_CLASS: ClassVar[type[StorageClass]]

    @classmethod
    def _problems(
        cls, scope: Construct, construct_id: str, cluster: Any, addon_version: Any
    ) -> tuple[Problems, StorageCluster | None]:
        """The driver's problems, starting with the arguments every driver takes."""
        problems = Problems(cls.__name__, construct_path(scope, str(construct_id)))
        problems.check_str("construct_id", construct_id)
        check_addon_version(problems, "addon_version", addon_version)
        if not isinstance(cluster, StorageCluster):
            missing = [m for m in _CLUSTER_MEMBERS if not hasattr(cluster, m)]
            problems.add(
                "cluster",
                cluster,
                "an EksCluster, or an object with the members of StorageCluster "
                f"(missing: {', '.join(missing)})",
            )
            return problems, None
        storage_cluster: StorageCluster = cluster
        if cls._NEEDS_EC2_FOR is not None:
            require_ec2_capacity(storage_cluster, problems, what=cls._NEEDS_EC2_FOR)
        return problems, storage_cluster

    def __init__(self, scope: Construct, construct_id: str, *, cluster: StorageCluster) -> None:
        """Args:
            scope: Parent construct.
            construct_id: Construct id.
            cluster: The cluster (an `EksCluster`, or an object with the members of
                `StorageCluster`).

        Raises:
            ValueError: If `cluster` is not such a cluster (the subclasses check it, and
                everything else, before they get here).
        """
        if not isinstance(cluster, StorageCluster):
            problems, _ = type(self)._problems(scope, construct_id, cluster, None)
            problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._cluster = cluster
        self._granted_keys: set[str] = set()
        self._storage_classes: dict[str, StorageClass] = {}
        self.role: iam.Role | None = None
        """The controller's IAM role, bound to its service account through EKS Pod Identity
        (`None` only for `EfsCsiDriver` on a Fargate-only cluster)."""
        self.addon: eks.Addon | None = None
        """The driver's EKS add-on, after the compute, the role and its association (`None`
        only for `EfsCsiDriver` on a Fargate-only cluster)."""

    @property
    def cluster(self) -> StorageCluster:
        """The cluster the driver is installed on."""
        return self._cluster

    @property
    def storage_classes(self) -> dict[str, StorageClass]:
        """Every StorageClass added through this driver so far, by Kubernetes name."""
        return dict(self._storage_classes)

    def add_storage_class(self, construct_id: str, options: StorageClassOptions) -> StorageClass:
        """Add a StorageClass of this driver to the cluster.

        Sugar for the driver's StorageClass construct (`EbsStorageClass(self, construct_id,
        driver=self, options=options)` and so on).

        Args:
            construct_id: Construct id of the StorageClass under this driver.
            options: The class's options, of this driver's options type.

        Returns:
            The StorageClass construct; its `manifest` is the object on the cluster.
        """
        return self._STORAGE_CLASS(self, construct_id, driver=self, options=options)

    def _install_controller(
        self,
        addon_version: str | None,
        *,
        description: str,
        managed_policy_reason: str | None = None,
        permissions: tuple[IConstruct, ...] = (),
        configuration: Mapping[str, Any] | None = None,
    ) -> iam.Role:
        """The controller's role and the add-on, which waits for the role, everything under
        it, `permissions` (policies attached from elsewhere) and the Pod Identity association,
        so the controller's first calls are not refused. `configuration` becomes the add-on's
        `configurationValues`; it is passed to `cluster.add_addon` only when set, so a
        `StorageCluster` of your own whose `add_addon` predates the argument keeps working."""
        cluster = self._cluster
        role = iam.Role(
            self,
            self._ROLE_ID,
            description=description,
            # Pod Identity sessions of this one service account of this cluster only.
            assumed_by=pod_identity_principal(
                cluster_arn=cluster.cluster.cluster_arn,
                namespace=self.NAMESPACE,
                service_account=self.SERVICE_ACCOUNT,
            ),
        )
        acknowledge_inline_policies(role)
        if self.MANAGED_POLICY is not None:
            role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(self.MANAGED_POLICY))
            Validations.of(role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                    f"{self.MANAGED_POLICY}]",
                    reason=managed_policy_reason or "",
                )
            )
        if configuration is None:
            addon = cluster.add_addon(self.ADDON_NAME, version=addon_version)
        else:
            addon = cluster.add_addon(self.ADDON_NAME, version=addon_version, configuration=configuration)
        bound = cluster.add_pod_identity(
            self._ASSOCIATION_ID, namespace=self.NAMESPACE, service_account=self.SERVICE_ACCOUNT, role=role
        )
        addon.node.add_dependency(bound.association, role, *permissions)
        self.role = role
        self.addon = addon
        return role

    def _grant_key(self, key: kms.IKey) -> None:
        """What the service needs from a customer-managed key when it encrypts volumes for the
        controller: grants only for AWS resources, and the key's use actions."""
        if key.node.path in self._granted_keys or self.role is None:
            return
        self._granted_keys.add(key.node.path)
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=list(self._KEY_GRANT_ACTIONS),
                resources=[key.key_arn],
                conditions={"Bool": {"kms:GrantIsForAWSResource": "true"}},
            )
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(actions=list(self._KEY_USE_ACTIONS), resources=[key.key_arn])
        )

    def _check_storage_class(self, options: Any, problems: Problems) -> None:
        """Checks of a StorageClass that need the driver (a subnet, the add-on); none by default."""

    _BINDING_MODE: ClassVar[str] = "Immediate"

    def _parameters(self, options: Any) -> dict[str, str]:  # pragma: no cover - every driver overrides
        raise NotImplementedError

    def _mount_options(self, options: Any) -> Sequence[str] | None:
        return None

    def _render(self, options: StorageClassOptions) -> dict[str, Any]:
        """The StorageClass manifest of `options` on this driver."""
        return storage_class_manifest(
            name=options.name,
            provisioner=self.PROVISIONER,
            parameters=self._parameters(options),
            reclaim_policy=options.reclaim_policy,
            binding_mode=self._BINDING_MODE,
            # EFS is elastic: a claim's size is not enforced, so its options have nothing to expand.
            allow_expansion=bool(getattr(options, "allow_expansion", False)),
            default=options.default,
            mount_options=self._mount_options(options),
        )


class StorageClass(Construct):
    """A StorageClass on the cluster of a CSI driver, checked against every other class there.

    The base of `EbsStorageClass`, `EfsStorageClass`, `FsxLustreStorageClass` and
    `OntapStorageClass`; each takes its own driver and options type.
    """

    _DRIVER: ClassVar[type[CsiDriver]] = CsiDriver

    def __init__(
        self, scope: Construct, construct_id: str, *, driver: CsiDriver, options: StorageClassOptions
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        driver: The driver whose provisioner the class uses.
        options: The class's options, of the driver's options type.
        """
        problems = Problems(type(self).__name__, construct_path(scope, str(construct_id)))
        problems.check_str("construct_id", construct_id)
        if not isinstance(driver, self._DRIVER):
            problems.add("driver", driver, f"an instance of {self._DRIVER.__name__}")
            problems.raise_if_any()
        option_type = driver._OPTIONS
        if problems.check_type(
            "options", options, option_type, allowed=f"an instance of {option_type.__name__}"
        ):
            options._check(problems, "options")
            if not problems:
                driver._check_storage_class(options, problems)
        record = ClusterStorageClasses.of(driver.cluster)
        if not problems:
            record.check(problems, name=options.name, default=options.default, argument="options")
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        record.record(name=options.name, default=options.default, owner_path=construct_path(self))
        self.driver = driver
        """The driver the class belongs to."""
        self.options = options
        """The options the class was made with."""
        self.name: str = options.name
        """The StorageClass name claims use (`storageClassName`)."""
        self.document: dict[str, Any] = driver._render(options)
        """The StorageClass manifest as a plain dict (tokens unresolved)."""
        self.manifest: eks.KubernetesManifest = driver.cluster.add_manifest(
            f"StorageClass-{options.name}", self.document
        )
        """The StorageClass object on the cluster."""
        driver._storage_classes[options.name] = self
