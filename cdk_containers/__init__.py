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

# The package root offers exactly what cdk_containers.constructs offers, so a name
# is added to one list only (cdk_containers/constructs/__init__.py).
from cdk_containers import constructs as _constructs
from cdk_containers.constructs import *  # noqa: F403

__all__ = ["__version__"]
__all__ += _constructs.__all__
