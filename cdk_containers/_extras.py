"""Optional dependencies: import them when first used, and say which extra brings them.

The base install carries only aws-cdk-lib and constructs. A family that needs more
(the App Runner alpha, the kubectl layers) imports it through :func:`require` at the
point of use, so an ECR-only app neither installs nor loads it, and a missing extra
is an ``ImportError`` that says what to install instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module``, or raise an ``ImportError`` naming the extra that installs it.

    Args:
        module: The module to import, e.g. ``"aws_cdk.aws_apprunner_alpha"``.
        extra: The cdk-containers extra that installs it, e.g. ``"apprunner"``.
        feature: What needs it, for the message, e.g. ``"AppRunnerService"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{feature} needs the optional dependency {module!r}, which is not installed. "
            f"Install it with: pip install 'cdk-containers[{extra}]'"
        ) from error
