"""RegistryStack: the application repositories and the registry-wide ECR settings."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

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

__all__ = ["RegistryStack"]


class RegistryStack(Stack):
    """Two application repositories, enhanced scanning, pull-through caches, finding alerts.

    What it creates:

    * ``api``: a repository for a long-lived service: keeps the 50 most recent
      images, never expires release tags (``v*``, ``release-*``), expires
      untagged images after 7 days;
    * ``worker``: a repository for a frequently rebuilt job image: keeps the
      10 most recent images, protects nothing, expires untagged images after a day;
    * both with immutable tags, KMS encryption, scan on push and ``RETAIN``;
    * ENHANCED (Amazon Inspector) registry scanning, continuous, for every
      repository (one configuration per account and region);
    * pull-through caches for ECR Public (``ecr-public/...``) and the
      Kubernetes registry (``k8s/...``), which need no credentials, each with a
      repository creation template: the cached repositories are KMS-encrypted,
      keep mutable tags (the cache refreshes them) and expire old images;
    * an SNS topic, encrypted with a customer managed key that rotates and that
      EventBridge may use, SSL-only, receiving every completed scan of either
      repository with HIGH or CRITICAL findings.

    ``api``, ``worker`` and ``repositories`` are what the App Runner and EKS
    examples pull from.

    Example:
        registry = RegistryStack(app, "RegistryStack")
        registry.api.grant_pull(instance_role)
    """

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        """Args:
        scope: Parent construct (usually the ``App``).
        construct_id: Stack id.
        **kwargs: Passed to ``aws_cdk.Stack`` (``env``, ``description``, ...).
        """
        super().__init__(scope, construct_id, **kwargs)

        self.api = ContainerRepository(
            self,
            "Api",
            repository_name="cdk-containers/api",
            keep_images=50,
            untagged_expiry=Duration.days(7),
            protected_tags=["v*", "release-*"],
        )
        """The API service's repository."""

        self.worker = ContainerRepository(
            self,
            "Worker",
            repository_name="cdk-containers/worker",
            keep_images=10,
            untagged_expiry=Duration.days(1),
            protected_tags=[],
        )
        """The worker's repository."""

        self.repositories: list[ContainerRepository] = [self.api, self.worker]
        """Every application repository of this stack."""

        self.scanning = RegistryScanning(
            self,
            "Scanning",
            scan_type=ScanType.ENHANCED,
            rules=[ScanningRule(frequency=ScanFrequency.CONTINUOUS_SCAN, filters=["*"])],
        )
        """The registry's (account and region wide) scanning configuration."""

        self.pull_through_cache = PullThroughCache(
            self,
            "PullThroughCache",
            rules=[
                PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
                PullThroughCacheRule(prefix="k8s", upstream=UpstreamRegistry.KUBERNETES),
            ],
        )
        """Caches for ECR Public and registry.k8s.io."""

        self.findings_key = kms.Key(
            self,
            "FindingsKey",
            description="Encrypts the scan-findings topic of the container registry",
            enable_key_rotation=True,
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

        for name, repository in (("Api", self.api), ("Worker", self.worker)):
            CfnOutput(self, f"{name}RepositoryUri", value=repository.repository_uri)
        CfnOutput(self, "ScanFindingsTopicArn", value=self.findings_topic.topic_arn)
