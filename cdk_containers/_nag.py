"""Acknowledgement ids as the packs spell them: cdk-nag's granular ARNs, pack rules, Control Tower rules."""

from __future__ import annotations

import jsii
from aws_cdk import Acknowledgment, Aspects, IAspect, Stack, Token, Validations
from aws_cdk import aws_iam as iam
from constructs import IConstruct

__all__ = [
    "CONTROL_TOWER",
    "HIPAA",
    "INLINE_POLICY_REASON",
    "NIST",
    "PCI",
    "acknowledge_control",
    "acknowledge_inline_policies",
    "acknowledge_rules",
    "nag_arn",
]


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


#: The cdk-nag packs beyond AwsSolutions that `enable_compliance` turns on, as their rule ids begin.
NIST = "NIST.800.53.R5"
HIPAA = "HIPAA.Security"
PCI = "PCI.DSS.321"
#: Why a role's CDK-written inline policy is accepted by the packs' IAMNoInlinePolicy rule.
INLINE_POLICY_REASON = (
    "aws-cdk-lib writes this role's grants (grant_* on each resource) into the role's own DefaultPolicy; "
    "every statement names the resources of this app it needs, and an inline policy cannot be attached "
    "to any other principal, so it is the narrower form of the least privilege the rule asks for"
)
#: How the Control Tower proactive controls (cdklabs cdk-validator-cfnguard) name an acknowledged rule.
CONTROL_TOWER = "cdk-validator-cfnguard"


def acknowledge_rules(scope: IConstruct, reason: str, rule: str, *, packs: tuple[str, ...]) -> None:
    """Acknowledge cdk-nag `rule` (e.g. `"IAMNoInlinePolicy"`) of each of `packs` on `scope`, with `reason`.

    Name only the packs that have the rule, so the acknowledgement tables list no phantom rule.
    """
    for pack in packs:
        Validations.of(scope).acknowledge(Acknowledgment(id=f"{pack}-{rule}", reason=reason))


def acknowledge_control(scope: IConstruct, reason: str, rule: str) -> None:
    """Acknowledge the Control Tower proactive control `rule` (cfn-guard's rule name) on `scope`."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{CONTROL_TOWER}::{rule}", reason=reason))


@jsii.implements(IAspect)
class _InlinePolicies:
    """Acknowledges IAMNoInlinePolicy on each `DefaultPolicy` aws-cdk-lib writes under a construct."""

    def visit(self, node: IConstruct) -> None:
        if isinstance(node, iam.Policy) and node.node.id == "DefaultPolicy":
            acknowledge_rules(node, INLINE_POLICY_REASON, "IAMNoInlinePolicy", packs=(NIST, HIPAA, PCI))


def acknowledge_inline_policies(scope: IConstruct) -> None:
    """Acknowledge IAMNoInlinePolicy on the grant policies (`DefaultPolicy`) of the roles under `scope`.

    aws-cdk-lib creates a role's `DefaultPolicy` on its first grant, which may come after this call
    (a user's `repository.grant_pull(node_role)`), so an aspect acknowledges each one that exists at
    synthesis: a role that never gets a grant has no policy and no acknowledgement.
    """
    Aspects.of(scope).add(_InlinePolicies())
