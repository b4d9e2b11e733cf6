"""Option bundles shared by the ``EksCluster.add_*`` methods and the standalone constructs.

Each bundle is a frozen, keyword-only dataclass; ``problems()`` returns every
invalid field as a formatted message (the construct adds its path and raises).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks

from cdk_containers._validation import is_dns1123_subdomain, is_token

__all__ = [
    "AmiType",
    "FargateSelector",
    "ManagedNodeGroupOptions",
    "SelfManagedNodeGroupOptions",
    "Taint",
]

_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
#: Prefix of the Auto Scaling group tags that tell the cluster autoscaler a group's labels and taints.
CLUSTER_AUTOSCALER_NODE_TEMPLATE = "k8s.io/cluster-autoscaler/node-template"
_MAX_TAG_KEY = 128
#: Instance families with NVIDIA GPUs (g4dn, g5, g5g, g6, g6e, gr6, p3, p4d, p5, ...).
_NVIDIA_FAMILY = re.compile(r"^(g\d|gr\d|p\d)")


class AmiType(Enum):
    """Node operating system image. AL2 exists only for clusters older than 1.33."""

    AL2023_X86_64_STANDARD = "AL2023_x86_64_STANDARD"
    AL2023_ARM_64_STANDARD = "AL2023_ARM_64_STANDARD"
    AL2023_X86_64_NVIDIA = "AL2023_x86_64_NVIDIA"
    AL2023_ARM_64_NVIDIA = "AL2023_ARM_64_NVIDIA"
    BOTTLEROCKET_X86_64 = "BOTTLEROCKET_x86_64"
    BOTTLEROCKET_ARM_64 = "BOTTLEROCKET_ARM_64"
    AL2_X86_64 = "AL2_x86_64"
    AL2_ARM_64 = "AL2_ARM_64"

    @property
    def architecture(self) -> ec2.InstanceArchitecture:
        return ec2.InstanceArchitecture.ARM_64 if "ARM_64" in self.value else ec2.InstanceArchitecture.X86_64

    @property
    def arch_path(self) -> str:
        """The architecture as the EKS SSM parameter paths spell it."""
        return "arm64" if self.architecture == ec2.InstanceArchitecture.ARM_64 else "x86_64"

    @property
    def is_nvidia(self) -> bool:
        return self.value.endswith("NVIDIA")

    @property
    def is_bottlerocket(self) -> bool:
        return self.value.startswith("BOTTLEROCKET")

    @property
    def is_al2(self) -> bool:
        return self.value.startswith("AL2_")

    @property
    def root_device_name(self) -> str:
        """The volume that holds images and pods (Bottlerocket keeps them on its data volume)."""
        return "/dev/xvdb" if self.is_bottlerocket else "/dev/xvda"

    def ssm_parameter(self, kubernetes_version: str) -> str:
        """The public SSM parameter holding the recommended EKS-optimized AMI id."""
        if self.is_bottlerocket:
            return f"/aws/service/bottlerocket/aws-k8s-{kubernetes_version}/{self.arch_path}/latest/image_id"
        if self.is_al2:
            suffix = "-arm64" if self.arch_path == "arm64" else ""
            base = f"/aws/service/eks/optimized-ami/{kubernetes_version}"
            return f"{base}/amazon-linux-2{suffix}/recommended/image_id"
        flavor = "nvidia" if self.is_nvidia else "standard"
        return (
            f"/aws/service/eks/optimized-ami/{kubernetes_version}/amazon-linux-2023/"
            f"{self.arch_path}/{flavor}/recommended/image_id"
        )


def is_label_key(key: str) -> bool:
    """A Kubernetes label/taint key: optional DNS-subdomain prefix, '/', name of 1-63 chars."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return 1 <= len(name) <= 63 and bool(_LABEL_NAME.match(name))


#: Keys in the kubernetes.io/k8s.io namespaces the kubelet sets itself and accepts in --node-labels.
_KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)


