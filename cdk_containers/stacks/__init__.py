"""Example stacks that compose the constructs; ``app.py`` deploys them."""

from cdk_containers.stacks.network import NetworkStack

__all__ = ["NetworkStack"]
