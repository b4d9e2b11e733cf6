"""What every CSI driver construct shares: the cluster contract, StorageClass
bookkeeping per cluster, and the checks that need the cluster."""

from __future__ import annotations

import re
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Literal, Protocol

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct, Node

from cdk_containers._validation import Problems, is_dns1123_subdomain
from cdk_containers.constructs.eks._pod_identity import PodIdentity, pod_identity_principal

__all__ = [
    "ReclaimPolicy",
    "StorageCluster",
    "add_storage_class_manifest",
    "bind_controller_identity",
    "check_storage_class_basics",
    "controller_role",
    "install_controller_addon",
    "register_storage_class",
    "require_ec2_capacity",
    "select_subnets",
    "storage_class_manifest",
]

ReclaimPolicy = Literal["Retain", "Delete"]

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
_OCTAL_MODE = re.compile(r"^[0-7]{3,4}$")


class StorageCluster(Protocol):
    """The part of :class:`cdk_containers.constructs.EksCluster` the storage constructs use.

    Any object with these members works, so the drivers also accept a
    cluster wrapper of your own.
    """

    @property
    def cluster(self) -> eks.Cluster: ...

    @property
    def vpc(self) -> ec2.IVpc: ...

    @property
    def node_subnets(self) -> ec2.SubnetSelection: ...

    @property
    def kubernetes_version(self) -> eks.KubernetesVersion: ...

    @property
    def cluster_security_group(self) -> ec2.ISecurityGroup: ...

    @property
    def has_ec2_capacity(self) -> bool: ...

    @property
    def has_fargate_capacity(self) -> bool: ...

    @property
    def node(self) -> Node: ...

    def add_addon(
        self,
        name: str,
        *,
        version: str | None = None,
        configuration: Mapping[str, Any] | None = None,
        before_compute: bool = False,
    ) -> eks.Addon: ...

    def add_pod_identity(
        self, construct_id: str, *, namespace: str, service_account: str, role: iam.IRole | None = None
    ) -> PodIdentity: ...

    def add_manifest(self, construct_id: str, *manifests: Mapping[str, Any]) -> eks.KubernetesManifest: ...


class _ClusterClasses:
    """StorageClass names and the default class of one cluster, across every driver."""

    def __init__(self) -> None:
        self.owners: dict[str, str] = {}
        self.default: tuple[str, str] | None = None


# Keyed by the cluster object: two drivers on one cluster see each other's
# classes, and a cluster garbage-collected with its app takes its entry along.
_REGISTRY: weakref.WeakKeyDictionary[Any, _ClusterClasses] = weakref.WeakKeyDictionary()


def register_storage_class(
    cluster: StorageCluster, *, name: str, default: bool, owner_path: str, construct_type: str
) -> None:
    """Record a StorageClass on ``cluster``; refuse a second default or a duplicate name."""
    classes = _REGISTRY.setdefault(cluster, _ClusterClasses())
    problems = Problems(construct_type, owner_path)
    if name in classes.owners:
        problems.add(
            "storage_class.name",
            name,
            f"a name not used yet on this cluster; '{name}' already belongs to {classes.owners[name]}",
        )
    if default and classes.default is not None:
        other_name, other_owner = classes.default
        problems.add(
            "storage_class.default",
            True,
            f"at most one default StorageClass per cluster; '{other_name}' ({other_owner}) is already "
            "the default (pass default=False, or create_default_storage_class=False on the EBS driver)",
        )
    problems.raise_if_any()
    classes.owners[name] = owner_path
    if default:
        classes.default = (name, owner_path)


def check_storage_class_basics(
    problems: Problems,
    *,
    name: str,
    reclaim_policy: str,
    allowed_reclaim: tuple[str, ...] = ("Retain", "Delete"),
) -> None:
    """Checks every StorageClass option bundle shares: the name and the reclaim policy."""
    problems.check(
        is_dns1123_subdomain(name),
        "name",
        name,
        "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', starting and ending "
        "with a letter or digit, at most 253 characters",
    )
    problems.check(
        reclaim_policy in allowed_reclaim, "reclaim_policy", reclaim_policy, f"one of {list(allowed_reclaim)}"
    )


def select_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> list[ec2.ISubnet]:
    """The subnets of ``vpc`` that ``selection`` matches."""
    return list(
        vpc.select_subnets(
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            subnet_type=selection.subnet_type,
        ).subnets
    )


def is_octal_mode(value: str) -> bool:
    """Whether ``value`` is a 3 or 4 digit octal file mode such as ``"700"``."""
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


