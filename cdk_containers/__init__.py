"""cdk-containers: secure-by-default AWS CDK constructs for ECR, EKS and App Runner.

The public API is re-exported here and from `cdk_containers.constructs` (constructs) and
`cdk_containers.stacks` (example stacks). Modules whose names start with an underscore are
private. The root offers exactly what `cdk_containers.constructs` offers (its `__all__`, which
joins the families' lists), and resolves each name on first use, so importing the package
loads no optional dependency.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from cdk_containers import constructs as _constructs
from cdk_containers._lazy import lazy_exports

if TYPE_CHECKING:
    from cdk_containers.constructs import *  # noqa: F403
    from cdk_containers.constructs.app_runner import *  # noqa: F403

try:
    __version__ = version("cdk-containers")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
__all__ += _constructs.__all__


__getattr__, __dir__ = lazy_exports(globals(), dict.fromkeys(_constructs.__all__, "constructs"))