def kubelet_may_set(key: str) -> bool:
    """Whether a node may register with this label (the kubelet's ``--node-labels`` rule).

    The kubelet refuses to start when ``--node-labels`` has a key in the ``kubernetes.io`` or
    ``k8s.io`` namespaces other than its own well-known labels and the ``node.kubernetes.io`` and
    ``kubelet.kubernetes.io`` namespaces (NodeRestriction): the node would never join.
    """
    namespace = key.rpartition("/")[0]
    restricted = any(namespace == ns or namespace.endswith("." + ns) for ns in ("kubernetes.io", "k8s.io"))
    if not restricted or key in _KUBELET_LABELS:
        return True
    return any(
        namespace == ns or namespace.endswith("." + ns)
        for ns in ("node.kubernetes.io", "kubelet.kubernetes.io")
    )


def is_label_value(value: str) -> bool:
    """A Kubernetes label value: empty, or 1-63 alphanumerics with '-', '_' or '.' inside."""
    return value == "" or (len(value) <= 63 and bool(_LABEL_NAME.match(value)))


@dataclass(frozen=True, kw_only=True)
class Taint:
    """A Kubernetes taint put on every node of a group.

    Args:
        key: Taint key (Kubernetes label key syntax).
        value: Taint value. Defaults to no value.
        effect: ``NoSchedule``, ``PreferNoSchedule`` or ``NoExecute``. Defaults to ``NoSchedule``.
    """

    key: str
    value: str | None = None
    effect: str = "NoSchedule"

    @property
    def kubelet_form(self) -> str:
        """``key=value:Effect`` as ``--register-with-taints`` takes it."""
        value = f"={self.value}" if self.value else ""
        return f"{self.key}{value}:{self.effect}"

    def to_taint_spec(self) -> eks.TaintSpec:
        effect = {
            "NoSchedule": eks.TaintEffect.NO_SCHEDULE,
            "PreferNoSchedule": eks.TaintEffect.PREFER_NO_SCHEDULE,
            "NoExecute": eks.TaintEffect.NO_EXECUTE,
        }[self.effect]
        return eks.TaintSpec(key=self.key, value=self.value, effect=effect)


@dataclass(frozen=True, kw_only=True)
class FargateSelector:
    """Which pods a Fargate profile runs: a namespace and, optionally, labels.

    Args:
        namespace: Kubernetes namespace of the pods.
        labels: Labels the pods must all carry. Defaults to every pod of the namespace.
    """

    namespace: str
    labels: Mapping[str, str] | None = None


