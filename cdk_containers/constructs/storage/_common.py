"""What every CSI driver shares: the cluster contract, the reclaim policy, subnet selection,
StorageClass bookkeeping per cluster and the StorageClass manifest."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, cast, runtime_checkable

from aws_cdk import Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, Node

from cdk_containers._validation import ConstructPath, Problems, describe
from cdk_containers.constructs.eks._pod_identity import PodIdentity
from cdk_containers.constructs.eks._subnets import select_subnets as _select_subnets

__all__ = ["ReclaimPolicy", "StorageCluster"]

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_OCTAL_MODE = re.compile(r"^[0-7]{3,4}$")
_BOOKKEEPING_ID = "CdkContainersStorageClasses"


class ReclaimPolicy(enum.Enum):
    """What happens to a provisioned volume when its PersistentVolumeClaim is deleted."""

    RETAIN = "Retain"
    """Keep the volume and its data; delete it yourself when it is no longer needed."""
    DELETE = "Delete"
    """Delete the volume and its data with the claim."""


@runtime_checkable
class StorageCluster(Protocol):
    """The members of a cluster the storage drivers use.

    `EksCluster` has them, and so does any object of your own (an imported cluster, a
    wrapper): the drivers use nothing else. `cluster` must be a real `aws_eks_v2` cluster
    construct (owned or imported); StorageClass bookkeeping is kept in a child of it.
    """

    @property
    def cluster(self) -> eks.Cluster | eks.ICluster: ...

    @property
    def vpc(self) -> ec2.IVpc: ...

    @property
    def node_subnets(self) -> ec2.SubnetSelection: ...

    @property
    def cluster_security_group(self) -> ec2.ISecurityGroup: ...

    @property
    def has_ec2_capacity(self) -> bool: ...

    @property
    def has_fargate_capacity(self) -> bool: ...

    @property
    def node(self) -> Node: ...

    def add_addon(
        self, name: str, *, version: str | None = None, configuration: Mapping[str, Any] | None = None
    ) -> eks.Addon: ...

    def add_pod_identity(
        self, construct_id: str, *, namespace: str, service_account: str, role: iam.IRole | None = None
    ) -> PodIdentity: ...

    def add_manifest(self, construct_id: str, *manifests: Mapping[str, Any]) -> eks.KubernetesManifest: ...


def select_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[ec2.ISubnet]:
    """The subnets of `vpc` that `selection` matches (the EKS family's helper, as a list)."""
    return list(_select_subnets(vpc, selection).subnets)


def as_text(value: int | str) -> str:
    """A StorageClass parameter (always a string) from an int or a deploy-time number."""
    if isinstance(value, (int, float)) and Token.is_unresolved(value):
        return Token.as_string(value)
    return str(value)


def check_enum(
    problems: Problems, argument: str, value: object, enum_type: type[enum.Enum], label: str
) -> bool:
    """Record a problem unless `value` is a member of `enum_type`; `label` names the type for users."""
    if isinstance(value, enum_type):
        return True
    members = ", ".join(member.name for member in enum_type)
    problems.add(argument, value, f"a member of {label} ({members})")
    return False


def check_interface(
    problems: Problems, argument: str, value: object, interface: type, member: str, *, optional: bool = True
) -> bool:
    """Record a problem unless `value` implements the jsii `interface` (has its `member`).

    jsii interfaces are not runtime-checkable protocols, so a member that every implementation
    has stands for the interface (`key_arn` for `kms.IKey`).
    """
    if value is None:
        if not optional:
            problems.add(argument, value, f"a value is required ({interface.__name__})")
        return optional
    if not isinstance(value, (str, bytes, int, float, list, tuple, dict)) and hasattr(value, member):
        return True
    module = interface.__module__.rsplit(".", 1)[-1]
    problems.add(argument, value, f"expected {module}.{interface.__name__}, got {describe(value)}")
    return False


def is_octal_mode(value: object) -> bool:
    """Whether `value` is a 3 or 4 digit octal file mode such as `"700"`."""
    return isinstance(value, str) and bool(_OCTAL_MODE.match(value))


def require_ec2_capacity(cluster: StorageCluster, problems: Problems, *, what: str) -> None:
    """Refuse a driver that needs nodes on a cluster without EC2 capacity (Fargate-only or none yet)."""
    if cluster.has_ec2_capacity:
        return
    if cluster.has_fargate_capacity:
        reason = "this cluster's only capacity is Fargate, and Fargate pods cannot mount " + what
    else:
        reason = "this cluster has no EC2 capacity yet; add a managed or self-managed node group first"
    problems.add(
        "cluster",
        cluster.node.path,
        f"a cluster with EC2 nodes (managed or self-managed node group): {reason} "
        "(Fargate pods can use EFS through static provisioning)",
    )


class ClusterStorageClasses(Construct):
    """StorageClass names and the default class of one cluster, across every driver.

    A child of the cluster's `aws_eks_v2` construct, found by id, so every driver on the
    cluster sees the same record and it goes away with the cluster's app.
    """

    @classmethod
    def of(cls, cluster: StorageCluster) -> ClusterStorageClasses:
        """The record of `cluster`, created on first use."""
        eks_cluster = cluster.cluster
        scope: IConstruct = eks_cluster
        construct_id = _BOOKKEEPING_ID
        if not isinstance(eks_cluster, Construct):
            # An imported cluster is a jsii proxy, which cannot parent a construct written in
            # Python: keep the record beside it in its stack, keyed by its unique address.
            scope = Stack.of(eks_cluster)
            construct_id = f"{_BOOKKEEPING_ID}{eks_cluster.node.addr}"
        found = scope.node.try_find_child(construct_id)
        if isinstance(found, ClusterStorageClasses):
            return found
        return cls(cast(Construct, scope), construct_id)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._owners: dict[str, str | ConstructPath] = {}
        self._default: tuple[str, str | ConstructPath] | None = None

    def check(self, problems: Problems, *, name: str, default: bool, argument: str) -> None:
        """Record a problem for a name used already, or for a second default class."""
        if name in self._owners:
            problems.add(
                f"{argument}.name",
                name,
                f"a name not used yet on this cluster; '{name}' already belongs to {self._owners[name]}",
            )
        if default and self._default is not None:
            other_name, other_owner = self._default
            problems.add(
                f"{argument}.default",
                True,
                f"at most one default StorageClass per cluster; '{other_name}' ({other_owner}) is already "
                "the default (pass default=False, or create_default_storage_class=False on the EBS driver)",
            )

    def record(self, *, name: str, default: bool, owner_path: str | ConstructPath) -> None:
        """Remember a StorageClass that was checked with `check`."""
        self._owners[name] = owner_path
        if default:
            self._default = (name, owner_path)


def storage_class_manifest(
    *,
    name: str,
    provisioner: str,
    parameters: Mapping[str, str],
    reclaim_policy: ReclaimPolicy,
    binding_mode: str,
    allow_expansion: bool,
    default: bool,
    mount_options: Sequence[str] | None = None,
) -> dict[str, Any]:
    """A `storage.k8s.io/v1` StorageClass as a plain dict."""
    metadata: dict[str, Any] = {"name": name}
    if default:
        metadata["annotations"] = {DEFAULT_CLASS_ANNOTATION: "true"}
    manifest: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": provisioner,
        "parameters": dict(parameters),
        "reclaimPolicy": reclaim_policy.value,
        "volumeBindingMode": binding_mode,
        "allowVolumeExpansion": allow_expansion,
    }
    if mount_options:
        manifest["mountOptions"] = list(mount_options)
    return manifest
