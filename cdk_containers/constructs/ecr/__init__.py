"""ECR: a secure-by-default repository and the registry-wide settings.

- `ContainerRepository` wraps `aws_ecr.Repository` and is an `ecr.IRepository` itself:
  scanned on push, immutable tags, KMS encryption, an ordered lifecycle policy built from
  simple arguments, cross-account pull through `grant_pull(iam.AccountPrincipal(...))`,
  and alerts for scan findings. `ContainerRepository.from_repository_name` and
  `from_repository_attributes` import existing repositories.
- `RegistryScanning`, `RegistryReplication` and `PullThroughCache` configure the private
  registry itself. ECR keeps **one** scanning configuration, **one** replication
  configuration and one pull-through cache rule per prefix **per account and region**.
"""

from cdk_containers.constructs.ecr._base import ContainerRepositoryBase
from cdk_containers.constructs.ecr._lifecycle import DEFAULT_PROTECTED_TAGS, PROTECTED_TAG_KEEP_COUNT
from cdk_containers.constructs.ecr.has_repository import HasRepository
from cdk_containers.constructs.ecr.pull_through_cache import (
    PullThroughCache,
    PullThroughCacheRule,
    UpstreamRegistry,
)
from cdk_containers.constructs.ecr.registry_scanning import (
    RegistryScanning,
    ScanFrequency,
    ScanningRule,
    ScanType,
)
from cdk_containers.constructs.ecr.replication import (
    RegistryReplication,
    ReplicationDestination,
    ReplicationRule,
)
from cdk_containers.constructs.ecr.repository import ContainerRepository
from cdk_containers.constructs.ecr.scan_findings import Severity

__all__ = [
    "DEFAULT_PROTECTED_TAGS",
    "PROTECTED_TAG_KEEP_COUNT",
    "ContainerRepository",
    "ContainerRepositoryBase",
    "HasRepository",
    "PullThroughCache",
    "PullThroughCacheRule",
    "RegistryReplication",
    "RegistryScanning",
    "ReplicationDestination",
    "ReplicationRule",
    "ScanFrequency",
    "ScanType",
    "ScanningRule",
    "Severity",
    "UpstreamRegistry",
]
