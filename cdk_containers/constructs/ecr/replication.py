"""`RegistryReplication`: the account's one replication configuration."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from aws_cdk import Stack, Token
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from cdk_containers._validation import Problems, check_when_resolved, construct_path, is_token
from cdk_containers.constructs.ecr._common import REGION, check_account
from cdk_containers.constructs.ecr._singleton import one_per_environment

__all__ = ["RegistryReplication", "ReplicationDestination", "ReplicationRule"]

# Replication prefix filters (schema of AWS::ECR::ReplicationConfiguration), 2-256 chars.
_REPLICATION_FILTER = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")


@dataclass(frozen=True, kw_only=True)
class ReplicationDestination:
    """A registry to copy images to.

    Attributes:
        region: The destination region, e.g. `"eu-west-1"`; not this stack's own region for
            the same account, and not `Aws.REGION` (which is always the stack's own region).
            A token from a parameter is accepted.
        account: The destination account (12 digits); it must allow this account in its
            registry policy. Defaults to this stack's account.
    """

    region: str
    account: str | None = None

    def _check(self, problems: Problems, argument: str, stack: Stack) -> None:
        region_ok = problems.check_str(f"{argument}.region", self.region)
        if self.account is not None:
            check_account(problems, f"{argument}.account", self.account)
        if not region_ok:
            return
        if is_token(self.region):
            problems.check(
                stack.resolve(self.region) != {"Ref": "AWS::Region"},
                f"{argument}.region",
                "Aws.REGION",
                "a named region: Aws.REGION is always the stack's own region, which ECR refuses "
                "as a destination of the same registry",
            )
            return
        problems.check(
            bool(REGION.match(self.region)),
            f"{argument}.region",
            self.region,
            "an AWS region name such as 'eu-west-1'",
        )
        same_account = self.account is None or (
            not Token.is_unresolved(stack.account) and self.account == stack.account
        )
        if same_account and not Token.is_unresolved(stack.region):
            problems.check(
                self.region != stack.region,
                f"{argument}.region",
                self.region,
                f"a region other than the stack's own ({stack.region}) for the same account",
            )


@dataclass(frozen=True, kw_only=True)
class ReplicationRule:
    """Destinations and, optionally, which repositories (by name prefix) replicate.

    Attributes:
        destinations: 1-25 destinations.
        repository_prefixes: Up to 100 repository name prefixes that replicate. Defaults to
            all repositories.
    """

    destinations: Sequence[ReplicationDestination]
    repository_prefixes: Sequence[str] = ()

    def _check(self, problems: Problems, argument: str, stack: Stack) -> None:
        if problems.check_list(
            f"{argument}.destinations", self.destinations, ReplicationDestination, optional=False, min_items=1
        ):
            for i, destination in enumerate(self.destinations):
                destination._check(problems, f"{argument}.destinations[{i}]", stack)
        problems.check_list(
            f"{argument}.repository_prefixes",
            self.repository_prefixes,
            str,
            max_items=100,
            item_check=lambda prefix: 2 <= len(prefix) <= 256 and bool(_REPLICATION_FILTER.match(prefix)),
            item_allowed="a repository name prefix of 2-256 lowercase characters",
        )


class RegistryReplication(Construct):
    """The registry's replication configuration: copies pushed images to other regions/accounts.

    An account-wide singleton: ONE `AWS::ECR::ReplicationConfiguration` exists per account and
    region, and deploying this construct **replaces the account's existing configuration**.
    Two in one app that may deploy to the same account and region fail at synth. At most 10
    rules and 25 destinations in total. Lifecycle policies do not replicate: give the
    destination repositories their own.

    Example:
        RegistryReplication(self, "Replication", rules=[ReplicationRule(
            destinations=[ReplicationDestination(region="eu-west-1")], repository_prefixes=["prod"])])
    """

    MAX_RULES: ClassVar[int] = 10
    MAX_DESTINATIONS: ClassVar[int] = 25

    def __init__(self, scope: Construct, construct_id: str, *, rules: Sequence[ReplicationRule]) -> None:
        """Args:
            scope: Parent construct.
            construct_id: Construct id.
            rules: 1-10 replication rules.

        Raises:
            ValueError: If an argument is invalid; every problem is listed.
        """
        problems = Problems("RegistryReplication", construct_path(scope, construct_id))
        stack = Stack.of(scope)
        if problems.check_list(
            "rules", rules, ReplicationRule, optional=False, min_items=1, max_items=self.MAX_RULES
        ):
            for i, rule in enumerate(rules):
                rule._check(problems, f"rules[{i}]", stack)
        if not problems:
            unique = {(d.region, d.account) for rule in rules for d in rule.destinations}
            problems.check(
                len(unique) <= self.MAX_DESTINATIONS,
                "rules.destinations",
                len(unique),
                f"at most {self.MAX_DESTINATIONS} distinct destinations across all rules",
            )
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        one_per_environment(self, "AWS::ECR::ReplicationConfiguration")

        self.configuration = ecr.CfnReplicationConfiguration(
            self,
            "Resource",
            replication_configuration=ecr.CfnReplicationConfiguration.ReplicationConfigurationProperty(
                rules=[
                    ecr.CfnReplicationConfiguration.ReplicationRuleProperty(
                        destinations=[
                            ecr.CfnReplicationConfiguration.ReplicationDestinationProperty(
                                region=d.region, registry_id=d.account or stack.account
                            )
                            for d in rule.destinations
                        ],
                        repository_filters=[
                            ecr.CfnReplicationConfiguration.RepositoryFilterProperty(
                                filter=prefix, filter_type="PREFIX_MATCH"
                            )
                            for prefix in rule.repository_prefixes or ()
                        ]
                        or None,
                    )
                    for rule in rules
                ]
            ),
        )
        """The `AWS::ECR::ReplicationConfiguration`."""
        check_when_resolved(
            self,
            "RegistryReplication",
            {
                f"rules[{i}].destinations[{j}].{name}": getattr(destination, name)
                for i, rule in enumerate(rules)
                for j, destination in enumerate(rule.destinations)
                for name in ("region", "account")
            },
            _check_resolved_destination,
        )


def _check_resolved_destination(problems: Problems, argument: str, value: object) -> None:
    """A destination's region or account that was a token and resolved at synth (a `Lazy`)."""
    if argument.endswith(".account"):
        check_account(problems, argument, value)
    elif problems.check_str(argument, value):
        problems.check(
            bool(REGION.match(str(value))), argument, value, "an AWS region name such as 'eu-west-1'"
        )
