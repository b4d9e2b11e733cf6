"""How cdk-nag spells an ARN of this stack in a granular finding id, for acknowledgements."""

from __future__ import annotations

from aws_cdk import Stack, Token
from constructs import IConstruct

__all__ = ["nag_arn"]


def _spelled(value: str, placeholder: str) -> str:
    return placeholder if Token.is_unresolved(value) else value


def nag_arn(scope: IConstruct, rest: str) -> str:
    """`arn:<partition>:<rest>` with the partition, region and account as cdk-nag writes them.

    In an environment-agnostic stack cdk-nag writes the pseudo parameters
    (`arn:<AWS::Partition>:fsx:<AWS::Region>:<AWS::AccountId>:...`); in a stack with an
    explicit account and region it writes their values. An acknowledgement must use the same
    spelling, or it does not match the finding.

    Args:
        scope: A construct in the stack whose ARNs are meant.
        rest: What follows the partition, with `{region}` and `{account}` where they stand,
            e.g. `"fsx:{region}:{account}:file-system/*"`.
    """
    stack = Stack.of(scope)
    partition = _spelled(stack.partition, "<AWS::Partition>")
    values = {
        "region": _spelled(stack.region, "<AWS::Region>"),
        "account": _spelled(stack.account, "<AWS::AccountId>"),
    }
    return f"arn:{partition}:" + rest.format(**values)
