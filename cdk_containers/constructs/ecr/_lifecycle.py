"""Lifecycle policies: the generated rules of a repository and their JSON text for templates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_ecr as ecr

from cdk_containers._validation import Problems

#: Tag patterns whose images never expire unless the caller says otherwise.
DEFAULT_PROTECTED_TAGS: tuple[str, ...] = ("v*", "release-*")

#: The count a "keep" rule allows per protected pattern. ECR has no "keep"
#: action: a rule that matches an image *claims* it (lower-priority rules cannot
#: expire it) and expires only what exceeds its count. 9999 stays below the
#: default quota of 10,000 images per repository, so in practice nothing expires.
PROTECTED_TAG_KEEP_COUNT = 9999


def effective_tag_status(rule: ecr.LifecycleRule) -> ecr.TagStatus:
    """The tag status `aws_ecr` renders: TAGGED when tags are listed, else ANY."""
    if rule.tag_status is not None:
        return rule.tag_status
    return ecr.TagStatus.TAGGED if rule.tag_prefix_list or rule.tag_pattern_list else ecr.TagStatus.ANY


def generated_rules(*, keep: int, untagged_days: int, protected: Sequence[str]) -> list[ecr.LifecycleRule]:
    """Protected patterns first, then untagged expiry, then the count rule (`TagStatus.ANY`, last)."""
    rules = [
        ecr.LifecycleRule(
            rule_priority=priority,
            description=f"Keep images tagged {pattern} (protected)",
            tag_status=ecr.TagStatus.TAGGED,
            tag_pattern_list=[pattern],
            max_image_count=PROTECTED_TAG_KEEP_COUNT,
        )
        for priority, pattern in enumerate(protected, start=1)
    ]
    days = "day" if untagged_days == 1 else "days"
    rules.append(
        ecr.LifecycleRule(
            rule_priority=len(rules) + 1,
            description=f"Expire untagged images {untagged_days} {days} after push",
            tag_status=ecr.TagStatus.UNTAGGED,
            max_image_age=Duration.days(untagged_days),
        )
    )
    rules.append(
        ecr.LifecycleRule(
            rule_priority=len(rules) + 1,
            description=f"Keep the {keep} most recent images",
            tag_status=ecr.TagStatus.ANY,
            max_image_count=keep,
        )
    )
    return rules


def lifecycle_policy_text(rules: Sequence[ecr.LifecycleRule]) -> str:
    """The lifecycle policy JSON of `rules`, rendered as `aws_ecr.Repository` renders it.

    `aws_ecr` renders its rules only for a repository it creates; a repository
    creation template takes the policy as text.
    """
    rendered = []
    for rule in rules:
        age = rule.max_image_age
        selection: dict[str, Any] = {"tagStatus": effective_tag_status(rule).value.lower()}
        if rule.tag_prefix_list:
            selection["tagPrefixList"] = list(rule.tag_prefix_list)
        if rule.tag_pattern_list:
            selection["tagPatternList"] = list(rule.tag_pattern_list)
        if age is not None:
            selection.update(countType="sinceImagePushed", countNumber=age.to_days(), countUnit="days")
        else:
            selection.update(countType="imageCountMoreThan", countNumber=rule.max_image_count)
        entry: dict[str, Any] = {"rulePriority": rule.rule_priority}
        if rule.description:
            entry["description"] = rule.description
        entry.update(selection=selection, action={"type": "expire"})
        rendered.append(entry)
    return json.dumps({"rules": rendered}, separators=(",", ":"))


def check_lifecycle_rules(problems: Problems, rules: Sequence[ecr.LifecycleRule]) -> None:
    """ECR's rules for a raw lifecycle policy that `aws_ecr` leaves to deploy time."""
    any_rules = [r for r in rules if effective_tag_status(r) == ecr.TagStatus.ANY]
    problems.check(
        len(any_rules) <= 1,
        "lifecycle_rules",
        f"{len(any_rules)} rules with TagStatus.ANY",
        "at most one TagStatus.ANY rule (ECR evaluates it last)",
    )
    priorities = [r.rule_priority for r in rules if r.rule_priority is not None]
    for priority in sorted({p for p in priorities if priorities.count(p) > 1}):
        problems.add(
            "lifecycle_rules",
            f"rule_priority={priority} on {priorities.count(priority)} rules",
            "a distinct rule_priority per rule (ECR rejects a policy with duplicates at deploy)",
        )
    if any_rules and any_rules[0].rule_priority is not None:
        problems.check(
            any_rules[0].rule_priority == max(priorities) and len(priorities) == len(rules),
            "lifecycle_rules",
            f"TagStatus.ANY rule with rule_priority={any_rules[0].rule_priority}",
            "the TagStatus.ANY rule last: the highest rule_priority, with every rule prioritized "
            "(or leave rule_priority unset on it and CDK puts it last)",
        )
    for rule in rules:
        problems.check(
            (rule.max_image_age is None) != (rule.max_image_count is None),
            "lifecycle_rules",
            rule.description or rule,
            "each rule sets exactly one of max_image_age and max_image_count",
        )
