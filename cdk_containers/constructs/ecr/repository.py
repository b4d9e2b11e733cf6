"""`ContainerRepository`: an ECR repository that is safe by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.ecr._base import ContainerRepositoryBase, check_key, import_repository
from cdk_containers.constructs.ecr._common import (
    REPOSITORY_NAME_RULE,
    TAG_PATTERN,
    check_account,
    check_tag_patterns,
    check_whole_days,
    is_repository_name,
)
from cdk_containers.constructs.ecr._lifecycle import (
    DEFAULT_PROTECTED_TAGS,
    check_lifecycle_rules,
    generated_rules,
)

__all__ = ["ContainerRepository"]

_LIFECYCLE_JSON = "the lifecycle policy is JSON text that CDK writes at synth"


class ContainerRepository(ContainerRepositoryBase):
    """An ECR repository that is safe by default: scanned, immutable, encrypted, expiring.

    What it creates: one `AWS::ECR::Repository` with scan on push, immutable tags, KMS
    encryption (the AWS managed key unless `encryption_key` is given), `RETAIN` removal and a
    lifecycle policy whose rules, in priority order, are:

    1. one rule per `protected_tags` pattern that claims every image with a matching tag
       (ECR expires an image by at most one rule, and the first rule that matches an image
       decides: these images never reach the rules below; each rule keeps up to 9999 images);
    2. untagged images expire `untagged_expiry` after push;
    3. any other image beyond the most recent `keep_images` expires (the `TagStatus.ANY` rule
       must be last, ECR requires it).

    It is an `ecr.IRepository` itself: pass it to `ecs.ContainerImage.from_ecr_repository`,
    `lambda_.DockerImageCode.from_ecr` or any other aws-cdk-lib API that takes one. Its grants
    also cover a customer key. `repository` is the wrapped `aws_ecr.Repository`.

    Example:
        repo = ContainerRepository(self, "Api", keep_images=50, untagged_expiry=Duration.days(3))
        repo.grant_pull(node_role)
        repo.on_image_scan_findings("HighFindings", topic, minimum_severity=Severity.HIGH)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository_name: str | None = None,
        scan_on_push: bool = True,
        tag_immutability: bool = True,
        mutable_tags: Sequence[str] | None = None,
        keep_images: int | None = None,
        untagged_expiry: Duration | None = None,
        protected_tags: Sequence[str] | None = None,
        lifecycle_rules: Sequence[ecr.LifecycleRule] | None = None,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        empty_on_delete: bool = False,
        pull_accounts: Sequence[str] | None = None,
    ) -> None:
        """Args:
            scope: Parent construct.
            construct_id: Construct id.
            repository_name: Name in ECR: 2-256 characters, lowercase segments of `[a-z0-9]`
                joined by `.`, `_` or `-`, separated by `/`. A fixed name on a retained
                repository makes a redeploy after `cdk destroy` fail ("already exists").
                Defaults to a name CloudFormation generates.
            scan_on_push: Scan every pushed image (basic scanning; a registry with enhanced
                scanning, see `RegistryScanning`, overrides it). Defaults to True.
            tag_immutability: Refuse to overwrite an existing tag. Defaults to True.
            mutable_tags: 1-5 wildcard filters (`["latest", "dev-*"]`) of tags that stay
                mutable while every other tag is immutable (`IMMUTABLE_WITH_EXCLUSION`).
                Needs `tag_immutability=True`. Defaults to no exclusions.
            keep_images: The most recent images kept; older ones (other than protected or
                untagged images, which have their own rules) expire. The count includes
                protected and untagged images. Must be known at synth. Defaults to 30.
            untagged_expiry: How long after push untagged images expire, in whole days.
                Must be known at synth. Defaults to `Duration.days(7)`.
            protected_tags: Tag patterns (`*` wildcard, at most four per pattern) whose images
                never expire; each pattern is its own rule. `[]` protects nothing. Defaults
                to `("v*", "release-*")`.
            lifecycle_rules: Raw `aws_ecr.LifecycleRule`s that replace the generated policy,
                so `keep_images`, `untagged_expiry` and `protected_tags` cannot be combined
                with them. `[]` means no lifecycle policy. Defaults to the generated policy.
            encryption_key: Customer managed KMS key for the images. Defaults to KMS
                encryption with the AWS managed key for ECR.
            removal_policy: What happens to the repository when it leaves the stack.
                Defaults to `RemovalPolicy.RETAIN`.
            empty_on_delete: Delete the images when the repository is deleted; only with
                `removal_policy=RemovalPolicy.DESTROY`. Defaults to False.
            pull_accounts: 12-digit AWS account ids allowed to pull the images (each gets
                `grant_pull(iam.AccountPrincipal(account))`). Defaults to none.

        Raises:
            ValueError: If an argument is invalid; every problem is listed.
        """
        problems = Problems("ContainerRepository", construct_path(scope, construct_id))
        if repository_name is not None and problems.check_str("repository_name", repository_name):
            problems.check(
                is_repository_name(repository_name), "repository_name", repository_name, REPOSITORY_NAME_RULE
            )
        for argument, flag in (
            ("scan_on_push", scan_on_push),
            ("tag_immutability", tag_immutability),
            ("empty_on_delete", empty_on_delete),
        ):
            problems.check_type(argument, flag, bool)
        if mutable_tags is not None:
            _check_mutable_tags(problems, mutable_tags, tag_immutability)
        if lifecycle_rules is not None:
            _check_raw_rules(
                problems,
                lifecycle_rules,
                keep_images=keep_images,
                untagged_expiry=untagged_expiry,
                protected_tags=protected_tags,
            )
        keep = 30 if keep_images is None else keep_images
        if problems.check_known("keep_images", keep, _LIFECYCLE_JSON):
            problems.check_int("keep_images", keep, minimum=1)
        untagged_days = check_whole_days(
            problems,
            "untagged_expiry",
            Duration.days(7) if untagged_expiry is None else untagged_expiry,
            why_known=_LIFECYCLE_JSON,
        )
        protected = DEFAULT_PROTECTED_TAGS if protected_tags is None else protected_tags
        check_tag_patterns(problems, "protected_tags", protected)
        check_key(problems, "encryption_key", encryption_key)
        problems.check_type("removal_policy", removal_policy, RemovalPolicy)
        problems.check(
            empty_on_delete is not True or removal_policy == RemovalPolicy.DESTROY,
            "empty_on_delete",
            empty_on_delete,
            "only with removal_policy=RemovalPolicy.DESTROY (a retained repository keeps its images)",
        )
        if pull_accounts is not None and problems.check_list("pull_accounts", pull_accounts, str):
            for account in pull_accounts:
                check_account(problems, "pull_accounts", account)
        problems.raise_if_any()

        super().__init__(scope, construct_id, encryption_key=encryption_key)

        if not tag_immutability:
            mutability = ecr.TagMutability.MUTABLE
        elif mutable_tags:
            mutability = ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
        else:
            mutability = ecr.TagMutability.IMMUTABLE
        rules = (
            list(lifecycle_rules)
            if lifecycle_rules is not None
            else generated_rules(keep=keep, untagged_days=untagged_days or 7, protected=protected)
        )
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=repository_name,
            image_scan_on_push=scan_on_push,
            image_tag_mutability=mutability,
            image_tag_mutability_exclusion_filters=(
                [ecr.ImageTagMutabilityExclusionFilter.wildcard(t) for t in mutable_tags]
                if mutable_tags and tag_immutability
                else None
            ),
            encryption=ecr.RepositoryEncryption.KMS,
            encryption_key=encryption_key,
            removal_policy=removal_policy,
            empty_on_delete=empty_on_delete or None,
            lifecycle_rules=rules or None,
        )
        """The wrapped `aws_ecr.Repository` (this construct is an `ecr.IRepository` too)."""

        for account in pull_accounts or ():
            self.grant_pull(iam.AccountPrincipal(account))

    @property
    def repository_name(self) -> str:
        """The repository name (a token until deploy time unless given)."""
        return self.repository.repository_name

    @property
    def repository_arn(self) -> str:
        """The repository ARN."""
        return self.repository.repository_arn

    def add_to_resource_policy(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        """Add a statement to the repository policy.

        Args:
            statement: The statement; it must name principals and no resource.

        Returns:
            Whether the statement was added (always, for a repository this construct creates).
        """
        problems = Problems("ContainerRepository", construct_path(self))
        problems.check_type("add_to_resource_policy(statement)", statement, iam.PolicyStatement)
        problems.raise_if_any()
        return self.repository.add_to_resource_policy(statement)

    @staticmethod
    def from_repository_name(
        scope: Construct, construct_id: str, repository_name: str
    ) -> ContainerRepositoryBase:
        """An existing repository of this stack's account and region, by name.

        It works wherever a `ContainerRepository` does: grants (to the principal's identity
        policy, since an imported repository's policy is not ours to change) and
        `on_image_scan_findings`.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            repository_name: The repository name.

        Returns:
            The imported repository.
        """
        return import_repository(
            scope,
            construct_id,
            repository_name=repository_name,
            repository_arn=None,
            encryption_key=None,
            method="from_repository_name",
        )

    @staticmethod
    def from_repository_attributes(
        scope: Construct,
        construct_id: str,
        *,
        repository_name: str,
        repository_arn: str,
        encryption_key: kms.IKey | None = None,
    ) -> ContainerRepositoryBase:
        """An existing repository, possibly of another account or region.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            repository_name: The repository name.
            repository_arn: The repository ARN (its account and region are the repository's).
            encryption_key: The repository's customer managed key, so that pull and push
                grants cover it. Defaults to None (the AWS managed key).

        Returns:
            The imported repository.
        """
        return import_repository(
            scope,
            construct_id,
            repository_name=repository_name,
            repository_arn=repository_arn,
            encryption_key=encryption_key,
            method="from_repository_attributes",
        )


def _check_mutable_tags(problems: Problems, mutable_tags: Any, tag_immutability: Any) -> None:
    if not problems.check_list(
        "mutable_tags",
        mutable_tags,
        str,
        item_check=lambda tag: bool(tag) and bool(TAG_PATTERN.match(tag)),
        item_allowed="a non-empty filter of up to 128 characters from [A-Za-z0-9_.-] and '*'",
    ):
        return
    if tag_immutability is False:
        problems.add(
            "mutable_tags",
            list(mutable_tags),
            "only with tag_immutability=True (the listed tags are the exceptions to immutability)",
        )
    problems.check(
        1 <= len(mutable_tags) <= 5,
        "mutable_tags",
        list(mutable_tags),
        "1 to 5 wildcard filters, e.g. ['latest', 'dev-*']",
    )


def _check_raw_rules(
    problems: Problems,
    lifecycle_rules: Any,
    *,
    keep_images: Any,
    untagged_expiry: Any,
    protected_tags: Any,
) -> None:
    generated = {
        "keep_images": keep_images,
        "untagged_expiry": untagged_expiry,
        "protected_tags": protected_tags,
    }
    for argument, value in generated.items():
        if value is not None:
            problems.add(
                argument,
                value,
                "not together with lifecycle_rules, which replace the generated lifecycle policy",
            )
    if problems.check_list("lifecycle_rules", lifecycle_rules, ecr.LifecycleRule):
        check_lifecycle_rules(problems, lifecycle_rules)
