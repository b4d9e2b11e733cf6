"""RegistryStack: the application repositories and the registry-wide ECR settings."""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import CfnOutput, Duration, Environment, IStackSynthesizer, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services
from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.ecr import (
    ContainerRepository,
    PullThroughCache,
    PullThroughCacheRule,
    RegistryScanning,
    ScanFrequency,
    ScanningRule,
    ScanType,
    Severity,
    UpstreamRegistry,
)
from cdk_containers.stacks._common import check_stack_props, show_signature

__all__ = ["RegistryStack"]

_PREFIX = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
#: The longest cache suffix ("/ecr-public") must fit ECR's 30-character prefix limit.
_MAX_PREFIX = 30 - len("/ecr-public")


class RegistryStack(Stack):
    """Two application repositories, pull-through caches and finding alerts; scanning opt-in.

    What it creates:

    - `api`: a repository for a long-lived service: keeps the 50 most recent images, never
      expires release tags (`v*`, `release-*`), expires untagged images after 7 days;
    - `worker`: a repository for a frequently rebuilt job image: keeps the 10 most recent
      images, protects nothing, expires untagged images after a day;
    - both with immutable tags, KMS encryption, scan on push, `RETAIN` and names that
      CloudFormation generates: a retained repository with a fixed name would make the next
      deploy after `cdk destroy` fail ("already exists"), and two copies of the app in one
      account would collide. The outputs give the URIs;
    - pull-through caches for ECR Public (`<prefix>/ecr-public/...`) and the Kubernetes
      registry (`<prefix>/k8s/...`), each with a repository creation template;
    - an SNS topic, encrypted with a customer managed key that rotates and that EventBridge
      may use, SSL-only, receiving every completed scan of either repository with HIGH or
      CRITICAL findings;
    - only with `registry_scanning=True`: ENHANCED (Amazon Inspector) continuous scanning of
      every repository. This is an account-wide singleton that **replaces the account's
      existing registry scanning configuration**, so it is opt-in.

    Example:
        registry = RegistryStack(app, "RegistryStack", prefix="team-a", registry_scanning=True)
        registry.api.grant_pull(instance_role)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        prefix: str | None = None,
        registry_scanning: bool = False,
        env: Environment | None = None,
        stack_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        termination_protection: bool = False,
        synthesizer: IStackSynthesizer | None = None,
    ) -> None:
        """Args:
            scope: Parent construct (usually the `App`).
            construct_id: Stack id.
            prefix: Namespace of the pull-through cache prefixes (`<prefix>/ecr-public`,
                `<prefix>/k8s`), so that a second copy of the app in the same account and
                region gets caches of its own: lowercase `[a-z0-9]` segments joined by `.`,
                `_` or `-`, at most 19 characters. Defaults to the stack name in lowercase
                (a second copy in one region has another stack name).
            registry_scanning: Create the account-wide registry scanning configuration
                (ENHANCED, continuous, every repository), replacing the account's existing
                one. Defaults to False (each repository's basic scan on push).
            env: The account and region. Defaults to environment-agnostic.
            stack_name: The CloudFormation stack name. Defaults to `construct_id`.
            description: The stack description. Defaults to none.
            tags: Tags on every resource of the stack. Defaults to none.
            termination_protection: Whether CloudFormation refuses to delete the stack. Defaults to `False`.
            synthesizer: The stack synthesizer, e.g. `DefaultStackSynthesizer(qualifier=...)` for an
                environment bootstrapped with a custom qualifier. Defaults to the app's default synthesizer.

        Raises:
            ValueError: Listing every invalid argument.
        """
        problems = Problems("RegistryStack", construct_path(scope, construct_id))
        if prefix is not None and problems.check_str("prefix", prefix):
            problems.check_known("prefix", prefix, "it names the cache prefixes and their construct ids")
            problems.check(
                bool(_PREFIX.match(prefix)) and len(prefix) <= _MAX_PREFIX,
                "prefix",
                prefix,
                f"1-{_MAX_PREFIX} characters: lowercase segments of [a-z0-9] joined by '.', '_' or '-'",
            )
        problems.check_type("registry_scanning", registry_scanning, bool)
        check_stack_props(
            problems,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=tags,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )
        problems.raise_if_any()
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=dict(tags) if tags else None,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )
        if prefix is None:
            prefix = self._default_prefix()

        self.api = ContainerRepository(
            self,
            "Api",
            keep_images=50,
            untagged_expiry=Duration.days(7),
            protected_tags=["v*", "release-*"],
        )
        """The API service's repository."""

        self.worker = ContainerRepository(
            self, "Worker", keep_images=10, untagged_expiry=Duration.days(1), protected_tags=[]
        )
        """The worker's repository."""

        self.repositories: list[ContainerRepository] = [self.api, self.worker]
        """Every application repository of this stack."""

        self.scanning: RegistryScanning | None = None
        """The account-wide scanning configuration, or None unless `registry_scanning`."""
        if registry_scanning:
            self.scanning = RegistryScanning(
                self,
                "Scanning",
                scan_type=ScanType.ENHANCED,
                rules=[ScanningRule(frequency=ScanFrequency.CONTINUOUS_SCAN, filters=["*"])],
            )

        self.pull_through_cache = PullThroughCache(
            self,
            "PullThroughCache",
            rules=[
                PullThroughCacheRule(prefix=f"{prefix}/ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
                PullThroughCacheRule(prefix=f"{prefix}/k8s", upstream=UpstreamRegistry.KUBERNETES),
            ],
        )
        """Caches for ECR Public and registry.k8s.io; pullers need `grant_pull_through`."""

        self.findings_key = limit_grants_to_aws_services(
            kms.Key(
                self,
                "FindingsKey",
                description="Encrypts the scan-findings topic of the container registry",
                enable_key_rotation=True,
            )
        )
        """The customer managed key of the findings topic (EventBridge is granted use of it)."""

        self.findings_topic = sns.Topic(
            self,
            "ScanFindings",
            display_name="Container image scan findings",
            master_key=self.findings_key,
            enforce_ssl=True,
        )
        """Receives completed scans with HIGH or CRITICAL findings; subscribe to it."""

        for repository in self.repositories:
            repository.on_image_scan_findings(
                "ScanFindings", self.findings_topic, minimum_severity=Severity.HIGH
            )
        self._outputs()

    def _default_prefix(self) -> str:
        prefix = re.sub(r"[^a-z0-9]+", "-", self.stack_name.lower()).strip("-")[:_MAX_PREFIX].strip("-")
        return prefix or "registry"

    def _outputs(self) -> None:
        registry = f"{self.account}.dkr.ecr.{self.region}.{self.url_suffix}"
        for name, repository in (("Api", self.api), ("Worker", self.worker)):
            CfnOutput(
                self,
                f"{name}RepositoryUri",
                value=repository.repository_uri,
                description=f"Push the {name.lower()} image here: docker push <this URI>:<tag>",
            )
        CfnOutput(
            self,
            "DockerLogin",
            value=f"aws ecr get-login-password --region {self.region} | "
            f"docker login --username AWS --password-stdin {registry}",
            description="Log Docker in to this registry (needs ecr:GetAuthorizationToken)",
        )
        CfnOutput(
            self,
            "PushApiImage",
            value=f"docker tag api:v1.0.0 {self.api.repository_uri}:v1.0.0 && "
            f"docker push {self.api.repository_uri}:v1.0.0",
            description="Tag and push the API image (tags are immutable: push each tag once)",
        )
        CfnOutput(
            self,
            "PullThroughCachePrefixes",
            value=", ".join(f"{registry}/{p}/" for p in self.pull_through_cache.repository_prefixes),
            description="Pull public images through these prefixes, e.g. <prefix>/eks-distro/...",
        )
        CfnOutput(self, "ScanFindingsTopicArn", value=self.findings_topic.topic_arn)


show_signature(RegistryStack)
