"""The constructs of cdk-containers, one module per family."""

from cdk_containers.constructs.app_runner import (
    APP_RUNNER_CPU_MEMORY,
    APP_RUNNER_REGIONS,
    AppRunnerAutoScaling,
    AppRunnerHealthCheck,
    AppRunnerService,
)
from cdk_containers.constructs.ecr import (
    ContainerRepository,
    PullThroughCache,
    PullThroughCacheRule,
    RegistryReplication,
    RegistryScanning,
    ReplicationDestination,
    ReplicationRule,
    ScanningRule,
    UpstreamRegistry,
)
from cdk_containers.constructs.eks import (
    AmiType,
    EksCluster,
    FargateProfile,
    FargateSelector,
    ManagedNodeGroup,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroup,
    SelfManagedNodeGroupOptions,
    Taint,
)

__all__: list[str] = [
    "APP_RUNNER_CPU_MEMORY",
    "APP_RUNNER_REGIONS",
    "AppRunnerAutoScaling",
    "AppRunnerHealthCheck",
    "AppRunnerService",
    "ContainerRepository",
    "PullThroughCache",
    "PullThroughCacheRule",
    "RegistryReplication",
    "RegistryScanning",
    "ReplicationDestination",
    "ReplicationRule",
    "ScanningRule",
    "UpstreamRegistry",
    "AmiType",
    "EksCluster",
    "FargateProfile",
    "FargateSelector",
    "ManagedNodeGroup",
    "ManagedNodeGroupOptions",
    "SelfManagedNodeGroup",
    "SelfManagedNodeGroupOptions",
    "Taint",
]
