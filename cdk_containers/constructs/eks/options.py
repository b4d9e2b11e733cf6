"""Option bundles of the EKS family: what `EksCluster.add_*` and the standalone constructs take.

Each bundle is a frozen, keyword-only dataclass. It does not validate itself: the
construct that uses it calls its private `_check(problems, argument)`, so every
problem is reported with the construct's path and the field's dotted name
(`options.min_size`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks

from cdk_containers._validation import Problems, is_dns1123_subdomain, is_int, is_token
from cdk_containers.constructs.eks import _ami
from cdk_containers.constructs.eks._instance_types import (
    architecture,
    instance_type_problem,
    is_nvidia_family,
)
from cdk_containers.constructs.eks._labels import check_labels, is_label_key, is_label_value

__all__ = [
    "FargateProfileOptions",
    "FargateSelector",
    "ManagedNodeGroupOptions",
    "SelfManagedNodeGroupOptions",
    "Taint",
]

#: Deprecated: use `aws_eks_v2.NodegroupAmiType`, which has the same member names.
AmiType = eks.NodegroupAmiType

#: Prefix of the Auto Scaling group tags that tell the cluster autoscaler a group's labels and taints.
CLUSTER_AUTOSCALER_NODE_TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
_MAX_TAG_KEY = 128
_FIFTEEN_MINUTES = Duration.minutes(15)
#: Names EKS accepts for node groups and Fargate profiles (and, up to 100 characters, clusters).
EKS_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]*$")


#: How Kubernetes spells each `aws_eks_v2.TaintEffect` (kubelet flags, Bottlerocket settings).
_KUBERNETES_EFFECT = {
    eks.TaintEffect.NO_SCHEDULE: "NoSchedule",
    eks.TaintEffect.PREFER_NO_SCHEDULE: "PreferNoSchedule",
    eks.TaintEffect.NO_EXECUTE: "NoExecute",
}


@dataclass(frozen=True, kw_only=True)
class Taint:
    """A Kubernetes taint put on every node of a group.

    Args:
        key: Taint key (Kubernetes label key syntax).
        value: Taint value. Defaults to no value.
        effect: What the taint does to pods that do not tolerate it (`aws_eks_v2.TaintEffect`).
            Defaults to `TaintEffect.NO_SCHEDULE`.
    """

    key: str
    value: str | None = None
    effect: eks.TaintEffect = eks.TaintEffect.NO_SCHEDULE

    @property
    def _kubernetes_effect(self) -> str:
        """`NoSchedule`, `PreferNoSchedule` or `NoExecute`."""
        return _KUBERNETES_EFFECT[self.effect]

    @property
    def _kubelet_form(self) -> str:
        """`key=value:Effect` as `--register-with-taints` takes it."""
        value = f"={self.value}" if self.value else ""
        return f"{self.key}{value}:{self._kubernetes_effect}"

    def _to_taint_spec(self) -> eks.TaintSpec:
        return eks.TaintSpec(key=self.key, value=self.value, effect=self.effect)

    @property
    def _keeps_system_pods_off(self) -> bool:
        return self.effect in (eks.TaintEffect.NO_SCHEDULE, eks.TaintEffect.NO_EXECUTE)

    def _check(self, problems: Problems, argument: str) -> None:
        if problems.check_str(f"{argument}.key", self.key):
            problems.check(
                is_label_key(self.key),
                f"{argument}.key",
                self.key,
                "a key like 'dedicated' or 'example.com/gpu'",
            )
        if problems.check_str(f"{argument}.value", self.value, optional=True) and self.value is not None:
            problems.check(
                is_label_value(self.value),
                f"{argument}.value",
                self.value,
                "up to 63 letters, digits, '-', '_' or '.'",
            )
        problems.check_choice(f"{argument}.effect", self.effect, list(_KUBERNETES_EFFECT))


@dataclass(frozen=True, kw_only=True)
class FargateSelector:
    """Which pods a Fargate profile runs: a namespace and, optionally, labels.

    Args:
        namespace: Kubernetes namespace of the pods.
        labels: Labels the pods must all carry. Defaults to every pod of the namespace.
    """

    namespace: str
    labels: Mapping[str, str] | None = None

    @property
    def _whole_namespace(self) -> bool:
        return not self.labels

    def _check(self, problems: Problems, argument: str) -> None:
        if problems.check_str(f"{argument}.namespace", self.namespace):
            problems.check(
                is_dns1123_subdomain(self.namespace) and len(self.namespace) <= 63,
                f"{argument}.namespace",
                self.namespace,
                "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
            )
        check_labels(problems, f"{argument}.labels", self.labels, node=False)


def _check_name(problems: Problems, argument: str, name: object, max_length: int) -> None:
    if problems.check_str(argument, name, optional=True, max_length=max_length):
        problems.check(
            name is None or bool(EKS_NAME.match(str(name))),
            argument,
            name,
            f"a name of 1-{max_length} letters, digits, '-' and '_', starting with a letter or digit",
        )


@dataclass(frozen=True, kw_only=True)
class FargateProfileOptions:
    """A Fargate profile (`fargate_profiles` in terraform-aws-eks).

    Args:
        selectors: 1 to 5 namespace/label selectors of the pods that run on Fargate.
        fargate_profile_name: Name in EKS. Defaults to a generated name.
        subnets: Private subnets for the pods. Defaults to the cluster's node subnets.
    """

    selectors: Sequence[FargateSelector]
    fargate_profile_name: str | None = None
    subnets: ec2.SubnetSelection | None = None

    def _check(self, problems: Problems, argument: str) -> None:
        if problems.check_list(
            f"{argument}.selectors",
            self.selectors,
            FargateSelector,
            optional=False,
            min_items=1,
            max_items=5,
        ):
            for i, selector in enumerate(self.selectors):
                selector._check(problems, f"{argument}.selectors[{i}]")
        _check_name(problems, f"{argument}.fargate_profile_name", self.fargate_profile_name, 63)
        problems.check_type(f"{argument}.subnets", self.subnets, ec2.SubnetSelection, optional=True)


@dataclass(frozen=True, kw_only=True)
class _NodeGroupOptions:
    instance_types: Sequence[str | ec2.InstanceType] = ("m7i.large",)
    ami_type: eks.NodegroupAmiType = eks.NodegroupAmiType.AL2023_X86_64_STANDARD
    capacity_type: eks.CapacityType = eks.CapacityType.ON_DEMAND
    min_size: int = 1
    max_size: int = 3
    desired_size: int | None = None
    labels: Mapping[str, str] | None = None
    taints: Sequence[Taint] = ()
    root_volume_size: int = 50
    metadata_hop_limit: int = 1

    @property
    def _instance_type_names(self) -> list[str]:
        return [t if isinstance(t, str) else t.to_string() for t in self.instance_types]

    def _check(self, problems: Problems, argument: str) -> None:
        a = argument
        sizes_ok = all(
            [
                problems.check_int(f"{a}.min_size", self.min_size, minimum=0),
                problems.check_int(f"{a}.max_size", self.max_size, minimum=1),
                problems.check_int(f"{a}.desired_size", self.desired_size, minimum=0, optional=True),
            ]
        )
        known = not any(is_token(v) for v in (self.min_size, self.max_size, self.desired_size))
        if sizes_ok and known:
            problems.check(
                self.min_size <= self.max_size,
                f"{a}.max_size",
                self.max_size,
                f"an integer >= 1 and >= min_size ({self.min_size})",
            )
            if self.desired_size is not None:
                problems.check(
                    self.min_size <= self.desired_size <= self.max_size,
                    f"{a}.desired_size",
                    self.desired_size,
                    f"an integer from min_size ({self.min_size}) to max_size ({self.max_size}), or None",
                )
        if isinstance(self.ami_type, eks.NodegroupAmiType) and _ami.is_al2(self.ami_type):
            ami_ok = False
            problems.add(
                f"{a}.ami_type",
                self.ami_type.name,
                "AL2023 or Bottlerocket: EKS publishes no AL2 AMIs from Kubernetes 1.33 on",
            )
        else:
            ami_ok = problems.check_known(
                f"{a}.ami_type", self.ami_type, "it decides the nodes' architecture"
            ) and problems.check_choice(f"{a}.ami_type", self.ami_type, _ami.SUPPORTED_AMI_TYPES)
        problems.check_choice(
            f"{a}.capacity_type", self.capacity_type, [eks.CapacityType.ON_DEMAND, eks.CapacityType.SPOT]
        )
        if problems.check_list(
            f"{a}.instance_types", self.instance_types, (str, ec2.InstanceType), optional=False, min_items=1
        ):
            for i, item in enumerate(self.instance_types):
                self._check_instance_type(problems, f"{a}.instance_types[{i}]", item, ami_ok)
        check_labels(problems, f"{a}.labels", self.labels, node=True)
        if problems.check_list(f"{a}.taints", self.taints, Taint, optional=False):
            for i, taint in enumerate(self.taints):
                taint._check(problems, f"{a}.taints[{i}]")
        problems.check_int(
            f"{a}.root_volume_size",
            self.root_volume_size,
            minimum=20,
            maximum=16384,
            allowed="GiB from 20 to 16384",
        )
        if problems.check_known(
            f"{a}.metadata_hop_limit",
            self.metadata_hop_limit,
            "aws_ec2.LaunchTemplate checks its range at synthesis",
        ):
            problems.check_int(
                f"{a}.metadata_hop_limit",
                self.metadata_hop_limit,
                minimum=1,
                maximum=2,
                allowed="1 (pods cannot reach IMDS) or 2",
            )

    def _check_instance_type(
        self, problems: Problems, argument: str, item: str | ec2.InstanceType, ami_ok: bool
    ) -> None:
        name = item if isinstance(item, str) else item.to_string()
        if is_token(name):
            return
        problem = instance_type_problem(name, check_family=isinstance(item, str))
        if problem is not None:
            problems.add(argument, name, problem)
            return
        if not ami_ok:
            return
        wanted = _ami.architecture(self.ami_type)
        if architecture(name) != wanted:
            arch = "x86_64" if wanted == ec2.InstanceArchitecture.ARM_64 else "ARM64 (Graviton)"
            problems.add(
                argument,
                name,
                f"it is {arch}, but ami_type {self.ami_type.name} needs "
                f"{_ami.arch_path(self.ami_type)} instances",
            )
        if _ami.is_gpu(self.ami_type) and not is_nvidia_family(name):
            problems.add(
                argument,
                name,
                f"ami_type {self.ami_type.name} needs an NVIDIA GPU instance "
                "(g4dn, g5, g5g, g6, p4d, p5, ...)",
            )


@dataclass(frozen=True, kw_only=True)
class ManagedNodeGroupOptions(_NodeGroupOptions):
    """An EKS managed node group (`eks_managed_node_groups` in terraform-aws-eks).

    Args:
        instance_types: EC2 instance types (`"m7i.large"` or `ec2.InstanceType`); several spread
            Spot capacity over pools. Defaults to `("m7i.large",)`.
        ami_type: Node image (`aws_eks_v2.NodegroupAmiType`): AL2023 or Bottlerocket, x86_64 or
            ARM64, standard or NVIDIA. Defaults to `NodegroupAmiType.AL2023_X86_64_STANDARD`.
        capacity_type: `CapacityType.ON_DEMAND` or `CapacityType.SPOT`. Defaults to `ON_DEMAND`.
        min_size: Fewest nodes. Defaults to 1.
        max_size: Most nodes. Defaults to 3.
        desired_size: Nodes at creation. Defaults to `min_size`. A managed node group's
            template always carries a desired size (EKS takes all three sizes or none at
            creation), and CloudFormation applies it again whenever the scaling config changes:
            changing `min_size` or `max_size` later resets a size the cluster autoscaler
            chose (terraform-aws-eks#2961).
        labels: Kubernetes labels of every node. Defaults to none.
        taints: Kubernetes taints of every node. Defaults to none.
        root_volume_size: Encrypted gp3 root volume in GiB. Defaults to 50.
        metadata_hop_limit: IMDSv2 hop limit. 1 keeps pods (one hop further) away from the
            node role's credentials; see docs/security.md. Defaults to 1.
        max_unavailable: Nodes replaced at once during an update. Defaults to 1.
        nodegroup_name: Name in EKS. Defaults to a generated name.
    """

    max_unavailable: int = 1
    nodegroup_name: str | None = None

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)
        for name in ("min_size", "max_size", "desired_size"):
            problems.check_known(
                f"{argument}.{name}",
                getattr(self, name),
                "aws_eks_v2.Nodegroup compares the sizes with each other and with max_unavailable at "
                "synthesis (a self-managed group takes deploy-time sizes)",
            )
        unavailable = f"{argument}.max_unavailable"
        unavailable_ok = problems.check_known(
            unavailable,
            self.max_unavailable,
            "aws_eks_v2.Nodegroup compares it with max_size and checks its range at synthesis",
        ) and problems.check_int(unavailable, self.max_unavailable, minimum=1, maximum=100)
        if unavailable_ok and is_int(self.max_size) and not is_token(self.max_size):
            problems.check(
                self.max_unavailable <= self.max_size,
                unavailable,
                self.max_unavailable,
                f"an integer from 1 to max_size ({self.max_size}): more nodes than the group "
                "holds cannot be unavailable",
            )
        _check_name(problems, f"{argument}.nodegroup_name", self.nodegroup_name, 63)


@dataclass(frozen=True, kw_only=True)
class SelfManagedNodeGroupOptions(_NodeGroupOptions):
    """A self-managed node group: your own Auto Scaling group (`self_managed_node_groups`).

    Same fields as `ManagedNodeGroupOptions` (without `max_unavailable` and
    `nodegroup_name`), plus:

    Args:
        capacity_type: `SPOT` makes a mixed-instances group of Spot instances
            (price-capacity-optimized) above `on_demand_base_capacity`. Defaults to `ON_DEMAND`.
        on_demand_base_capacity: On-Demand instances kept under the Spot ones. Defaults to 0.
        cluster_autoscaler_tags: Tag the Auto Scaling group for the cluster autoscaler's
            auto-discovery (`k8s.io/cluster-autoscaler/enabled` and
            `k8s.io/cluster-autoscaler/<cluster name>`) and with `node-template` tags for its
            labels and taints, so the autoscaler can scale the group up from zero for pods that
            select them. EKS tags managed node groups itself. Defaults to `True`.
        join_timeout: How long CloudFormation waits for `min_size` nodes to signal that their
            kubelet is up (at creation, and for each replaced node during a rolling update)
            before it fails the stack. `None` turns the wait off; a group with `min_size=0` has no
            node to wait for. Defaults to 15 minutes.
    """

    on_demand_base_capacity: int = 0
    cluster_autoscaler_tags: bool = True
    join_timeout: Duration | None = _FIFTEEN_MINUTES

    def _check(self, problems: Problems, argument: str) -> None:
        super()._check(problems, argument)
        a = argument
        base = self.on_demand_base_capacity
        base_ok = problems.check_int(f"{a}.on_demand_base_capacity", base, minimum=0)
        if base_ok and is_int(self.max_size) and not is_token(self.max_size) and not is_token(base):
            problems.check(
                base <= self.max_size,
                f"{a}.on_demand_base_capacity",
                base,
                f"an integer from 0 to max_size ({self.max_size})",
            )
        problems.check_type(f"{a}.cluster_autoscaler_tags", self.cluster_autoscaler_tags, bool)
        timeout = self.join_timeout
        timeout_ok = problems.check_type(f"{a}.join_timeout", timeout, Duration, optional=True)
        if timeout_ok and timeout is not None and not is_token(timeout.to_seconds()):
            problems.check(
                60 <= timeout.to_seconds() <= 12 * 3600,
                f"{a}.join_timeout",
                timeout.to_human_string(),
                "from 1 minute to 12 hours (CloudFormation's limit for a creation policy)",
            )
        if self.cluster_autoscaler_tags is True and isinstance(self.taints, (list, tuple)):
            labels = self.labels if isinstance(self.labels, Mapping) else {}
            keys = [(f"{a}.labels key", "label", k) for k in labels if isinstance(k, str)]
            keys += [
                (f"{a}.taints[{i}].key", "taint", t.key)
                for i, t in enumerate(self.taints)
                if isinstance(t, Taint) and isinstance(t.key, str)
            ]
            for arg, kind, key in keys:
                room = _MAX_TAG_KEY - len(f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/{kind}/")
                if not is_token(key) and len(key) > room:
                    problems.add(
                        arg,
                        key,
                        f"a key of at most {room} characters, so the cluster autoscaler's node-template tag "
                        f"fits the {_MAX_TAG_KEY}-character tag key limit; or cluster_autoscaler_tags=False",
                    )
