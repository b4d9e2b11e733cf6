"""ECR: a repository with alerts, pull-through caches, scanning and replication."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from cdk_containers.constructs import (
    ContainerRepository,
    PullThroughCache,
    PullThroughCacheRule,
    RegistryReplication,
    RegistryScanning,
    ReplicationDestination,
    ReplicationRule,
    ScanningRule,
    UpstreamRegistry,
)


def build(stack: Stack) -> None:
    # A repository: immutable tags except "latest", 50 images kept, release tags kept forever,
    # untagged images gone after 3 days, pullable from a second account.
    api = ContainerRepository(
        stack,
        "Api",
        repository_name="shop/api",
        mutable_tags=["latest"],
        keep_images=50,
        untagged_expiry_days=3,
        protected_tags=["v*", "release-*"],
        pull_accounts=["111122223333"],
    )

    # Least-privilege access for a build role (push) and a runtime role (pull).
    ci = iam.Role(stack, "CiRole", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    api.grant_push(ci)
    runtime = iam.Role(stack, "RuntimeRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    api.grant_pull(runtime)

    # Alerts: EventBridge can only publish to a topic whose KMS key it may use (not alias/aws/sns).
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    alerts = sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)
    api.notify_on_scan_findings(alerts, minimum_severity="HIGH")

    # Registry-wide settings: one of each per account and region.
    RegistryScanning(
        stack,
        "Scanning",
        scan_type="ENHANCED",
        rules=[
            ScanningRule(frequency="CONTINUOUS_SCAN", filters=["shop/*"]),
            ScanningRule(frequency="SCAN_ON_PUSH", filters=["*"]),
        ],
    )
    docker_hub = secretsmanager.Secret.from_secret_name_v2(
        stack, "DockerHubLogin", "ecr-pullthroughcache/docker-hub"
    )
    PullThroughCache(
        stack,
        "Cache",
        rules=[
            PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
            PullThroughCacheRule(prefix="k8s", upstream=UpstreamRegistry.KUBERNETES),
            PullThroughCacheRule(
                prefix="docker-hub", upstream=UpstreamRegistry.DOCKER_HUB, credentials=docker_hub
            ),
        ],
    )
    RegistryReplication(
        stack,
        "Replication",
        rules=[
            ReplicationRule(
                destinations=[ReplicationDestination(region="eu-west-1")],
                repository_prefixes=["shop"],
            )
        ],
    )
