"""Example stacks that compose the constructs; ``app.py`` deploys them."""

from cdk_containers.stacks.app_runner import AppRunnerStack
from cdk_containers.stacks.eks_cluster import EksClusterStack
from cdk_containers.stacks.express import ExpressServiceStack
from cdk_containers.stacks.network import NetworkStack
from cdk_containers.stacks.registry import RegistryStack

__all__ = ["AppRunnerStack", "EksClusterStack", "ExpressServiceStack", "NetworkStack", "RegistryStack"]
