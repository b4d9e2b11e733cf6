"""cdk-containers: secure-by-default AWS CDK constructs for ECR, EKS and App Runner.

The public API is re-exported here and from :mod:`cdk_containers.constructs`
(constructs) and :mod:`cdk_containers.stacks` (example stacks). Modules whose
names start with an underscore are private.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cdk-containers")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

from cdk_containers.constructs.app_runner import (
    AppRunnerAutoScaling,
    AppRunnerHealthCheck,
    AppRunnerService,
)
from cdk_containers.constructs.ecr import (
    ContainerRepository,
    HasRepository,
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
from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EbsStorageClass,
    EfsCsiDriver,
    EfsStorageClass,
    FsxLustreCsiDriver,
    FsxLustreStorageClass,
    FsxOntapCsiDriver,
    OntapStorageClass,
)

__all__ = [
    "__version__",
    "AppRunnerAutoScaling",
    "AppRunnerHealthCheck",
    "AppRunnerService",
    "ContainerRepository",
    "HasRepository",
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
    "EbsCsiDriver",
    "EbsStorageClass",
    "EfsCsiDriver",
    "EfsStorageClass",
    "FsxLustreCsiDriver",
    "FsxLustreStorageClass",
    "FsxOntapCsiDriver",
    "OntapStorageClass",
]
