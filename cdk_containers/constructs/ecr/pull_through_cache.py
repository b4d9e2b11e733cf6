"""`PullThroughCache`: pull public images through the private registry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from aws_cdk import Duration, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, describe
from cdk_containers.constructs.ecr._common import PULL_ACTIONS, REPOSITORY_NAME, check_whole_days, pascal_id
from cdk_containers.constructs.ecr._lifecycle import generated_rules, lifecycle_policy_text

__all__ = ["PullThroughCache", "PullThroughCacheRule", "UpstreamRegistry"]

_SECRET_PREFIX = "ecr-pullthroughcache/"
_KNOWN = "the prefix names the rule's construct id and must differ from the other rules' prefixes"

#: What a puller needs when the cached repository may not exist yet (ECR user guide, "IAM
#: permissions required to sync an upstream registry with a private registry").
PULL_THROUGH_ACTIONS: tuple[str, ...] = (
    "ecr:CreateRepository",
    "ecr:BatchImportUpstreamImage",
    *PULL_ACTIONS,
)


@dataclass(frozen=True)
class UpstreamRegistry:
    """An upstream registry that ECR can cache (ECR API `CreatePullThroughCacheRule`).

    Use the constants (`UpstreamRegistry.ECR_PUBLIC`, `.KUBERNETES`, `.QUAY`, `.DOCKER_HUB`,
    `.GITHUB`, `.GITLAB`, `.CHAINGUARD`) or `UpstreamRegistry.azure("myregistry")`.

    Attributes:
        registry: The CloudFormation `UpstreamRegistry` value.
        url: The `UpstreamRegistryUrl`.
        requires_credentials: Whether ECR needs a Secrets Manager secret
            (`ecr-pullthroughcache/...`) to authenticate to it.
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
        """An Azure Container Registry, `<registry_name>.azurecr.io` (needs credentials).

        Args:
            registry_name: The Azure registry name, 5-50 lowercase letters and digits.

        Returns:
            The upstream registry.
        """
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
    """Cache `upstream` under `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/...`.

    Attributes:
        prefix: ECR repository prefix, 2-30 characters (`ecr-public`, `team/k8s`); must be
            known at synth.
        upstream: The upstream registry, an `UpstreamRegistry` (not its URL).
        credentials: Secrets Manager secret whose name starts with `ecr-pullthroughcache/`,
            holding `username` and `accessToken`; required by upstreams that need
            credentials. Defaults to none.
    """

    prefix: str
    upstream: UpstreamRegistry
    credentials: secretsmanager.ISecret | None = None

    def _check(self, problems: Problems, argument: str) -> None:
        if problems.check_str(f"{argument}.prefix", self.prefix) and problems.check_known(
            f"{argument}.prefix", self.prefix, _KNOWN
        ):
            if self.prefix in PullThroughCache.RESERVED_PREFIXES:
                problems.add(
                    f"{argument}.prefix",
                    self.prefix,
                    "not a reserved prefix (ROOT is for ECR-to-ECR caching)",
                )
            else:
                problems.check(
                    2 <= len(self.prefix) <= 30 and bool(REPOSITORY_NAME.match(self.prefix)),
                    f"{argument}.prefix",
                    self.prefix,
                    "2-30 characters: lowercase segments of [a-z0-9] joined by '.', '_' or '-', "
                    "separated by '/', e.g. 'docker-hub'",
                )
        if not problems.check_type(
            f"{argument}.upstream",
            self.upstream,
            UpstreamRegistry,
            allowed="an UpstreamRegistry such as UpstreamRegistry.ECR_PUBLIC or "
            f"UpstreamRegistry.azure(name), got {describe(self.upstream)}",
        ):
            return
        u, up = self.upstream, f"{argument}.upstream"
        if not (problems.check_str(f"{up}.registry", u.registry) & problems.check_str(f"{up}.url", u.url)):
            return
        if not problems.check_type(f"{up}.requires_credentials", u.requires_credentials, bool):
            return
        if self.credentials is not None and not hasattr(self.credentials, "secret_arn"):
            problems.add(
                f"{argument}.credentials",
                self.credentials,
                f"a secretsmanager.ISecret, got {describe(self.credentials)} "
                "(import one with secretsmanager.Secret.from_secret_name_v2)",
            )
            return
        self._check_credentials(problems, argument)

    def _check_credentials(self, problems: Problems, argument: str) -> None:
        upstream = self.upstream
        if upstream.requires_credentials and self.credentials is None:
            problems.add(
                f"{argument}.credentials",
                None,
                f"a Secrets Manager secret named '{_SECRET_PREFIX}...' for prefix {self.prefix!r}: "
                f"{upstream.url} requires authentication",
            )
        elif upstream.requires_credentials and self.credentials is not None:
            name = _secret_name(self.credentials)
            problems.check(
                name.startswith(_SECRET_PREFIX),
                f"{argument}.credentials",
                name,
                f"a secret whose name starts with '{_SECRET_PREFIX}' (ECR only reads those)",
            )
        else:
            problems.check(
                self.credentials is None,
                f"{argument}.credentials",
                self.prefix,
                f"no secret: {upstream.url} is public and takes no credentials",
            )
        if upstream.registry == "azure-container-registry":
            problems.check(
                bool(re.match(r"^[a-z0-9]{5,50}\.azurecr\.io$", upstream.url)),
                f"{argument}.upstream",
                upstream.url,
                "'<name>.azurecr.io' with an Azure registry name of 5-50 lowercase alphanumerics",
            )


