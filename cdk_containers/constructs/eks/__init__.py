"""EKS: a private, logged, encrypted cluster with managed, self-managed and Fargate capacity."""

from cdk_containers.constructs.eks._identity import IrsaServiceAccount
from cdk_containers.constructs.eks._pod_identity import PodIdentity, pod_identity_principal
from cdk_containers.constructs.eks._versions import KUBECTL_LAYERS, default_version
from cdk_containers.constructs.eks.cluster import BEFORE_COMPUTE_ADDONS, EksCluster
from cdk_containers.constructs.eks.fargate import FargateProfile
from cdk_containers.constructs.eks.imported import EksClusterAttributes, ImportedEksCluster
from cdk_containers.constructs.eks.managed import ManagedNodeGroup
from cdk_containers.constructs.eks.node_role import NodeRole
from cdk_containers.constructs.eks.options import (
    AmiType,  # noqa: F401  deprecated alias of aws_eks_v2.NodegroupAmiType, not exported
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)
from cdk_containers.constructs.eks.self_managed import SelfManagedNodeGroup

__all__ = [
    "BEFORE_COMPUTE_ADDONS",
    "KUBECTL_LAYERS",
    "EksCluster",
    "EksClusterAttributes",
    "FargateProfile",
    "FargateProfileOptions",
    "FargateSelector",
    "ImportedEksCluster",
    "IrsaServiceAccount",
    "ManagedNodeGroup",
    "ManagedNodeGroupOptions",
    "NodeRole",
    "PodIdentity",
    "SelfManagedNodeGroup",
    "SelfManagedNodeGroupOptions",
    "Taint",
    "default_version",
    "pod_identity_principal",
]
