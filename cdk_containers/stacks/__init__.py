"""Example stacks that compose the constructs; ``app.py`` deploys them.

Each stack's module is imported when its name is first used, so building one stack
(``cdk synth -c stacks=RegistryStack``) imports only what that stack needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cdk_containers.stacks.app_runner import AppRunnerStack
    from cdk_containers.stacks.eks_cluster import EksClusterStack
    from cdk_containers.stacks.express import ExpressServiceStack
    from cdk_containers.stacks.network import NetworkStack
    from cdk_containers.stacks.registry import RegistryStack

#: Each example stack and the module that defines it.
_MODULE_OF = {
    "AppRunnerStack": "app_runner",
    "EksClusterStack": "eks_cluster",
    "ExpressServiceStack": "express",
    "NetworkStack": "network",
    "RegistryStack": "registry",
}

__all__ = ["AppRunnerStack", "EksClusterStack", "ExpressServiceStack", "NetworkStack", "RegistryStack"]


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
