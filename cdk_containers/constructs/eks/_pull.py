"""Image pulls of node roles and Fargate pod-execution roles: repositories and pull-through caches."""

from __future__ import annotations

import re
from collections.abc import Sequence

from aws_cdk import Acknowledgment, Stack, Validations
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._nag import nag_arn
from cdk_containers._validation import Problems
from cdk_containers.constructs.eks._cluster_checks import check_object

__all__ = ["PULL_THROUGH_ACTIONS", "ImagePulls", "grant"]

#: What the first pull through a cache needs besides the pull itself: the cached repository
#: does not exist yet (ECR user guide, "IAM permissions required to sync an upstream registry").
PULL_THROUGH_ACTIONS = (
    "ecr:CreateRepository",
    "ecr:BatchImportUpstreamImage",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchCheckLayerAvailability",
)


def grant(role: iam.IRole, repositories: Sequence[ecr.IRepository], prefixes: Sequence[str]) -> None:
    """Grant `role` pulls from `repositories` and pulls through the caches of `prefixes`."""
    for repository in repositories:
        repository.grant_pull(role)
    if repositories:
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="ecr:GetAuthorizationToken supports no resource-level permission (AWS service "
                "authorization reference) and only issues a registry login token; the role's AWS managed "
                "pull policy already allows it, so this statement of grant_pull adds no access",
            )
        )
    if not prefixes:
        return
    stack = Stack.of(role)
    iam.Grant.add_to_principal(
        grantee=role,
        actions=list(PULL_THROUGH_ACTIONS),
        resource_arns=[
            stack.format_arn(service="ecr", resource="repository", resource_name=f"{prefix}/*")
            for prefix in prefixes
        ],
    )
    Validations.of(role).acknowledge(
        *(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::"
                + nag_arn(role, "ecr:{region}:{account}:repository/" + prefix + "/*")
                + "]",
                reason=f"the repositories under the pull-through cache prefix '{prefix}' are created by the "
                "first pull of each upstream image, so their names are unknown before; the grant covers "
                "only that prefix in this account and region",
            )
            for prefix in prefixes
        )
    )


class ImagePulls(Construct):
    """The part of a cluster that lets its nodes and Fargate pods pull images (a base of `ClusterBase`)."""

    _construct_type: str
    _roles: list[iam.IRole]
    _pull_repositories: list[ecr.IRepository]
    _pull_through_prefixes: list[str]

    def allow_pull(self, repositories: Sequence[ecr.IRepository]) -> None:
        """Let every node role and Fargate pod-execution role pull from `repositories`.

        Applies to capacity added later too.

        Args:
            repositories: ECR repositories (any `ecr.IRepository`).
        """
        problems = Problems(self._construct_type, self.node.path)
        if problems.check_list("allow_pull(repositories)", repositories, object, optional=False):
            for i, repository in enumerate(repositories):
                check_object(problems, f"allow_pull(repositories)[{i}]", repository, "ecr.IRepository")
        problems.raise_if_any()
        self._pull_repositories.extend(repositories)
        for role in self._roles:
            grant(role, repositories, [])

    def allow_pull_through(self, prefixes: Sequence[str]) -> None:
        """Let every node role and Fargate pod-execution role pull through ECR pull-through caches.

        The first pull of an upstream image creates the cached repository, which needs
        `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage` besides the pull actions
        (ECR user guide, "IAM permissions required to sync an upstream registry"). They are
        granted on `repository/<prefix>/*` of this account and region only, to capacity
        added later too.

        Args:
            prefixes: Repository prefixes of the cache rules (`PullThroughCache.repository_prefixes`).
        """
        problems = Problems(self._construct_type, self.node.path)
        if problems.check_known_items(
            "allow_pull_through(prefixes)",
            prefixes,
            "each prefix gets its own grant on repository/<prefix>/*",
        ):
            problems.check_list(
                "allow_pull_through(prefixes)",
                prefixes,
                str,
                optional=False,
                item_check=lambda p: bool(re.fullmatch(r"[a-z0-9][a-z0-9._/-]{1,29}", p)),
                item_allowed="an ECR pull-through cache prefix, 2-30 characters, e.g. 'ecr-public'",
            )
        problems.raise_if_any()
        self._pull_through_prefixes.extend(prefixes)
        for role in self._roles:
            grant(role, [], prefixes)