def bind_controller_identity(
    cluster: StorageCluster,
    addon: eks.Addon,
    role: iam.IRole,
    *,
    construct_id: str,
    namespace: str,
    service_account: str,
) -> iam.IRole:
    """Associate ``role`` with the controller's service account through EKS Pod Identity.

    The add-on waits for the association: a controller pod started before it
    exists gets no credentials until it is restarted.
    """
    bound = cluster.add_pod_identity(
        construct_id, namespace=namespace, service_account=service_account, role=role
    )
    addon.node.add_dependency(bound.association)
    return bound.role


def controller_role(
    scope: Construct,
    construct_id: str,
    *,
    cluster: StorageCluster,
    namespace: str,
    service_account: str,
    description: str,
    managed_policy: str | None = None,
    managed_policy_reason: str | None = None,
) -> iam.Role:
    """A role for a CSI controller's service account, trusted by EKS Pod Identity only.

    The trust is limited to Pod Identity sessions of ``namespace/service_account`` on
    ``cluster`` (request-tag conditions), so no other association can use the role.

    Args:
        managed_policy: Name of an AWS managed policy to attach, e.g.
            ``service-role/AmazonEBSCSIDriverPolicy``. Defaults to none.
        managed_policy_reason: Why the policy is acceptable; acknowledges its IAM4
            finding. Required with ``managed_policy``.
    """
    role = iam.Role(
        scope,
        construct_id,
        description=description,
        # Pod Identity assumes the role with sts:AssumeRole and sts:TagSession.
        assumed_by=pod_identity_principal(
            cluster_arn=cluster.cluster.cluster_arn, namespace=namespace, service_account=service_account
        ),
    )
    if managed_policy is not None:
        if not managed_policy_reason:
            raise ValueError(f"controller_role({construct_id!r}): managed_policy needs managed_policy_reason")
        role.add_managed_policy(iam.ManagedPolicy.from_aws_managed_policy_name(managed_policy))
        Validations.of(role).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{managed_policy}]",
                reason=managed_policy_reason,
            )
        )
    return role


def install_controller_addon(
    cluster: StorageCluster,
    role: iam.IRole,
    *,
    addon_name: str,
    addon_version: str | None,
    association_id: str,
    namespace: str,
    service_account: str,
    permissions: Sequence[IConstruct] = (),
) -> eks.Addon:
    """Install a CSI driver's add-on (after compute) with its controller bound to ``role``.

    The add-on waits for the Pod Identity association, the role and everything
    under it (its default policy), and ``permissions`` (policies attached from
    elsewhere), so the controller's first calls are not refused.
    """
    addon = cluster.add_addon(addon_name, version=addon_version)
    bind_controller_identity(
        cluster,
        addon,
        role,
        construct_id=association_id,
        namespace=namespace,
        service_account=service_account,
    )
    addon.node.add_dependency(role, *permissions)
    return addon


def add_storage_class_manifest(
    cluster: StorageCluster,
    driver: Construct,
    manifest: Mapping[str, Any],
    *,
    default: bool,
    construct_type: str,
    into: dict[str, dict[str, Any]],
) -> eks.KubernetesManifest:
    """Register a StorageClass of ``driver`` on ``cluster`` and apply its manifest.

    Refuses a name already used on the cluster or a second default class (see
    :func:`register_storage_class`); records the manifest in ``into`` by name.
    """
    name = str(manifest["metadata"]["name"])
    register_storage_class(
        cluster, name=name, default=default, owner_path=driver.node.path, construct_type=construct_type
    )
    into[name] = dict(manifest)
    return cluster.add_manifest(f"StorageClass-{name}", manifest)


def storage_class_manifest(
    *,
    name: str,
    provisioner: str,
    parameters: Mapping[str, str],
    reclaim_policy: str,
    binding_mode: str,
    allow_expansion: bool,
    default: bool,
    mount_options: list[str] | None = None,
) -> dict[str, Any]:
    """A ``storage.k8s.io/v1`` StorageClass as a plain dict."""
    metadata: dict[str, Any] = {"name": name}
    if default:
        metadata["annotations"] = {DEFAULT_CLASS_ANNOTATION: "true"}
    manifest: dict[str, Any] = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": metadata,
        "provisioner": provisioner,
        "parameters": dict(parameters),
        "reclaimPolicy": reclaim_policy,
        "volumeBindingMode": binding_mode,
        "allowVolumeExpansion": allow_expansion,
    }
    if mount_options:
        manifest["mountOptions"] = list(mount_options)
    return manifest
