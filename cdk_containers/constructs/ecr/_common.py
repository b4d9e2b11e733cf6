"""Shared rules of the ECR family: name and pattern checks, whole-day durations, ids."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration

from cdk_containers._validation import Problems, describe, is_token

# ECR repository names: segments of lowercase alphanumerics joined by ., _ or -,
# separated by / (ECR API CreateRepository).
REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
# Image tags are up to 128 of [A-Za-z0-9_.-]; patterns add the * wildcard.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_.*-]{1,128}$")
ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")

REPOSITORY_NAME_RULE = (
    "2-256 characters: lowercase segments of [a-z0-9] joined by '.', '_' or '-', separated by '/', "
    "e.g. 'team/api'"
)


def is_repository_name(name: str) -> bool:
    """Whether `name` is a valid ECR repository name."""
    return 2 <= len(name) <= 256 and bool(REPOSITORY_NAME.match(name))


def check_whole_days(problems: Problems, argument: str, value: Any, *, why_known: str) -> int | None:
    """Check a `Duration` of whole days >= 1; returns the days, or None when it is invalid.

    A token duration is refused: the value is written into JSON text at synth.
    """
    if not problems.check_type(
        argument, value, Duration, allowed=f"a Duration such as Duration.days(7), got {describe(value)}"
    ):
        return None
    if value.is_unresolved():
        problems.extend(
            [f"{argument} is a deploy-time value (a token), but it must be known at synth: {why_known}"]
        )
        return None
    hours = value.to_hours(integral=False)
    if hours < 24 or hours % 24:
        problems.add(argument, value.to_human_string(), "whole days, at least Duration.days(1)")
        return None
    return int(hours // 24)


def check_tag_patterns(problems: Problems, argument: str, patterns: Any) -> bool:
    """A list of distinct image tag patterns (`*` wildcards, at most four each)."""
    if not problems.check_list(argument, patterns, str):
        return False
    items: Sequence[str] = patterns
    ok = True
    for pattern in sorted({p for p in items if list(items).count(p) > 1}):
        problems.add(
            argument, pattern, "each pattern once (a second rule for the same pattern could never match)"
        )
        ok = False
    for pattern in items:
        if is_token(pattern):
            problems.check_known(argument, pattern, "each pattern becomes its own lifecycle rule at synth")
            ok = False
            continue
        ok = (
            problems.check(
                bool(TAG_PATTERN.match(pattern)) and pattern.count("*") <= 4,
                argument,
                pattern,
                "a tag pattern of 1-128 characters from [A-Za-z0-9_.-] with at most four '*' wildcards",
            )
            and ok
        )
    return ok


def check_enum(problems: Problems, argument: str, value: Any, enum_type: type[enum.Enum]) -> bool:
    """A member of `enum_type`; a string, a token or another enum's member is refused."""
    if isinstance(value, enum_type):
        return True
    names = ", ".join(member.name for member in enum_type)
    example = f"{enum_type.__name__}.{next(iter(enum_type)).name}"
    problems.add(
        argument,
        value,
        f"one of {names} (members of {enum_type.__name__}, e.g. {example})",
    )
    return False


def check_account(problems: Problems, argument: str, value: Any) -> bool:
    """A 12-digit account id (a token passes: CloudFormation takes it at deploy time)."""
    if not problems.check_str(argument, value):
        return False
    return problems.check(
        bool(ACCOUNT.match(value)), argument, value, "a 12-digit AWS account id such as '123456789012'"
    )


def pascal_id(value: str) -> str:
    """A construct id from a name: `docker-hub` becomes `DockerHub`."""
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", value) if part) or "Rule"


#: The actions that pull an image from a repository (aws-cdk's `REPO_PULL_ACTIONS`).
PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
)
