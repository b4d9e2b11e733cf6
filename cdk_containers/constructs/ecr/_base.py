"""The base every repository of the family shares: grants with key grants, scan alerts, imports.

`ContainerRepositoryBase` is an `aws_ecr.RepositoryBase`, so anything aws-cdk-lib accepts
as an `ecr.IRepository` (`ecs.ContainerImage.from_ecr_repository`,
`lambda_.DockerImageCode.from_ecr`, ...) accepts our repositories too, and when it calls
`grant_pull` it gets our override, which also grants use of a customer key.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, describe
from cdk_containers.constructs.ecr._common import REPOSITORY_NAME_RULE, check_enum, is_repository_name
from cdk_containers.constructs.ecr.scan_findings import Severity, check_findings_target, scan_findings_rule

__all__ = ["ContainerRepositoryBase"]


def check_key(problems: Problems, argument: str, value: Any) -> bool:
    """A `kms.IKey` or None; an ARN string is refused with the way to import it."""
    if value is None or hasattr(value, "key_arn"):
        return True
    # Not problems.check: it lets tokens through, and a token is never a key object.
    problems.add(
        argument,
        value,
        f"a kms.IKey, got {describe(value)} (import an existing key with kms.Key.from_key_arn)",
    )
    return False


class ContainerRepositoryBase(ecr.RepositoryBase):
    """What every repository of this library has: an `ecr.IRepository` with key-aware grants.

    The grants (`grant_pull`, `grant_push`, `grant_pull_push`) are aws-cdk-lib's, built from
    the ECR action lists, plus use of the customer key when the repository has one.
    `ContainerRepository` creates a repository; `ContainerRepository.from_repository_name`
    and `ContainerRepository.from_repository_attributes` import an existing one.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        encryption_key: kms.IKey | None = None,
        environment_from_arn: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        encryption_key: The customer managed key of the images. Defaults to None (the AWS
            managed key, which needs no grant).
        environment_from_arn: The ARN of an imported repository, which gives its account
            and region. Defaults to the stack's environment.
        """
        super().__init__(scope, construct_id, environment_from_arn=environment_from_arn)
        self._encryption_key = encryption_key

    @property
    def encryption_key(self) -> kms.IKey | None:
        """The customer managed key, or None for the AWS managed key."""
        return self._encryption_key

    def _grant_key(self, grantee: iam.IGrantable, *, encrypt: bool) -> None:
        if self._encryption_key is None:
            return
        if encrypt:
            self._encryption_key.grant_encrypt_decrypt(grantee)
        else:
            self._encryption_key.grant_decrypt(grantee)

    def grant_pull(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` pull images (and decrypt them with a customer key).

        A principal of this account gets an identity policy (plus `ecr:GetAuthorizationToken`
        on `*`, which has no resource level; cdk-nag reports it as IAM5). A principal of
        another account, such as `iam.AccountPrincipal("111122223333")`, gets a statement
        in the repository policy instead.

        Args:
            grantee: The principal to grant.

        Returns:
            The grant of the repository actions.
        """
        grant = super().grant_pull(grantee)
        self._grant_key(grantee, encrypt=False)
        return grant

    def grant_push(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` push images (and encrypt them with a customer key).

        Args:
            grantee: The principal to grant.

        Returns:
            The grant of the repository actions.
        """
        grant = super().grant_push(grantee)
        self._grant_key(grantee, encrypt=True)
        return grant

    def grant_pull_push(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` pull and push images (and use a customer key both ways).

        Args:
            grantee: The principal to grant.

        Returns:
            The grant of the repository actions.
        """
        grant = super().grant_pull_push(grantee)
        self._grant_key(grantee, encrypt=True)
        return grant

    def on_image_scan_findings(
        self,
        construct_id: str,
        target: sns.ITopic | events.IRuleTarget,
        *,
        minimum_severity: Severity = Severity.HIGH,
    ) -> events.Rule:
        """Send completed image scans with findings at or above a severity to `target`.

        One EventBridge rule matches both kinds of scan: basic scanning (`aws.ecr` /
        `ECR Image Scan`, `scan-status: COMPLETE`) and enhanced scanning (`aws.inspector2` /
        `Inspector2 Scan`, `scan-status: INITIAL_SCAN_COMPLETE`), with a numeric `> 0` match
        on `finding-severity-counts` for every severity from `minimum_severity` up (Inspector
        reports zero counts, so `exists` would not do). Inspector's event counts only
        CRITICAL, HIGH and MEDIUM: below MEDIUM, enhanced-scan alerts still need a MEDIUM or
        worse finding. Inspector sends that event once per image, after its first scan;
        later findings of continuous scanning arrive as `Inspector2 Finding` events, which
        this rule does not match.

        Args:
            construct_id: Id of the rule under this repository; the caller names it, so
                logical ids do not depend on the order of calls.
            target: An SNS topic (it gets a topic policy statement that lets EventBridge
                publish for this rule and this account only: `aws:SourceArn` and
                `aws:SourceAccount` conditions), or any `events.IRuleTarget`. A topic must be
                encrypted with a customer managed key: EventBridge cannot use the AWS
                managed key `alias/aws/sns`, and alerts to such a topic are dropped.
            minimum_severity: The least severe finding that alerts. Defaults to
                `Severity.HIGH`.

        Returns:
            The EventBridge rule.

        Raises:
            ValueError: If an argument is invalid.
        """
        problems = Problems("ContainerRepository", construct_path(self, str(construct_id)))
        if problems.check_str("construct_id", construct_id):
            problems.check(bool(construct_id), "construct_id", construct_id, "a non-empty id")
            problems.check(
                self.node.try_find_child(construct_id) is None,
                "construct_id",
                construct_id,
                "an id not used by another child of this repository",
            )
        check_findings_target(problems, target)
        check_enum(problems, "minimum_severity", minimum_severity, Severity)
        problems.raise_if_any()
        return scan_findings_rule(
            self,
            construct_id,
            repository_name=self.repository_name,
            repository_arn=self.repository_arn,
            target=target,
            minimum_severity=minimum_severity,
        )


class _ImportedRepository(ContainerRepositoryBase):
    """An existing repository: grants go to the principals, alerts work as for our own."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository_name: str,
        repository_arn: str,
        encryption_key: kms.IKey | None,
    ) -> None:
        super().__init__(
            scope, construct_id, encryption_key=encryption_key, environment_from_arn=repository_arn
        )
        self._name = repository_name
        self._arn = repository_arn

    @property
    def repository_name(self) -> str:
        return self._name

    @property
    def repository_arn(self) -> str:
        return self._arn

    @property
    def repository(self) -> ecr.IRepository:
        """This repository (what `ContainerRepository.repository` is for one we create)."""
        return self

    def add_to_resource_policy(self, statement: iam.PolicyStatement) -> iam.AddToResourcePolicyResult:
        # An imported repository's policy is not ours to change (as in aws_ecr's imports).
        return iam.AddToResourcePolicyResult(statement_added=False)


