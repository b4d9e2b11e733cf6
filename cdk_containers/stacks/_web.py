"""What the two web-service example stacks share: the sample image and their argument checks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration

from cdk_containers._validation import Problems
from cdk_containers.constructs._web import as_repository, check_object
from cdk_containers.stacks._common import check_stack_props

__all__: list[str] = []

#: The image a web-service example runs until context names a pushed tag: a public image that
#: exists in every account, so the first deploy never waits on an image nobody pushed.
SAMPLE_IMAGE = "public.ecr.aws/aws-containers/hello-app-runner:latest"
#: The port the sample image listens on.
SAMPLE_PORT = 8000


def _check_web_stack(
    problems: Problems,
    vpc: Any,
    repository: Any,
    tag: Any,
    port: Any,
    snapshot_retention: Any,
    args: Mapping[str, Any],
) -> None:
    """Check the arguments both web-service example stacks take."""
    check_object(problems, "vpc", vpc, "ec2.IVpc", optional=False)
    if tag is not None:
        problems.check_str("tag", tag)
        if repository is None:
            problems.add("repository", repository, "a repository to pull the tag from (tag is given)")
    if repository is not None and as_repository(repository) is None:
        problems.add("repository", repository, "an ecr.IRepository or a ContainerRepository")
    problems.check_int("port", port, minimum=1, maximum=65535, optional=True)
    if problems.check_type("snapshot_retention", snapshot_retention, Duration):
        days = snapshot_retention.to_days(integral=False)
        problems.check(
            days == int(days) and 1 <= days <= 35, "snapshot_retention", f"{days:g} days", "1 to 35 days"
        )
    check_stack_props(
        problems,
        env=args.get("env"),
        stack_name=args.get("stack_name"),
        description=args.get("description"),
        tags=args.get("tags"),
        termination_protection=args.get("termination_protection"),
        synthesizer=args.get("synthesizer"),
    )
