"""Acknowledgement ids as the packs spell them: cdk-nag's granular ARNs, pack rules, Control Tower rules."""

from __future__ import annotations

import weakref

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


#: Each stack's partition, region and account as cdk-nag spells them. A stack's environment is
#: fixed when it is created, and reading it costs six jsii round trips: read once per stack.
#: Weak keys: an entry goes with its stack, so the many apps a test session builds never share one.
_SPELLINGS: weakref.WeakKeyDictionary[Stack, tuple[str, str, str]] = weakref.WeakKeyDictionary()


def _spellings(stack: Stack) -> tuple[str, str, str]:
    if stack not in _SPELLINGS:
        _SPELLINGS[stack] = (
            _spelled(stack.partition, "<AWS::Partition>"),
            _spelled(stack.region, "<AWS::Region>"),
            _spelled(stack.account, "<AWS::AccountId>"),
        )
    return _SPELLINGS[stack]


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
    partition, region, account = _spellings(Stack.of(scope))
    return f"arn:{partition}:" + rest.format(region=region, account=account)


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
    # One call for every pack: `acknowledge` takes any number of rules (two jsii round trips in all).
    Validations.of(scope).acknowledge(*(Acknowledgment(id=f"{pack}-{rule}", reason=reason) for pack in packs))


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
