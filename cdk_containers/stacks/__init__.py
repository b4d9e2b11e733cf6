"""Example stacks that compose the constructs; ``app.py`` deploys them.

Each stack's module is imported when its name is first used, so building one stack
(``cdk synth -c stacks=RegistryStack``) imports only what that stack needs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cdk_containers._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(globals(), _MODULE_OF)
