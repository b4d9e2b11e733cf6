"""Account-wide singletons: refuse two of a kind that would land in one account and region."""

from __future__ import annotations

import jsii
from aws_cdk import Stack, Token
from constructs import Construct, IValidation


def _may_share_environment(a: Stack, b: Stack) -> bool:
    """Whether two stacks may deploy to one account and region (unknown counts as may)."""
    for left, right in ((a.account, b.account), (a.region, b.region)):
        if not Token.is_unresolved(left) and not Token.is_unresolved(right) and left != right:
            return False
    return True


@jsii.implements(IValidation)
class _OnePerEnvironment:
    def __init__(self, construct: Construct, resource_type: str) -> None:
        self._construct = construct
        self._resource_type = resource_type

    def validate(self) -> list[str]:
        me = self._construct
        stack = Stack.of(me)
        others = [
            c.node.path
            # The whole app, not only this stage: two stages may target one account.
            for c in me.node.root.node.find_all()
            if isinstance(c, type(me)) and c is not me and _may_share_environment(stack, Stack.of(c))
        ]
        if not others:
            return []
        return [
            f"{type(me).__name__} '{me.node.path}': another {type(me).__name__} in this app may deploy "
            f"to the same account and region ({', '.join(others)}); {self._resource_type} exists once "
            "per account and region, so the last deploy would silently replace the other's settings. "
            "Keep one, or give the stacks different explicit environments."
        ]


def one_per_environment(construct: Construct, resource_type: str) -> None:
    """Add the validation that no second construct of this type shares the account and region."""
    construct.node.add_validation(_OnePerEnvironment(construct, resource_type))
