"""What an EKS add-on version looks like, checked wherever one is passed."""

from __future__ import annotations

import re
from typing import Any

from cdk_containers._validation import Problems

__all__ = ["check_addon_version"]

# `v1.48.0-eksbuild.1` (EKS's own add-ons and the Marketplace ones alike); the `v` is optional
# here so that a version EKS might one day spell without it is not refused.
_ADDON_VERSION = re.compile(r"v?\d+(\.\d+)+(-[0-9A-Za-z._+-]+)?")


def check_addon_version(problems: Problems, argument: str, value: Any) -> bool:
    """Record a problem unless `value` is None or an add-on version (a token passes)."""
    return problems.check_str(
        argument,
        value,
        optional=True,
        pattern=_ADDON_VERSION,
        max_length=100,
        allowed="an EKS add-on version such as 'v1.48.0-eksbuild.1' (aws eks describe-addon-versions "
        "lists them), or None for the version EKS picks",
    )