class PullThroughCache(Construct):
    """Pull-through cache rules: pull public images through your private registry.

    One rule per prefix per account and region (at most 50 per registry). ECR creates a
    cached repository on the first pull of an image under the prefix, **with the puller's
    permissions**: the puller needs `ecr:CreateRepository` and `ecr:BatchImportUpstreamImage`
    on `repository/<prefix>/*` (`AmazonEC2ContainerRegistryPullOnly` lacks
    `ecr:CreateRepository`), or the first pull of every upstream image fails. Give them with
    `grant_pull_through(grantee)`, or pass `repository_prefixes` to the consumer (the EKS
    family's `EksCluster.allow_pull_through`). Upstreams that need credentials (Docker Hub,
    GitHub, GitLab, Azure, Chainguard) take a secret named `ecr-pullthroughcache/...`.

    Each rule also gets an `AWS::ECR::RepositoryCreationTemplate` for its prefix
    (`AppliedFor: PULL_THROUGH_CACHE`), so that the cached repositories are KMS-encrypted with
    the AWS managed key for ECR and expire old images, instead of ECR's defaults (AES-256, no
    lifecycle policy). Their tags stay **mutable**: the cache must move a tag such as `latest`
    when the upstream image behind it changes. Like the rules, a template exists once per
    prefix per account and region.

    Example:
        cache = PullThroughCache(self, "Cache", rules=[
            PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
        ])
        cache.grant_pull_through(node_role)
    """

    #: `ROOT` is ECR's special prefix for ECR-to-ECR caching of a whole registry.
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
        untagged_expiry: Duration | None = None,
    ) -> None:
        """Args:
            scope: Parent construct.
            construct_id: Construct id.
            rules: 1-50 rules with distinct prefixes.
            repository_templates: Create a repository creation template per rule prefix (KMS
                with the AWS managed key, mutable tags, the lifecycle policy below). Turn it
                off when the account already has templates for these prefixes. Defaults to True.
            keep_images: The most recent images kept in each cached repository; older ones
                expire (a later pull fetches them again). Only with `repository_templates`.
                Must be known at synth. Defaults to 30.
            untagged_expiry: How long after the pull untagged images (those whose tag the
                cache moved) expire, in whole days. Only with `repository_templates`. Must be
                known at synth. Defaults to `Duration.days(7)`.

        Raises:
            ValueError: If an argument is invalid; every problem is listed.
        """
        problems = Problems("PullThroughCache", construct_path(scope, construct_id))
        if problems.check_list(
            "rules", rules, PullThroughCacheRule, optional=False, min_items=1, max_items=self.MAX_RULES
        ):
            for i, rule in enumerate(rules):
                rule._check(problems, f"rules[{i}]")
            prefixes = [
                r.prefix for r in rules if isinstance(r.prefix, str) and not Token.is_unresolved(r.prefix)
            ]
            for prefix in sorted({p for p in prefixes if prefixes.count(p) > 1}):
                problems.add("rules.prefix", prefix, "a prefix not used by another rule")
        problems.check_type("repository_templates", repository_templates, bool)
        if repository_templates is False:
            for argument, value in (("keep_images", keep_images), ("untagged_expiry", untagged_expiry)):
                if value is not None:
                    problems.add(
                        argument, value, "only with repository_templates=True (it shapes the templates)"
                    )
        keep = 30 if keep_images is None else keep_images
        why = "the lifecycle policy of the templates is JSON text written at synth"
        if problems.check_known("keep_images", keep, why):
            problems.check_int("keep_images", keep, minimum=1)
        untagged_days = check_whole_days(
            problems, "untagged_expiry", untagged_expiry or Duration.days(7), why_known=why
        )
        problems.raise_if_any()
        super().__init__(scope, construct_id)

        self.repository_prefixes: list[str] = [rule.prefix for rule in rules]
        """The rules' prefixes, one per rule: cached repositories are named `<prefix>/...`."""
        self.rules: list[ecr.CfnPullThroughCacheRule] = [
            ecr.CfnPullThroughCacheRule(
                self,
                pascal_id(rule.prefix),
                ecr_repository_prefix=rule.prefix,
                upstream_registry=rule.upstream.registry,
                upstream_registry_url=rule.upstream.url,
                credential_arn=rule.credentials.secret_arn if rule.credentials else None,
            )
            for rule in rules
        ]
        """The `AWS::ECR::PullThroughCacheRule` resources, in the given order."""
        self.templates: list[ecr.CfnRepositoryCreationTemplate] = []
        """The `AWS::ECR::RepositoryCreationTemplate` resources, one per rule (none when turned off)."""
        if repository_templates:
            lifecycle = lifecycle_policy_text(
                generated_rules(keep=keep, untagged_days=untagged_days or 7, protected=())
            )
            self.templates = [self._template(rule.prefix, lifecycle) for rule in rules]

    def _template(self, prefix: str, lifecycle: str) -> ecr.CfnRepositoryCreationTemplate:
        return ecr.CfnRepositoryCreationTemplate(
            self,
            f"{pascal_id(prefix)}Template",
            prefix=prefix,
            applied_for=["PULL_THROUGH_CACHE"],
            description=f"Repositories that the pull-through cache creates under {prefix}/",
            # Without KmsKey, ECR uses its AWS managed key and needs no CustomRoleArn;
            # a customer managed key would need one (kms:CreateGrant on the key).
            encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                encryption_type="KMS"
            ),
            # The cache moves tags (latest, 1.2) when upstream does: immutable tags would stop it.
            image_tag_mutability="MUTABLE",
            lifecycle_policy=lifecycle,
        )

    def grant_pull_through(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let `grantee` pull through the cache, including the first pull of an image.

        Grants `ecr:CreateRepository`, `ecr:BatchImportUpstreamImage` and the pull actions
        on `repository/<prefix>/*` of this account and region, for every rule's prefix, and
        nothing else. Pulling also needs `ecr:GetAuthorizationToken` (on `*`), which EKS node
        roles have from `AmazonEC2ContainerRegistryPullOnly`; add it for other principals.

        Args:
            grantee: The principal that pulls (a node role, a pod-execution role).

        Returns:
            The grant.
        """
        stack = Stack.of(self)
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=list(PULL_THROUGH_ACTIONS),
            resource_arns=[
                stack.format_arn(service="ecr", resource="repository", resource_name=f"{prefix}/*")
                for prefix in self.repository_prefixes
            ],
        )


def _secret_name(secret: Any) -> str:
    """The secret's name; for a secret created in this app, the name it was given."""
    name: str = secret.secret_name
    if Token.is_unresolved(name) and isinstance(secret, secretsmanager.Secret):
        resource = secret.node.default_child
        if isinstance(resource, secretsmanager.CfnSecret) and resource.name is not None:
            return resource.name
    return name