@dataclass(frozen=True, kw_only=True)
class _NodeGroupOptions:
    instance_types: Sequence[str] = ("m7i.large",)
    ami_type: AmiType = AmiType.AL2023_X86_64_STANDARD
    capacity_type: eks.CapacityType = eks.CapacityType.ON_DEMAND
    min_size: int = 1
    max_size: int = 3
    desired_size: int | None = None
    labels: Mapping[str, str] | None = None
    taints: Sequence[Taint] = ()
    root_volume_size: int = 50
    metadata_hop_limit: int = 1

    def _integer_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "min_size": self.min_size,
            "max_size": self.max_size,
            "root_volume_size": self.root_volume_size,
            "metadata_hop_limit": self.metadata_hop_limit,
        }
        if self.desired_size is not None:
            fields["desired_size"] = self.desired_size
        return fields

    def _wrong_types(self) -> list[tuple[str, object]]:
        """Integer fields given something else (a string, a bool, a float)."""
        return [
            (name, value)
            for name, value in self._integer_fields().items()
            if isinstance(value, bool) or not isinstance(value, int)
        ]

    def problems(self, *, kubernetes_version: str) -> list[str]:
        """Every invalid field, formatted ``argument=value is invalid: allowed``."""
        found: list[str] = []

        def add(argument: str, value: object, allowed: str) -> None:
            found.append(f"{argument}={value!r} is invalid: {allowed}")

        wrong_types = self._wrong_types()
        for name, value in wrong_types:
            add(name, value, "an integer")
        if wrong_types:
            # The range checks below compare these values; with a wrong type they cannot.
            return found
        if not self.min_size >= 0:
            add("min_size", self.min_size, "an integer >= 0")
        if self.min_size > self.max_size or self.max_size < 1:
            add("max_size", self.max_size, f"an integer >= 1 and >= min_size ({self.min_size})")
        if self.desired_size is not None and not self.min_size <= self.desired_size <= self.max_size:
            add(
                "desired_size",
                self.desired_size,
                f"an integer from min_size ({self.min_size}) to max_size ({self.max_size}), or None",
            )
        if isinstance(self.instance_types, str) or not self.instance_types:
            add(
                "instance_types",
                self.instance_types,
                "a non-empty list of instance types, e.g. ['m7i.large']",
            )
        else:
            for name in self.instance_types:
                found.extend(self._instance_type_problems(name))
        minor = (
            tuple(int(p) for p in kubernetes_version.split(".")[:2]) if "." in kubernetes_version else None
        )
        if self.ami_type.is_al2 and minor is not None and minor >= (1, 33):
            add(
                "ami_type",
                self.ami_type.name,
                f"AL2023 or Bottlerocket: EKS has no AL2 AMIs for Kubernetes {kubernetes_version} (1.33+)",
            )
        for key, value in (self.labels or {}).items():
            if not is_token(key) and not is_label_key(key):
                add("labels", key, "label keys like 'team' or 'example.com/team' (name of 1-63 characters)")
            elif not is_token(key) and not kubelet_may_set(key):
                add(
                    "labels",
                    key,
                    "a key outside the kubernetes.io and k8s.io namespaces, e.g. 'example.com/role' "
                    "(the kubelet refuses to start with those, except node.kubernetes.io/ and "
                    "kubelet.kubernetes.io/)",
                )
            if not is_token(value) and not is_label_value(value):
                add(f"labels[{key!r}]", value, "a label value of up to 63 letters, digits, '-', '_' or '.'")
        for taint in self.taints:
            if not is_label_key(taint.key):
                add("taints.key", taint.key, "a key like 'dedicated' or 'example.com/gpu'")
            if taint.value is not None and not is_label_value(taint.value):
                add("taints.value", taint.value, "up to 63 letters, digits, '-', '_' or '.'")
            if taint.effect not in _TAINT_EFFECTS:
                add("taints.effect", taint.effect, f"one of {', '.join(_TAINT_EFFECTS)}")
        if not 20 <= self.root_volume_size <= 16384:
            add("root_volume_size", self.root_volume_size, "GiB from 20 to 16384")
        if self.metadata_hop_limit not in (1, 2):
            add("metadata_hop_limit", self.metadata_hop_limit, "1 (pods cannot reach IMDS) or 2")
        return found

    def _instance_type_problems(self, name: str) -> list[str]:
        try:
            architecture = ec2.InstanceType(name).architecture
        except Exception:  # jsii raises its own error types for bad names
            return [f"instance_types={name!r} is invalid: an EC2 instance type like 'm7i.large'"]
        found = []
        if architecture != self.ami_type.architecture:
            arch = "ARM64 (Graviton)" if architecture == ec2.InstanceArchitecture.ARM_64 else "x86_64"
            found.append(
                f"instance_types={name!r} is invalid: it is {arch}, but ami_type {self.ami_type.name} "
                f"needs {self.ami_type.arch_path} instances"
            )
        if self.ami_type.is_nvidia and not _NVIDIA_FAMILY.match(name):
            found.append(
                f"instance_types={name!r} is invalid: ami_type {self.ami_type.name} needs an NVIDIA GPU "
                "instance (g4dn, g5, g5g, g6, p4d, p5, ...)"
            )
        return found


