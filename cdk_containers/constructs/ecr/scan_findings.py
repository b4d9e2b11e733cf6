"""Scan-finding alerts: an EventBridge rule for completed scans and a topic only it may use."""

from __future__ import annotations

import enum
from typing import Any, cast

import jsii
from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sns as sns
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from cdk_containers._validation import Problems, describe

__all__ = ["Severity"]

_AWS_MANAGED_SNS_KEY = "alias/aws/sns"


class Severity(enum.Enum):
    """Severity of an image scan finding, most severe first.

    `Severity.HIGH` as a minimum matches CRITICAL and HIGH findings.
    """

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    INFORMATIONAL = "INFORMATIONAL"
    UNDEFINED = "UNDEFINED"


def _uses_aws_managed_key(topic: sns.ITopic) -> bool:
    key = topic.master_key
    if key is None:
        return False
    names = (getattr(key, "alias_name", None), key.key_arn, key.key_id)
    return any(isinstance(n, str) and n.endswith(_AWS_MANAGED_SNS_KEY) for n in names)


def check_findings_target(problems: Problems, target: Any) -> bool:
    """An `sns.ITopic` that EventBridge can publish to, or any `events.IRuleTarget`."""
    if hasattr(target, "bind"):
        return True
    if not hasattr(target, "topic_arn"):
        problems.add(
            "target",
            target,
            f"an sns.ITopic or an events.IRuleTarget, got {describe(target)} "
            "(import an existing topic with sns.Topic.from_topic_arn)",
        )
        return False
    topic = cast(sns.ITopic, target)
    if _uses_aws_managed_key(topic):
        problems.add(
            "target",
            topic.node.path,
            f"a topic encrypted with a customer managed KMS key: EventBridge cannot use the AWS managed "
            f"key {_AWS_MANAGED_SNS_KEY}, so every alert would be dropped",
        )
        return False
    if isinstance(topic, sns.Topic) and topic.master_key is None:
        problems.add(
            "target",
            topic.node.path,
            "an SNS topic encrypted with a customer managed KMS key (master_key=...); "
            "EventBridge cannot publish to topics with the AWS managed key",
        )
        return False
    return True


def scan_findings_rule(
    scope: Construct,
    construct_id: str,
    *,
    repository_name: str,
    repository_arn: str,
    target: sns.ITopic | events.IRuleTarget,
    minimum_severity: Severity,
) -> events.Rule:
    """The rule that `on_image_scan_findings` documents; arguments are checked by the caller."""
    severities = list(Severity)[: list(Severity).index(minimum_severity) + 1]
    counts: list[dict[str, Any]] = [{s.value: [{"numeric": [">", 0]}]} for s in severities]
    rule = events.Rule(
        scope,
        construct_id,
        description=(
            f"Image scans of {scope.node.path} with {minimum_severity.value} or more severe findings"
        ),
        event_pattern=events.EventPattern(
            source=["aws.ecr", "aws.inspector2"],
            detail_type=["ECR Image Scan", "Inspector2 Scan"],
            detail={
                "scan-status": ["COMPLETE", "INITIAL_SCAN_COMPLETE"],
                # Basic scan events carry the name, Inspector events the ARN.
                "repository-name": [repository_name, repository_arn],
                "finding-severity-counts": counts[0] if len(counts) == 1 else {"$or": counts},
            },
        ),
    )
    # jsii interfaces are not runtime-checkable protocols: tell them apart by shape.
    if hasattr(target, "bind"):
        rule.add_target(cast(events.IRuleTarget, target))
    else:
        rule.add_target(_TopicForRule(target, rule))
    return rule


@jsii.implements(events.IRuleTarget)
class _TopicForRule:
    """An SNS target that only `rule` may publish to, unlike `targets.SnsTopic`.

    `targets.SnsTopic` lets `events.amazonaws.com` publish without a condition,
    so any rule of any account could use the topic (a confused deputy). The topic
    policy statement here carries `aws:SourceArn` (this rule) and
    `aws:SourceAccount` (this stack's account), as the SNS documentation shows for
    AWS service publishers. The key statement stays as AWS documents it for
    EventBridge and encrypted topics (`kms:Decrypt` and `kms:GenerateDataKey*`,
    no condition): AWS does not document that `aws:SourceArn` reaches KMS when SNS
    uses the key for an EventBridge publish, and the key only encrypts what the topic
    policy already let in.
    """

    def __init__(self, topic: sns.ITopic, rule: events.Rule) -> None:
        self._topic = topic
        self._rule = rule

    def bind(self, _rule: IRuleRef, _id: str | None = None) -> events.RuleTargetConfig:
        events_principal = iam.ServicePrincipal("events.amazonaws.com")
        self._topic.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[events_principal],
                actions=["sns:Publish"],
                resources=[self._topic.topic_arn],
                conditions={
                    "ArnEquals": {"aws:SourceArn": self._rule.rule_arn},
                    "StringEquals": {"aws:SourceAccount": Stack.of(self._rule).account},
                },
            )
        )
        if self._topic.master_key is not None:
            self._topic.master_key.grant(events_principal, "kms:Decrypt", "kms:GenerateDataKey*")
        return events.RuleTargetConfig(arn=self._topic.topic_arn, target_resource=self._topic)
