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
]