def import_repository(
    scope: Construct,
    construct_id: str,
    *,
    repository_name: Any,
    repository_arn: Any | None,
    encryption_key: Any,
    method: str,
) -> ContainerRepositoryBase:
    """Check the arguments of a `from_*` import and build the imported repository."""
    problems = Problems(f"ContainerRepository.{method}", construct_path(scope, construct_id))
    if problems.check_str("repository_name", repository_name):
        problems.check(
            is_repository_name(repository_name), "repository_name", repository_name, REPOSITORY_NAME_RULE
        )
    if repository_arn is not None and problems.check_str("repository_arn", repository_arn):
        problems.check(
            repository_arn.startswith("arn:")
            and ":ecr:" in repository_arn
            and ":repository/" in repository_arn,
            "repository_arn",
            repository_arn,
            "an ECR repository ARN, arn:<partition>:ecr:<region>:<account>:repository/<name>",
        )
    check_key(problems, "encryption_key", encryption_key)
    problems.raise_if_any()
    arn = repository_arn or Stack.of(scope).format_arn(
        service="ecr", resource="repository", resource_name=repository_name
    )
    return _ImportedRepository(
        scope,
        construct_id,
        repository_name=repository_name,
        repository_arn=arn,
        encryption_key=encryption_key,
    )
