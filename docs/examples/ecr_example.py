"""ECR: a repository with alerts, an imported repository, pull-through caches, scanning and replication."""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_ecs as ecs
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
from cdk_containers.constructs.ecr import ScanFrequency, ScanType, Severity


def build(stack: Stack) -> None:
    # A repository: immutable tags except "latest", 50 images kept, release tags kept forever,
    # untagged images gone after 3 days, pullable from a second account. No repository_name:
    # a retained repository with a fixed name blocks the next deploy after `cdk destroy`.
    api = ContainerRepository(
        stack,
        "Api",
        mutable_tags=["latest"],
        keep_images=50,
        untagged_expiry=Duration.days(3),
        protected_tags=["v*", "release-*"],
        pull_accounts=["111122223333"],
    )

    # Least-privilege access for a build role (push) and a runtime role (pull).
    ci = iam.Role(stack, "CiRole", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    api.grant_push(ci)
    runtime = iam.Role(stack, "RuntimeRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    api.grant_pull(runtime)

    # It is an ecr.IRepository: aws-cdk-lib APIs take it directly.
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("api", image=ecs.ContainerImage.from_ecr_repository(api, "v1.0.0"))

    # An existing repository works wherever ours do (grants, alerts).
    base = ContainerRepository.from_repository_name(stack, "Base", "shop/base")
    base.grant_pull(runtime)

    # Alerts: EventBridge can only publish to a topic whose KMS key it may use (not alias/aws/sns).
    key = kms.Key(stack, "AlertsKey", enable_key_rotation=True)
    alerts = sns.Topic(stack, "Alerts", master_key=key, enforce_ssl=True)
    api.on_image_scan_findings("HighFindings", alerts, minimum_severity=Severity.HIGH)
    base.on_image_scan_findings("HighFindings", alerts, minimum_severity=Severity.HIGH)

    # Registry-wide settings: one of each per account and region; each REPLACES the account's
    # existing configuration when deployed.
    RegistryScanning(
        stack,
        "Scanning",
        scan_type=ScanType.ENHANCED,
        rules=[
            ScanningRule(frequency=ScanFrequency.CONTINUOUS_SCAN, filters=["shop/*"]),
            ScanningRule(frequency=ScanFrequency.SCAN_ON_PUSH, filters=["*"]),
        ],
    )
    docker_hub = secretsmanager.Secret.from_secret_name_v2(
        stack, "DockerHubLogin", "ecr-pullthroughcache/docker-hub"
    )
    cache = PullThroughCache(
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
    # Pullers create the cached repository on the first pull of an image: grant that.
    cache.grant_pull_through(runtime)