@dataclass(frozen=True, kw_only=True)
class ManagedNodeGroupOptions(_NodeGroupOptions):
    """An EKS managed node group (``eks_managed_node_groups`` in terraform-aws-eks).

    Args:
        instance_types: EC2 instance types; several spread Spot capacity over pools.
            Defaults to ``("m7i.large",)``.
        ami_type: Node image. Defaults to ``AmiType.AL2023_X86_64_STANDARD``.
        capacity_type: ``ON_DEMAND`` or ``SPOT``. Defaults to ``ON_DEMAND``.
        min_size: Fewest nodes. Defaults to 1.
        max_size: Most nodes. Defaults to 3.
        desired_size: Nodes at creation. Defaults to ``min_size``. A managed node group's
            template always carries a desired size (EKS takes all three sizes or none at
            creation), and CloudFormation applies it again whenever the scaling config changes:
            changing ``min_size`` or ``max_size`` later resets a size the cluster autoscaler
            chose (terraform-aws-eks#2961). A self-managed group leaves it out of the template
            when unset, so its Auto Scaling group keeps the autoscaler's size across deploys.
        labels: Kubernetes labels of every node. Defaults to none.
        taints: Kubernetes taints of every node. Defaults to none.
        root_volume_size: Encrypted gp3 root volume in GiB. Defaults to 50.
        metadata_hop_limit: IMDSv2 hop limit. 1 keeps pods (one hop further) away from the
            node role's credentials; every AWS-calling component this library installs
            uses Pod Identity. Set 2 for workloads that read IMDS from a pod. Defaults to 1.
        max_unavailable: Nodes replaced at once during an update. Defaults to 1.
        nodegroup_name: Name in EKS. Defaults to a generated name.
    """

    max_unavailable: int = 1
    nodegroup_name: str | None = None

    def problems(self, *, kubernetes_version: str) -> list[str]:
        found = super().problems(kubernetes_version=kubernetes_version)
        if not 1 <= self.max_unavailable <= 100:
            found.append(f"max_unavailable={self.max_unavailable!r} is invalid: an integer from 1 to 100")
        return found


@dataclass(frozen=True, kw_only=True)
class SelfManagedNodeGroupOptions(_NodeGroupOptions):
    """A self-managed node group: your own Auto Scaling group (``self_managed_node_groups``).

    Same fields as :class:`ManagedNodeGroupOptions` (without ``max_unavailable`` and
    ``nodegroup_name``), plus:

    Args:
        capacity_type: ``SPOT`` makes a mixed-instances group of Spot instances
            (price-capacity-optimized) above ``on_demand_base_capacity``. Defaults to ``ON_DEMAND``.
        on_demand_base_capacity: On-Demand instances kept under the Spot ones. Defaults to 0.
        cluster_autoscaler_tags: Tag the Auto Scaling group for the cluster autoscaler's
            auto-discovery (``k8s.io/cluster-autoscaler/enabled`` and
            ``k8s.io/cluster-autoscaler/<cluster name>``) and with ``node-template`` tags for its
            labels and taints, so the autoscaler can scale the group up from zero for pods that
            select them. EKS tags managed node groups itself. Defaults to ``True``.
    """

    on_demand_base_capacity: int = 0
    cluster_autoscaler_tags: bool = True

    def _integer_fields(self) -> dict[str, object]:
        return {**super()._integer_fields(), "on_demand_base_capacity": self.on_demand_base_capacity}

    def problems(self, *, kubernetes_version: str) -> list[str]:
        found = super().problems(kubernetes_version=kubernetes_version)
        if self._wrong_types():
            return found
        if self.capacity_type not in (eks.CapacityType.ON_DEMAND, eks.CapacityType.SPOT):
            found.append(f"capacity_type={self.capacity_type!r} is invalid: ON_DEMAND or SPOT")
        if not 0 <= self.on_demand_base_capacity <= self.max_size:
            found.append(
                f"on_demand_base_capacity={self.on_demand_base_capacity!r} is invalid: "
                f"an integer from 0 to max_size ({self.max_size})"
            )
        if self.cluster_autoscaler_tags:
            keys = [("labels", "label", k) for k in self.labels or {}]
            keys += [("taints.key", "taint", t.key) for t in self.taints]
            for argument, kind, key in keys:
                room = _MAX_TAG_KEY - len(f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/{kind}/")
                if not is_token(key) and len(key) > room:
                    found.append(
                        f"{argument}={key!r} is invalid: a key of at most {room} characters, so the "
                        f"cluster autoscaler's node-template tag fits the {_MAX_TAG_KEY}-character tag "
                        "key limit; or cluster_autoscaler_tags=False"
                    )
        return found
