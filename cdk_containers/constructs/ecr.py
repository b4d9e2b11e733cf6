"""ECR: a secure-by-default repository and the registry-wide settings.

* :class:`ContainerRepository` wraps ``aws_ecr.Repository``: scanned on push,
  immutable tags, KMS encryption, an ordered lifecycle policy built from simple
  arguments, cross-account pull without a ``*`` principal, and notifications
  for scan findings.
* :class:`RegistryScanning`, :class:`RegistryReplication` and
  :class:`PullThroughCache` configure the private registry itself. ECR keeps
  **one** scanning configuration, **one** replication configuration and one
  pull-through cache rule per prefix **per account and region**: create each of
  these constructs once per account and region (two stacks that both create
  one overwrite each other's settings).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol, cast, get_args, runtime_checkable

import jsii
from aws_cdk import Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk.interfaces.aws_events import IRuleRef
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_token

__all__ = [
    "DEFAULT_PROTECTED_TAGS",
    "PROTECTED_TAG_KEEP_COUNT",
    "ContainerRepository",
    "HasRepository",
    "PullThroughCache",
    "PullThroughCacheRule",
    "RegistryReplication",
    "RegistryScanning",
    "ReplicationDestination",
    "ReplicationRule",
    "ScanFrequency",
    "ScanType",
    "ScanningRule",
    "Severity",
    "UpstreamRegistry",
]

#: Tag patterns whose images never expire unless the caller says otherwise.
DEFAULT_PROTECTED_TAGS: tuple[str, ...] = ("v*", "release-*")

#: The count a "keep" rule allows per protected pattern. ECR has no "keep"
#: action: a rule that matches an image *claims* it (lower-priority rules cannot
#: expire it) and expires only what exceeds its count. 9999 stays below the
#: default quota of 10,000 images per repository, so in practice nothing expires.
PROTECTED_TAG_KEEP_COUNT = 9999

Severity = Literal["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]
ScanType = Literal["BASIC", "ENHANCED"]
ScanFrequency = Literal["SCAN_ON_PUSH", "CONTINUOUS_SCAN"]

#: Highest first: ``minimum_severity="HIGH"`` matches CRITICAL and HIGH findings.
SEVERITIES: tuple[str, ...] = get_args(Severity)

# ECR repository names: segments of lowercase alphanumerics joined by ., _ or -,
# separated by / (ECR API CreateRepository).
_REPOSITORY_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
# Image tags are up to 128 of [A-Za-z0-9_.-]; patterns add the * wildcard.
_TAG_PATTERN = re.compile(r"^[A-Za-z0-9_.*-]{1,128}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$")
# Registry scanning filters (CloudFormation schema of AWS::ECR::RegistryScanningConfiguration).
_SCAN_FILTER = re.compile(r"^[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*$")
# Replication prefix filters (schema of AWS::ECR::ReplicationConfiguration), 2-256 chars.
_REPLICATION_FILTER = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*$")
_SECRET_PREFIX = "ecr-pullthroughcache/"

_PULL_ACTIONS = ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")


def _is_repository_name(name: str) -> bool:
    return 2 <= len(name) <= 256 and bool(_REPOSITORY_NAME.match(name))


def _effective_tag_status(rule: ecr.LifecycleRule) -> ecr.TagStatus:
    """The tag status ``aws_ecr`` renders: TAGGED when tags are listed, else ANY."""
    if rule.tag_status is not None:
        return rule.tag_status
    return ecr.TagStatus.TAGGED if rule.tag_prefix_list or rule.tag_pattern_list else ecr.TagStatus.ANY


def _lifecycle_policy_text(rules: Sequence[ecr.LifecycleRule]) -> str:
    """The lifecycle policy JSON of ``rules``, rendered as ``aws_ecr.Repository`` renders it.

    ``aws_ecr`` renders its rules only for a repository it creates; a repository
    creation template takes the policy as text.
    """
    rendered = []
    for rule in rules:
        age = rule.max_image_age
        selection: dict[str, Any] = {"tagStatus": _effective_tag_status(rule).value.lower()}
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


def _is_list_of_str(value: object) -> bool:
    """A sequence of strings, but not a string itself (a str is a Sequence of its characters)."""
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_list(problems: Problems, argument: str, value: object, example: str) -> bool:
    """Refuse a bare string where a list is expected: ``"v*"`` would be read as ``["v", "*"]``."""
    return problems.check(_is_list_of_str(value), argument, value, f"a list of strings such as {example}")


def _check_tag_patterns(problems: Problems, argument: str, patterns: Sequence[str]) -> None:
    if not _check_list(problems, argument, patterns, "['v*', 'release-*']"):
        return
    for pattern in sorted({p for p in patterns if list(patterns).count(p) > 1}):
        problems.add(
            argument,
            pattern,
            "each pattern once (a second rule for the same pattern could never match an image)",
        )
    for pattern in patterns:
        problems.check(
            bool(_TAG_PATTERN.match(pattern)) and pattern.count("*") <= 4,
            argument,
            pattern,
            "a tag pattern of 1-128 characters from [A-Za-z0-9_.-] with at most four '*' wildcards",
        )


@runtime_checkable
class HasRepository(Protocol):
    """Anything that carries an ECR repository, such as :class:`ContainerRepository`.

    Constructs of this library that take a repository accept ``ecr.IRepository | HasRepository``;
    use it to type your own functions and stacks the same way.
    """

    @property
    def repository(self) -> ecr.IRepository:
        """The ECR repository."""
        ...


class ContainerRepository(Construct):
    """An ECR repository that is safe by default: scanned, immutable, encrypted, expiring.

    What it creates: one ``AWS::ECR::Repository`` with scan on push, immutable
    tags, KMS encryption (the AWS managed key unless ``encryption_key`` is
    given), ``RETAIN`` removal and a lifecycle policy whose rules, in priority
    order, are:

    1. one rule per ``protected_tags`` pattern that claims every image with a
       matching tag (ECR expires an image by at most one rule, and the first
       rule that matches an image decides: these images never reach the rules
       below; each rule keeps up to 9999 images);
    2. untagged images expire ``untagged_expiry_days`` after push;
    3. any other image beyond the most recent ``keep_images`` expires (the
       ``TagStatus.ANY`` rule must be last, ECR requires it).

    With ``pull_accounts`` it adds a repository policy that lets exactly those
    accounts pull (never a ``*`` principal).

    Pass ``.repository`` wherever an ``aws_ecr.IRepository`` is expected
    (``ecs.ContainerImage.from_ecr_repository(repo.repository)``); the
    library's own constructs accept a ``ContainerRepository`` directly.

    Example:
        repo = ContainerRepository(self, "Api", repository_name="api", keep_images=50)
        repo.grant_pull(node_role)
        repo.notify_on_scan_findings(topic, minimum_severity="HIGH")
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
        untagged_expiry_days: int | None = None,
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
        repository_name: Name in ECR: 2-256 characters, lowercase segments of
            ``[a-z0-9]`` joined by ``.``, ``_`` or ``-``, separated by ``/``.
            Defaults to a name CloudFormation generates.
        scan_on_push: Scan every pushed image (basic scanning; a registry with
            enhanced scanning, see :class:`RegistryScanning`, overrides it). Defaults to True.
        tag_immutability: Refuse to overwrite an existing tag. Defaults to True.
        mutable_tags: 1-5 wildcard filters (``["latest", "dev-*"]``) of tags that
            stay mutable while every other tag is immutable
            (``IMMUTABLE_WITH_EXCLUSION``). Needs ``tag_immutability=True``.
            Defaults to no exclusions.
        keep_images: The most recent images kept; older ones (other than
            protected or untagged images, which have their own rules) expire.
            The count includes protected and untagged images: ECR lets the last
            rule see every image, it only cannot expire those an earlier rule
            matched. Defaults to 30.
        untagged_expiry_days: Days after push when untagged images expire. Defaults to 7.
        protected_tags: Tag patterns (``*`` wildcard, at most four per pattern) whose
            images never expire; each pattern is its own rule, so an image matching
            any one of them is protected. ``[]`` protects nothing.
            Defaults to ``("v*", "release-*")``.
        lifecycle_rules: Raw ``aws_ecr.LifecycleRule``s for full control; they
            replace the generated policy, so ``keep_images``,
            ``untagged_expiry_days`` and ``protected_tags`` cannot be combined
            with them. ``[]`` means no lifecycle policy. Defaults to the
            generated policy.
        encryption_key: Customer managed KMS key for the images. Defaults to
            KMS encryption with the AWS managed key for ECR.
        removal_policy: What happens to the repository when it leaves the stack.
            Defaults to ``RemovalPolicy.RETAIN``.
        empty_on_delete: Delete the images when the repository is deleted; only
            with ``removal_policy=RemovalPolicy.DESTROY``. Defaults to False.
        pull_accounts: 12-digit AWS account ids allowed to pull the images.
            Defaults to none (only principals of this account that were granted access).
        """
        path = construct_path(scope, construct_id)
        problems = Problems("ContainerRepository", path)
        if repository_name is not None:
            problems.check(
                _is_repository_name(repository_name),
                "repository_name",
                repository_name,
                "2-256 characters: lowercase segments of [a-z0-9] joined by '.', '_' or '-', "
                "separated by '/', e.g. 'team/api'",
            )
        if mutable_tags is not None and _check_list(
            problems, "mutable_tags", mutable_tags, "['latest', 'dev-*']"
        ):
            if not tag_immutability:
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
            for tag in mutable_tags:
                problems.check(
                    bool(tag) and len(tag) <= 128 and bool(_TAG_PATTERN.match(tag)),
                    "mutable_tags",
                    tag,
                    "a non-empty filter of up to 128 characters from [A-Za-z0-9_.-] and '*'",
                )
        generated = {
            "keep_images": keep_images,
            "untagged_expiry_days": untagged_expiry_days,
            "protected_tags": protected_tags,
        }
        if lifecycle_rules is not None:
            for argument, value in generated.items():
                if value is not None:
                    problems.add(
                        argument,
                        value,
                        "not together with lifecycle_rules, which replace the generated lifecycle policy",
                    )
            any_rules = [r for r in lifecycle_rules if _effective_tag_status(r) == ecr.TagStatus.ANY]
            problems.check(
                len(any_rules) <= 1,
                "lifecycle_rules",
                f"{len(any_rules)} rules with TagStatus.ANY",
                "at most one TagStatus.ANY rule (ECR evaluates it last)",
            )
            priorities = [r.rule_priority for r in lifecycle_rules if r.rule_priority is not None]
            for priority in sorted({p for p in priorities if priorities.count(p) > 1}):
                problems.add(
                    "lifecycle_rules",
                    f"rule_priority={priority} on {priorities.count(priority)} rules",
                    "a distinct rule_priority per rule (ECR rejects a policy with duplicates at deploy)",
                )
            if any_rules and any_rules[0].rule_priority is not None:
                problems.check(
                    any_rules[0].rule_priority == max(priorities) and len(priorities) == len(lifecycle_rules),
                    "lifecycle_rules",
                    f"TagStatus.ANY rule with rule_priority={any_rules[0].rule_priority}",
                    "the TagStatus.ANY rule last: the highest rule_priority, with every rule prioritized "
                    "(or leave rule_priority unset on it and CDK puts it last)",
                )
            for rule in lifecycle_rules:
                problems.check(
                    (rule.max_image_age is None) != (rule.max_image_count is None),
                    "lifecycle_rules",
                    rule.description or rule,
                    "each rule sets exactly one of max_image_age and max_image_count",
                )
        keep = 30 if keep_images is None else keep_images
        untagged_days = 7 if untagged_expiry_days is None else untagged_expiry_days
        protected = DEFAULT_PROTECTED_TAGS if protected_tags is None else protected_tags
        problems.check(_is_int(keep) and keep >= 1, "keep_images", keep, "an integer >= 1")
        problems.check(
            _is_int(untagged_days) and untagged_days >= 1,
            "untagged_expiry_days",
            untagged_days,
            "an integer >= 1 (days)",
        )
        _check_tag_patterns(problems, "protected_tags", protected)
        problems.check(
            not empty_on_delete or removal_policy == RemovalPolicy.DESTROY,
            "empty_on_delete",
            empty_on_delete,
            "only with removal_policy=RemovalPolicy.DESTROY (a retained repository keeps its images)",
        )
        if pull_accounts is not None and not _check_list(
            problems, "pull_accounts", pull_accounts, "['123456789012']"
        ):
            pull_accounts = None
        for account in pull_accounts or ():
            problems.check(
                bool(_ACCOUNT.match(account)),
                "pull_accounts",
                account,
                "a 12-digit AWS account id such as '123456789012'",
            )
        problems.raise_if_any()

        super().__init__(scope, construct_id)

        if not tag_immutability:
            mutability = ecr.TagMutability.MUTABLE
        elif mutable_tags:
            mutability = ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
        else:
            mutability = ecr.TagMutability.IMMUTABLE

        rules = (
            list(lifecycle_rules)
            if lifecycle_rules is not None
            else self._generated_rules(keep=keep, untagged_days=untagged_days, protected=protected)
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
        """The underlying ``aws_ecr.Repository`` (an ``IRepository``)."""

        self.encryption_key = encryption_key
        """The customer managed key, or None for the AWS managed key."""

        self._rule_count = 0
        if pull_accounts:
            self.repository.add_to_resource_policy(
                iam.PolicyStatement(
                    sid="CrossAccountPull",
                    actions=list(_PULL_ACTIONS),
                    principals=[iam.AccountPrincipal(a) for a in pull_accounts],
                )
            )
            if encryption_key is not None:
                encryption_key.grant_decrypt(
                    iam.CompositePrincipal(*(iam.AccountPrincipal(a) for a in pull_accounts))
                )

    @staticmethod
    def _generated_rules(
        *, keep: int, untagged_days: int, protected: Sequence[str]
    ) -> list[ecr.LifecycleRule]:
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

    @property
    def repository_name(self) -> str:
        """The repository name (a token until deploy time unless given)."""
        return self.repository.repository_name

    @property
    def repository_arn(self) -> str:
        """The repository ARN."""
        return self.repository.repository_arn

    @property
    def repository_uri(self) -> str:
        """``ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME``, the image URI without a tag."""
        return self.repository.repository_uri

    def repository_uri_for_tag(self, tag: str | None = None) -> str:
        """The image URI with ``:tag`` (or none)."""
        return self.repository.repository_uri_for_tag(tag)

    def repository_uri_for_digest(self, digest: str | None = None) -> str:
        """The image URI with ``@digest`` (``sha256:...``) (or none)."""
        return self.repository.repository_uri_for_digest(digest)

    def grant(self, grantee: iam.IGrantable, *actions: str) -> iam.Grant:
        """Let ``grantee`` perform ``actions`` on this repository (no key grant: add it if needed)."""
        return self.repository.grant(grantee, *actions)

    def grant_read(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` describe the repository and its images (no pull)."""
        return self.repository.grant_read(grantee)

    def _grant_key(self, grantee: iam.IGrantable, *, encrypt: bool) -> None:
        if self.encryption_key is None:
            return
        if encrypt:
            self.encryption_key.grant_encrypt_decrypt(grantee)
        else:
            self.encryption_key.grant_decrypt(grantee)

    def grant_pull(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pull images (and decrypt them with a customer key)."""
        grant = self.repository.grant_pull(grantee)
        self._grant_key(grantee, encrypt=False)
        return grant

    def grant_push(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` push images (and encrypt them with a customer key)."""
        grant = self.repository.grant_push(grantee)
        self._grant_key(grantee, encrypt=True)
        return grant

    def grant_pull_push(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` pull and push images."""
        grant = self.repository.grant_pull_push(grantee)
        self._grant_key(grantee, encrypt=True)
        return grant

    def notify_on_scan_findings(
        self,
        target: sns.ITopic | events.IRuleTarget,
        *,
        minimum_severity: Severity = "HIGH",
    ) -> events.Rule:
        """Send completed image scans with findings at or above a severity to ``target``.

        One EventBridge rule matches both kinds of scan: basic scanning
        (``aws.ecr`` / ``ECR Image Scan``, ``scan-status: COMPLETE``) and
        enhanced scanning (``aws.inspector2`` / ``Inspector2 Scan``,
        ``scan-status: INITIAL_SCAN_COMPLETE``), with a numeric ``> 0`` match on
        ``finding-severity-counts`` for every severity from ``minimum_severity``
        up (Inspector reports zero counts, so ``exists`` would not do). Inspector's
        event counts only CRITICAL, HIGH and MEDIUM: below MEDIUM, enhanced-scan
        alerts still need a MEDIUM or worse finding. Inspector sends that event
        once per image, after its first scan; later findings of continuous
        scanning arrive as ``Inspector2 Finding`` events, which this rule does
        not match.

        Args:
            target: An SNS topic (gets a topic policy statement that lets EventBridge
                publish for this rule and this account only: ``aws:SourceArn`` and
                ``aws:SourceAccount`` conditions; an ``sns.Topic``
                must be encrypted with a customer managed key, which EventBridge can
                use, unlike the AWS managed SNS key), or any ``events.IRuleTarget``.
            minimum_severity: One of CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL,
                UNDEFINED. Defaults to ``"HIGH"``.

        Returns:
            The EventBridge rule.
        """
        problems = Problems("ContainerRepository", self.node.path)
        problems.check(
            minimum_severity in SEVERITIES,
            "minimum_severity",
            minimum_severity,
            f"one of {', '.join(SEVERITIES)}",
        )
        if isinstance(target, sns.Topic):
            problems.check(
                target.master_key is not None,
                "target",
                target.node.path,
                "an SNS topic encrypted with a customer managed KMS key (master_key=...); "
                "EventBridge cannot publish to topics with the AWS managed key",
            )
        problems.raise_if_any()

        severities = SEVERITIES[: SEVERITIES.index(minimum_severity) + 1]
        counts: list[dict[str, Any]] = [{s: [{"numeric": [">", 0]}]} for s in severities]
        self._rule_count += 1
        rule_id = "ScanFindings" if self._rule_count == 1 else f"ScanFindings{self._rule_count}"
        rule = events.Rule(
            self,
            rule_id,
            description=f"Image scans of {self.node.path} with {minimum_severity} or more severe findings",
            event_pattern=events.EventPattern(
                source=["aws.ecr", "aws.inspector2"],
                detail_type=["ECR Image Scan", "Inspector2 Scan"],
                detail={
                    "scan-status": ["COMPLETE", "INITIAL_SCAN_COMPLETE"],
                    # Basic scan events carry the name, Inspector events the ARN.
                    "repository-name": [self.repository_name, self.repository_arn],
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
    """An SNS target that only ``rule`` may publish to, unlike ``targets.SnsTopic``.

    ``targets.SnsTopic`` lets ``events.amazonaws.com`` publish without a condition,
    so any rule of any account could use the topic (a confused deputy). The topic
    policy statement here carries ``aws:SourceArn`` (this rule) and
    ``aws:SourceAccount`` (this stack's account), as the SNS documentation shows for
    AWS service publishers. The key statement stays as AWS documents it for
    EventBridge and encrypted topics (``kms:Decrypt`` and ``kms:GenerateDataKey*``,
    no condition): AWS does not document that ``aws:SourceArn`` reaches KMS when SNS
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


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True, kw_only=True)
class ScanningRule:
    """Which repositories a registry scans, and how often.

    Attributes:
        frequency: ``SCAN_ON_PUSH`` or ``CONTINUOUS_SCAN`` (ENHANCED only).
        filters: Repository name wildcard filters (``"prod-*"``), 1-100. Defaults to ``("*",)``.
    """

    frequency: ScanFrequency
    filters: Sequence[str] = ("*",)


class RegistryScanning(Construct):
    """The registry's scanning configuration: BASIC or ENHANCED (Amazon Inspector).

    ONE per account and region (``AWS::ECR::RegistryScanningConfiguration``).
    With ENHANCED scanning, Inspector scans the matching repositories and the
    repository-level ``scan_on_push`` setting no longer applies.

    Example:
        RegistryScanning(self, "Scanning", scan_type="ENHANCED",
                         rules=[ScanningRule(frequency="CONTINUOUS_SCAN", filters=["prod-*"])])
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        scan_type: ScanType = "ENHANCED",
        rules: Sequence[ScanningRule] | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        scan_type: ``BASIC`` (ECR, on push) or ``ENHANCED`` (Amazon Inspector,
            OS and language packages). Defaults to ``"ENHANCED"``.
        rules: At most 2 rules. Defaults to every repository (``*``), continuously
            for ENHANCED and on push for BASIC.
        """
        problems = Problems("RegistryScanning", construct_path(scope, construct_id))
        problems.check(scan_type in get_args(ScanType), "scan_type", scan_type, "'BASIC' or 'ENHANCED'")
        if rules is None:
            rules = [ScanningRule(frequency="CONTINUOUS_SCAN" if scan_type == "ENHANCED" else "SCAN_ON_PUSH")]
        problems.check(1 <= len(rules) <= 2, "rules", len(rules), "1 or 2 scanning rules")
        for rule in rules:
            if not _check_list(problems, "rules.filters", rule.filters, "['prod-*']"):
                continue
            allowed: tuple[str, ...] = (
                get_args(ScanFrequency) if scan_type == "ENHANCED" else ("SCAN_ON_PUSH",)
            )
            problems.check(
                rule.frequency in allowed,
                "rules.frequency",
                rule.frequency,
                f"one of {', '.join(allowed)} with scan_type={scan_type!r}",
            )
            problems.check(
                1 <= len(rule.filters) <= 100, "rules.filters", list(rule.filters), "1-100 filters"
            )
            for value in rule.filters:
                problems.check(
                    len(value) <= 255 and bool(_SCAN_FILTER.match(value)),
                    "rules.filters",
                    value,
                    "a repository name wildcard filter, lowercase with '*', e.g. 'prod-*'",
                )
        problems.raise_if_any()
        super().__init__(scope, construct_id)

        self.configuration = ecr.CfnRegistryScanningConfiguration(
            self,
            "Resource",
            scan_type=scan_type,
            rules=[
                ecr.CfnRegistryScanningConfiguration.ScanningRuleProperty(
                    scan_frequency=rule.frequency,
                    repository_filters=[
                        ecr.CfnRegistryScanningConfiguration.RepositoryFilterProperty(
                            filter=value, filter_type="WILDCARD"
                        )
                        for value in rule.filters
                    ],
                )
                for rule in rules
            ],
        )
        """The ``AWS::ECR::RegistryScanningConfiguration``."""


@dataclass(frozen=True, kw_only=True)
class ReplicationDestination:
    """A registry to copy images to.

    Attributes:
        region: The destination region, e.g. ``"eu-west-1"``.
        account: The destination account (12 digits); it must allow this account in
            its registry policy. Defaults to this stack's account.
    """

    region: str
    account: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReplicationRule:
    """Destinations and, optionally, which repositories (by name prefix) replicate.

    Attributes:
        destinations: 1-25 destinations.
        repository_prefixes: Repository name prefixes that replicate. Defaults to all repositories.
    """

    destinations: Sequence[ReplicationDestination]
    repository_prefixes: Sequence[str] = ()


class RegistryReplication(Construct):
    """The registry's replication configuration: copies pushed images to other regions/accounts.

    ONE per account and region (``AWS::ECR::ReplicationConfiguration``). At most
    10 rules and 25 destinations in total. Lifecycle policies do not replicate:
    give the destination repositories their own.

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
        """
        problems = Problems("RegistryReplication", construct_path(scope, construct_id))
        stack = Stack.of(scope)
        problems.check(
            1 <= len(rules) <= self.MAX_RULES, "rules", len(rules), f"1 to {self.MAX_RULES} replication rules"
        )
        unique: set[tuple[str, str | None]] = set()
        for rule in rules:
            problems.check(len(rule.destinations) >= 1, "rules.destinations", [], "at least one destination")
            for destination in rule.destinations:
                unique.add((destination.region, destination.account))
                problems.check(
                    bool(_REGION.match(destination.region)),
                    "destinations.region",
                    destination.region,
                    "an AWS region name such as 'eu-west-1'",
                )
                if destination.account is not None:
                    problems.check(
                        bool(_ACCOUNT.match(destination.account)),
                        "destinations.account",
                        destination.account,
                        "a 12-digit AWS account id",
                    )
                same_account = destination.account is None or (
                    not Token.is_unresolved(stack.account) and destination.account == stack.account
                )
                if same_account and not Token.is_unresolved(stack.region):
                    problems.check(
                        destination.region != stack.region,
                        "destinations.region",
                        destination.region,
                        f"a region other than the stack's own ({stack.region}) for the same account",
                    )
            if not _check_list(problems, "rules.repository_prefixes", rule.repository_prefixes, "['prod']"):
                continue
            problems.check(
                len(rule.repository_prefixes) <= 100,
                "rules.repository_prefixes",
                len(rule.repository_prefixes),
                "at most 100 prefixes per rule",
            )
            for prefix in rule.repository_prefixes:
                problems.check(
                    2 <= len(prefix) <= 256 and bool(_REPLICATION_FILTER.match(prefix)),
                    "rules.repository_prefixes",
                    prefix,
                    "a repository name prefix of 2-256 lowercase characters",
                )
        problems.check(
            len(unique) <= self.MAX_DESTINATIONS,
            "rules.destinations",
            len(unique),
            f"at most {self.MAX_DESTINATIONS} distinct destinations across all rules",
        )
        problems.raise_if_any()
        super().__init__(scope, construct_id)

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
                            for prefix in rule.repository_prefixes
                        ]
                        or None,
                    )
                    for rule in rules
                ]
            ),
        )
        """The ``AWS::ECR::ReplicationConfiguration``."""


@dataclass(frozen=True)
class UpstreamRegistry:
    """An upstream registry that ECR can cache (ECR API ``CreatePullThroughCacheRule``).

    Use the constants (``UpstreamRegistry.ECR_PUBLIC``, ``.KUBERNETES``,
    ``.QUAY``, ``.DOCKER_HUB``, ``.GITHUB``, ``.GITLAB``, ``.CHAINGUARD``) or
    ``UpstreamRegistry.azure("myregistry")``.

    Attributes:
        registry: The CloudFormation ``UpstreamRegistry`` value.
        url: The ``UpstreamRegistryUrl``.
        requires_credentials: Whether ECR needs a Secrets Manager secret
            (``ecr-pullthroughcache/...``) to authenticate to it.
    """

    registry: str
    url: str
    requires_credentials: bool

    ECR_PUBLIC: ClassVar[UpstreamRegistry]
    KUBERNETES: ClassVar[UpstreamRegistry]
    QUAY: ClassVar[UpstreamRegistry]
    DOCKER_HUB: ClassVar[UpstreamRegistry]
    GITHUB: ClassVar[UpstreamRegistry]
    GITLAB: ClassVar[UpstreamRegistry]
    CHAINGUARD: ClassVar[UpstreamRegistry]

    @classmethod
    def azure(cls, registry_name: str) -> UpstreamRegistry:
        """An Azure Container Registry, ``<registry_name>.azurecr.io`` (needs credentials)."""
        return cls("azure-container-registry", f"{registry_name}.azurecr.io", True)


UpstreamRegistry.ECR_PUBLIC = UpstreamRegistry("ecr-public", "public.ecr.aws", False)
UpstreamRegistry.KUBERNETES = UpstreamRegistry("k8s", "registry.k8s.io", False)
UpstreamRegistry.QUAY = UpstreamRegistry("quay", "quay.io", False)
UpstreamRegistry.DOCKER_HUB = UpstreamRegistry("docker-hub", "registry-1.docker.io", True)
UpstreamRegistry.GITHUB = UpstreamRegistry("github-container-registry", "ghcr.io", True)
UpstreamRegistry.GITLAB = UpstreamRegistry("gitlab-container-registry", "registry.gitlab.com", True)
UpstreamRegistry.CHAINGUARD = UpstreamRegistry("chainguard", "cgr.dev", True)


@dataclass(frozen=True, kw_only=True)
class PullThroughCacheRule:
    """Cache ``upstream`` under ``<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/...``.

    Attributes:
        prefix: ECR repository prefix, 2-30 characters (``ecr-public``, ``k8s``).
        upstream: The upstream registry.
        credentials: Secrets Manager secret whose name starts with
            ``ecr-pullthroughcache/``, holding ``username`` and ``accessToken``;
            required by upstreams that need credentials. Defaults to none.
    """

    prefix: str
    upstream: UpstreamRegistry
    credentials: secretsmanager.ISecret | None = None


class PullThroughCache(Construct):
    """Pull-through cache rules: pull public images through your private registry.

    One rule per prefix per account and region (at most 50 per registry); ECR
    creates the cached repositories itself on first pull. Upstreams that need
    credentials (Docker Hub, GitHub, GitLab, Azure, Chainguard) take a secret
    named ``ecr-pullthroughcache/...``.

    Each rule also gets an ``AWS::ECR::RepositoryCreationTemplate`` for its
    prefix (``AppliedFor: PULL_THROUGH_CACHE``), so that the repositories ECR
    creates are KMS-encrypted with the AWS managed key for ECR and expire old
    images, instead of ECR's defaults (AES-256, no lifecycle policy). Their tags
    stay **mutable**: the cache must move a tag such as ``latest`` when the
    upstream image behind it changes, which an immutable repository refuses.
    Like the rules, a template exists once per prefix per account and region.

    Example:
        PullThroughCache(self, "Cache", rules=[
            PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
            PullThroughCacheRule(prefix="k8s", upstream=UpstreamRegistry.KUBERNETES),
        ])
    """

    #: ``ROOT`` is ECR's special prefix for ECR-to-ECR caching of a whole registry.
    RESERVED_PREFIXES: ClassVar[frozenset[str]] = frozenset({"ROOT", "root"})
    MAX_RULES: ClassVar[int] = 50

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rules: Sequence[PullThroughCacheRule],
        repository_templates: bool = True,
        keep_images: int | None = None,
        untagged_expiry_days: int | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        rules: 1-50 rules with distinct prefixes.
        repository_templates: Create a repository creation template per rule
            prefix (KMS with the AWS managed key, mutable tags, the lifecycle
            policy below). Turn it off when the account already has templates
            for these prefixes (one per prefix per account and region).
            Defaults to True.
        keep_images: The most recent images kept in each cached repository;
            older ones expire (a later pull fetches them from upstream again).
            Only with ``repository_templates``. Defaults to 30.
        untagged_expiry_days: Days after the pull when untagged images (those
            whose tag the cache moved to a newer upstream image) expire. Only
            with ``repository_templates``. Defaults to 7.
        """
        problems = Problems("PullThroughCache", construct_path(scope, construct_id))
        problems.check(1 <= len(rules) <= self.MAX_RULES, "rules", len(rules), f"1 to {self.MAX_RULES} rules")
        if not repository_templates:
            for argument, value in (
                ("keep_images", keep_images),
                ("untagged_expiry_days", untagged_expiry_days),
            ):
                if value is not None:
                    problems.add(
                        argument, value, "only with repository_templates=True (it shapes the templates)"
                    )
        keep = 30 if keep_images is None else keep_images
        untagged_days = 7 if untagged_expiry_days is None else untagged_expiry_days
        problems.check(_is_int(keep) and keep >= 1, "keep_images", keep, "an integer >= 1")
        problems.check(
            _is_int(untagged_days) and untagged_days >= 1,
            "untagged_expiry_days",
            untagged_days,
            "an integer >= 1 (days)",
        )
        seen: set[str] = set()
        for rule in rules:
            if is_token(rule.prefix):
                continue
            if rule.prefix in self.RESERVED_PREFIXES:
                problems.add("prefix", rule.prefix, "not a reserved prefix (ROOT is for ECR-to-ECR caching)")
            else:
                problems.check(
                    2 <= len(rule.prefix) <= 30 and bool(_REPOSITORY_NAME.match(rule.prefix)),
                    "prefix",
                    rule.prefix,
                    "2-30 characters: lowercase segments of [a-z0-9] joined by '.', '_' or '-', "
                    "separated by '/', e.g. 'docker-hub'",
                )
            problems.check(
                rule.prefix not in seen, "prefix", rule.prefix, "a prefix not used by another rule"
            )
            seen.add(rule.prefix)
            if rule.upstream.requires_credentials:
                if rule.credentials is None:
                    problems.add(
                        "credentials",
                        None,
                        f"a Secrets Manager secret named '{_SECRET_PREFIX}...' for prefix "
                        f"{rule.prefix!r}: {rule.upstream.url} requires authentication",
                    )
                else:
                    name = _secret_name(rule.credentials)
                    problems.check(
                        name.startswith(_SECRET_PREFIX),
                        "credentials",
                        name,
                        f"a secret whose name starts with '{_SECRET_PREFIX}' (ECR only reads those)",
                    )
            else:
                problems.check(
                    rule.credentials is None,
                    "credentials",
                    rule.prefix,
                    f"no secret: {rule.upstream.url} is public and takes no credentials",
                )
            if rule.upstream.registry == "azure-container-registry":
                problems.check(
                    bool(re.match(r"^[a-z0-9]{5,50}\.azurecr\.io$", rule.upstream.url)),
                    "upstream",
                    rule.upstream.url,
                    "'<name>.azurecr.io' with an Azure registry name of 5-50 lowercase alphanumerics",
                )
        problems.raise_if_any()
        super().__init__(scope, construct_id)

        self.rules: list[ecr.CfnPullThroughCacheRule] = []
        """The ``AWS::ECR::PullThroughCacheRule`` resources, in the given order."""
        for rule in rules:
            self.rules.append(
                ecr.CfnPullThroughCacheRule(
                    self,
                    _rule_id(rule.prefix),
                    ecr_repository_prefix=rule.prefix,
                    upstream_registry=rule.upstream.registry,
                    upstream_registry_url=rule.upstream.url,
                    credential_arn=rule.credentials.secret_arn if rule.credentials else None,
                )
            )

        self.templates: list[ecr.CfnRepositoryCreationTemplate] = []
        """The ``AWS::ECR::RepositoryCreationTemplate`` resources, one per rule (none when turned off)."""
        if not repository_templates:
            return
        lifecycle = _lifecycle_policy_text(
            ContainerRepository._generated_rules(keep=keep, untagged_days=untagged_days, protected=())
        )
        for rule in rules:
            self.templates.append(
                ecr.CfnRepositoryCreationTemplate(
                    self,
                    f"{_rule_id(rule.prefix)}Template",
                    prefix=rule.prefix,
                    applied_for=["PULL_THROUGH_CACHE"],
                    description=f"Repositories that the pull-through cache creates under {rule.prefix}/",
                    # Without KmsKey, ECR uses its AWS managed key and needs no CustomRoleArn;
                    # a customer managed key would need one (kms:CreateGrant on the key).
                    encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                        encryption_type="KMS"
                    ),
                    # The cache moves tags (latest, 1.2) when upstream does: immutable tags would stop it.
                    image_tag_mutability="MUTABLE",
                    lifecycle_policy=lifecycle,
                )
            )


def _secret_name(secret: secretsmanager.ISecret) -> str:
    """The secret's name; for a secret created in this app, the name it was given."""
    name = secret.secret_name
    if Token.is_unresolved(name) and isinstance(secret, secretsmanager.Secret):
        resource = secret.node.default_child
        if isinstance(resource, secretsmanager.CfnSecret) and resource.name is not None:
            return resource.name
    return name


def _rule_id(prefix: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", prefix) if part) or "Rule"
