"""What every cluster of the family shares, whether this app created it or imported it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IConstruct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks import _pull
from cdk_containers.constructs.eks._addons import check_addon_version
from cdk_containers.constructs.eks._identity import WorkloadIdentities
from cdk_containers.constructs.eks._kubectl import KubectlHandler
from cdk_containers.constructs.eks._objects import KubernetesObjects
from cdk_containers.constructs.eks._pull import ImagePulls
from cdk_containers.constructs.eks.options import (
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.fargate import FargateProfile
    from cdk_containers.constructs.eks.managed import ManagedNodeGroup
    from cdk_containers.constructs.eks.self_managed import SelfManagedNodeGroup

__all__ = ["ClusterBase", "JoinAttributes"]

_ADDON_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


@dataclass(frozen=True, kw_only=True)
class JoinAttributes:
    """What a self-managed node writes into its NodeConfig (or Bottlerocket settings)."""

    cluster_name: str
    endpoint: str
    certificate_authority: str
    service_cidr: str


class ClusterBase(KubernetesObjects, WorkloadIdentities, ImagePulls, Construct):
    """Capacity, add-ons, identities, pull grants and Kubernetes objects of one cluster.

    Subclasses set the attributes below before calling `_init_base`.
    """

    vpc: ec2.IVpc
    node_subnets: ec2.SubnetSelection
    version: str
    kubernetes_version: eks.KubernetesVersion
    cluster_security_group: ec2.ISecurityGroup
    has_ec2_capacity: bool
    has_fargate_capacity: bool
    _construct_type: str

    def _init_base(self) -> None:
        self._addons: dict[str, eks.Addon] = {}
        self._before_compute: list[IConstruct] = []
        self._after_compute: list[IConstruct] = []
        self._capacity: list[IConstruct] = []
        self._roles: list[iam.IRole] = []
        self._fargate_selectors: list[FargateSelector] = []
        self._ec2_taints: list[Sequence[Taint]] = []
        self._pull_repositories: list[ecr.IRepository] = []
        self._pull_through_prefixes: list[str] = []
        self._kubectl_handler: KubectlHandler | None = None
        self._pod_identity_agent_preinstalled = False
        self._fargate_capacity: list[IConstruct] = []

    @property
    def _icluster(self) -> eks.ICluster:
        raise NotImplementedError

    def _join_attributes(self, problems: Problems) -> JoinAttributes:
        """What self-managed nodes need; records a problem for what the cluster cannot tell."""
        raise NotImplementedError

    @property
    def _has_pod_identity_agent(self) -> bool:
        return self._pod_identity_agent_preinstalled or "eks-pod-identity-agent" in self._addons

    # -- add-ons ----------------------------------------------------------------------------

    def add_addon(
        self,
        name: str,
        *,
        version: str | None = None,
        configuration: Mapping[str, Any] | None = None,
        before_compute: bool = False,
    ) -> eks.Addon:
        """Install an EKS managed add-on.

        Args:
            name: Add-on name, e.g. `"aws-ebs-csi-driver"`.
            version: Add-on version. Defaults to EKS's default version for the cluster.
            configuration: `configurationValues` of the add-on, as a mapping (not a JSON string).
                Defaults to none.
            before_compute: Create it before node groups (only for add-ons nodes need to
                become Ready). Defaults to `False`: the add-on depends on all capacity of
                the cluster, including capacity added after this call (add-ons whose pods
                have no node to run on go DEGRADED, eksctl#5891).

        Returns:
            The `aws_eks_v2.Addon`.

        Raises:
            ValueError: For an invalid or already installed name, or a configuration that is
                not a mapping.
        """
        problems = Problems(self._construct_type, construct_path(self))
        if problems.check_str("add_addon(name)", name):
            problems.check(bool(_ADDON_NAME.match(name)), "add_addon(name)", name, "an EKS add-on name")
            problems.check(name not in self._addons, "add_addon(name)", name, "an add-on not installed yet")
        check_addon_version(problems, "add_addon(version)", version)
        problems.check_type(
            "add_addon(configuration)",
            configuration,
            Mapping,
            optional=True,
            allowed="a mapping such as {'replicas': 2}, not a JSON string (it is rendered to JSON for you)",
        )
        problems.check_type("add_addon(before_compute)", before_compute, bool)
        problems.raise_if_any()
        addon = eks.Addon(
            self,
            f"{_pascal(name)}Addon",
            cluster=self._icluster,
            addon_name=name,
            addon_version=version,
            configuration_values=dict(configuration) if configuration is not None else None,
        )
        self._addons[name] = addon
        if before_compute:
            self._before_compute.append(addon)
            for capacity in self._capacity:
                capacity.node.add_dependency(addon)
        else:
            self._depend_on_compute(addon)
        return addon

    @property
    def addons(self) -> dict[str, eks.Addon]:
        """Add-ons installed through this object, by name."""
        return dict(self._addons)

    # -- capacity ---------------------------------------------------------------------------

    def add_managed_node_group(
        self, construct_id: str, options: ManagedNodeGroupOptions | None = None
    ) -> ManagedNodeGroup:
        """Add an EKS managed node group: sugar over `ManagedNodeGroup(..., cluster=self, options=...)`."""
        from cdk_containers.constructs.eks.managed import ManagedNodeGroup

        return ManagedNodeGroup(self, construct_id, cluster=self, options=options)

    def add_self_managed_node_group(
        self, construct_id: str, options: SelfManagedNodeGroupOptions | None = None
    ) -> SelfManagedNodeGroup:
        """Add a self-managed node group: sugar over `SelfManagedNodeGroup(..., cluster=self, ...)`."""
        from cdk_containers.constructs.eks.self_managed import SelfManagedNodeGroup

        return SelfManagedNodeGroup(self, construct_id, cluster=self, options=options)

    def add_fargate_profile(
        self,
        construct_id: str,
        options: FargateProfileOptions | None = None,
        *,
        selectors: Sequence[FargateSelector] | None = None,
    ) -> FargateProfile:
        """Add a Fargate profile: sugar over `FargateProfile(self, construct_id, cluster=self, options=...)`.

        Args:
            construct_id: Construct id.
            options: Selectors, name and subnets of the profile.
            selectors: Deprecated: pass `FargateProfileOptions(selectors=...)`. Defaults to none.
        """
        from cdk_containers.constructs.eks.fargate import FargateProfile

        if options is None and selectors is not None:
            import warnings

            warnings.warn(
                "add_fargate_profile(id, selectors=[...]) is deprecated: pass "
                "add_fargate_profile(id, FargateProfileOptions(selectors=[...]))",
                DeprecationWarning,
                stacklevel=2,
            )
            options = FargateProfileOptions(selectors=selectors)
        return FargateProfile(self, construct_id, cluster=self, options=options)

    def register_capacity(
        self,
        capacity: IConstruct,
        *,
        role: iam.IRole,
        fargate_selectors: Sequence[FargateSelector] | None = None,
        taints: Sequence[Taint] = (),
    ) -> None:
        """Make the cluster aware of capacity: the node groups and profiles here call it.

        Call it for capacity you build yourself (a Karpenter node class, your own Auto
        Scaling group): add-ons created before compute come before it, add-ons and manifests
        that need nodes come after it, and the pull grants (`allow_pull`,
        `allow_pull_through`) reach its role.

        Args:
            capacity: The construct whose resources start nodes or pods.
            role: The node role, or the Fargate pod-execution role.
            fargate_selectors: The selectors of a Fargate profile. Defaults to `None`: EC2 capacity.
            taints: Taints of every node of EC2 capacity. Defaults to none.
        """
        if fargate_selectors is not None:
            self.has_fargate_capacity = True
            self._fargate_selectors.extend(fargate_selectors)
            # EKS creates one Fargate profile of a cluster at a time: each waits for the previous one.
            for previous in self._fargate_capacity[-1:]:
                capacity.node.add_dependency(previous)
            self._fargate_capacity.append(capacity)
        else:
            self.has_ec2_capacity = True
            self._ec2_taints.append(tuple(taints))
        self._roles.append(role)
        self._capacity.append(capacity)
        # `add_dependency` takes any number: one jsii call for all, not one per dependency.
        if self._before_compute:
            capacity.node.add_dependency(*self._before_compute)
        for after in self._after_compute:
            after.node.add_dependency(capacity)
        _pull.grant(role, self._pull_repositories, self._pull_through_prefixes)

    @property
    def node_roles(self) -> list[iam.IRole]:
        """Every node role and Fargate pod-execution role added so far, in order of creation."""
        return list(self._roles)

    @property
    def fargate_selectors(self) -> list[FargateSelector]:
        """Every selector of every Fargate profile added so far."""
        return list(self._fargate_selectors)

    def _depend_on_compute(self, dependent: IConstruct) -> None:
        self._after_compute.append(dependent)
        if self._capacity:
            dependent.node.add_dependency(*self._capacity)
