"""`RegistryScanning`: the account's one registry scanning configuration."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import aws_ecr as ecr
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.ecr._common import check_enum
from cdk_containers.constructs.ecr._singleton import one_per_environment

__all__ = ["RegistryScanning", "ScanFrequency", "ScanType", "ScanningRule"]

# Registry scanning filters (CloudFormation schema of AWS::ECR::RegistryScanningConfiguration).
_SCAN_FILTER = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")


class ScanType(enum.Enum):
    """How the registry scans images."""

    BASIC = "BASIC"
    """ECR's own scan, on push."""
    ENHANCED = "ENHANCED"
    """Amazon Inspector: OS and language packages, on push or continuously."""


class ScanFrequency(enum.Enum):
    """When a scanning rule scans."""

    SCAN_ON_PUSH = "SCAN_ON_PUSH"
    CONTINUOUS_SCAN = "CONTINUOUS_SCAN"
    """Re-evaluated as new CVEs appear (ENHANCED only)."""


@dataclass(frozen=True, kw_only=True)
class ScanningRule:
    """Which repositories a registry scans, and how often.

    Attributes:
        frequency: `ScanFrequency.SCAN_ON_PUSH`, or `ScanFrequency.CONTINUOUS_SCAN` (ENHANCED only).
        filters: Repository name wildcard filters (`"prod-*"`), 1-100. Defaults to `("*",)`.
    """

    frequency: ScanFrequency
    filters: Sequence[str] = ("*",)

    def _check(self, problems: Problems, argument: str, scan_type: ScanType) -> None:
        allowed = list(ScanFrequency) if scan_type is ScanType.ENHANCED else [ScanFrequency.SCAN_ON_PUSH]
        if check_enum(problems, f"{argument}.frequency", self.frequency, ScanFrequency):
            problems.check(
                self.frequency in allowed,
                f"{argument}.frequency",
                self.frequency,
                f"one of {', '.join(f.name for f in allowed)} with scan_type={scan_type}",
            )
        problems.check_list(
            f"{argument}.filters",
            self.filters,
            str,
            optional=False,
            min_items=1,
            max_items=100,
            item_check=lambda value: len(value) <= 255 and bool(_SCAN_FILTER.match(value)),
            item_allowed="a repository name wildcard filter, lowercase with '*', e.g. 'prod-*'",
        )


class RegistryScanning(Construct):
    """The registry's scanning configuration: BASIC or ENHANCED (Amazon Inspector).

    An account-wide singleton: ONE `AWS::ECR::RegistryScanningConfiguration` exists per
    account and region, and deploying this construct **replaces the account's existing
    configuration** (another stack's, or one set in the console). Two in one app that may
    deploy to the same account and region fail at synth. With ENHANCED scanning, Inspector
    scans the matching repositories and the repository-level `scan_on_push` no longer applies.

    Example:
        RegistryScanning(self, "Scanning", scan_type=ScanType.ENHANCED,
                         rules=[ScanningRule(frequency=ScanFrequency.CONTINUOUS_SCAN, filters=["prod-*"])])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        scan_type: ScanType = ScanType.ENHANCED,
        rules: Sequence[ScanningRule] | None = None,
    ) -> None:
        """Args:
            scope: Parent construct.
            construct_id: Construct id.
            scan_type: `ScanType.BASIC` (ECR, on push) or `ScanType.ENHANCED` (Amazon
                Inspector). Defaults to `ScanType.ENHANCED`.
            rules: 1 or 2 rules. Defaults to every repository (`*`), continuously for
                ENHANCED and on push for BASIC.

        Raises:
            ValueError: If an argument is invalid; every problem is listed.
        """
        problems = Problems("RegistryScanning", construct_path(scope, construct_id))
        if check_enum(problems, "scan_type", scan_type, ScanType) and rules is None:
            rules = [
                ScanningRule(
                    frequency=ScanFrequency.CONTINUOUS_SCAN
                    if scan_type is ScanType.ENHANCED
                    else ScanFrequency.SCAN_ON_PUSH
                )
            ]
        if rules is not None and problems.check_list("rules", rules, ScanningRule, min_items=1, max_items=2):
            for i, rule in enumerate(rules):
                rule._check(problems, f"rules[{i}]", scan_type)
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        one_per_environment(self, "AWS::ECR::RegistryScanningConfiguration")

        self.configuration = ecr.CfnRegistryScanningConfiguration(
            self,
            "Resource",
            scan_type=scan_type.value,
            rules=[_render(rule) for rule in rules or ()],
        )
        """The `AWS::ECR::RegistryScanningConfiguration`."""


def _render(rule: ScanningRule) -> Any:
    return ecr.CfnRegistryScanningConfiguration.ScanningRuleProperty(
        scan_frequency=rule.frequency.value,
        repository_filters=[
            ecr.CfnRegistryScanningConfiguration.RepositoryFilterProperty(
                filter=value, filter_type="WILDCARD"
            )
            for value in rule.filters
        ],
    )
