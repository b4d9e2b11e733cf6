"""ECR constructs: ContainerRepository and the registry-level settings.

Templates are built once per module (one stack holds several configured
repositories) so the file needs only a handful of syntheses; validation tests
raise in the constructor, before any synthesis.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aws_cdk import CfnParameter, Duration, Environment, RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from cdk_containers.constructs import (
    ContainerRepository,
    HasRepository,
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
from tests.support import make_stack, resources_of_type

PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


_stack = make_stack


def _resource(template: dict[str, Any], logical_prefix: str, resource_type: str) -> dict[str, Any]:
    found = [
        resource
        for logical_id, resource in template["Resources"].items()
        if logical_id.startswith(logical_prefix) and resource["Type"] == resource_type
    ]
    assert len(found) == 1, f"expected one {resource_type} named {logical_prefix}*, found {len(found)}"
    return found[0]


def _lifecycle(template: dict[str, Any], logical_prefix: str) -> dict[str, Any]:
    repository = _resource(template, logical_prefix, "AWS::ECR::Repository")
    policy: dict[str, Any] = json.loads(repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"])
    return policy


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def default_template() -> dict[str, Any]:
    stack = _stack()
    ContainerRepository(stack, "Repo")
    return Template.from_stack(stack).to_json()


@pytest.fixture(scope="module")
def configured() -> dict[str, Any]:
    """One stack with every non-default option, one repository per configuration."""
    stack = _stack()
    key = kms.Key(stack, "ImageKey", enable_key_rotation=True)
    named = ContainerRepository(
        stack,
        "Named",
        repository_name="team/api",
        mutable_tags=["latest", "dev-*"],
        keep_images=50,
        untagged_expiry=Duration.days(3),
        protected_tags=["v*"],
        encryption_key=key,
        removal_policy=RemovalPolicy.DESTROY,
        empty_on_delete=True,
        pull_accounts=["111122223333", "444455556666"],
    )
    ContainerRepository(stack, "Mutable", tag_immutability=False, scan_on_push=False)
    ContainerRepository(stack, "Unprotected", protected_tags=[])
    ContainerRepository(
        stack,
        "Raw",
        lifecycle_rules=[
            ecr.LifecycleRule(rule_priority=1, tag_prefix_list=["prod"], max_image_count=100),
            ecr.LifecycleRule(rule_priority=2, max_image_age=Duration.days(90)),
        ],
    )
    puller = iam.Role(stack, "Puller", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    pusher = iam.Role(stack, "Pusher", assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"))
    reader = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    named.grant_pull(puller)
    named.grant_push(pusher)
    named.grant_read(reader)

    topic_key = kms.Key(stack, "TopicKey", enable_key_rotation=True)
    topic = sns.Topic(stack, "Findings", master_key=topic_key, enforce_ssl=True)
    named.on_image_scan_findings("Critical", topic, minimum_severity=Severity.CRITICAL)
    queue = sqs.Queue(stack, "FindingsQueue", enforce_ssl=True)
    named.on_image_scan_findings("Medium", targets.SqsQueue(queue), minimum_severity=Severity.MEDIUM)
    return {"template": Template.from_stack(stack).to_json(), "named": named}


@pytest.fixture(scope="module")
def configured_template(configured: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = configured["template"]
    return template


@pytest.fixture(scope="module")
def registry_template() -> dict[str, Any]:
    stack = _stack(env=Environment(account="123456789012", region="us-east-1"))
    RegistryScanning(stack, "Enhanced")
    RegistryReplication(
        stack,
        "Replication",
        rules=[
            ReplicationRule(destinations=[ReplicationDestination(region="eu-west-1")]),
            ReplicationRule(
                destinations=[
                    ReplicationDestination(region="us-east-1", account="210987654321"),
                    ReplicationDestination(region="us-west-2"),
                ],
                repository_prefixes=["prod", "team/shared"],
            ),
        ],
    )
    docker = secretsmanager.Secret.from_secret_name_v2(stack, "Docker", "ecr-pullthroughcache/docker-hub")
    created = secretsmanager.Secret(stack, "Github", secret_name="ecr-pullthroughcache/github")
    PullThroughCache(
        stack,
        "Cache",
        rules=[
            PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
            PullThroughCacheRule(prefix="k8s", upstream=UpstreamRegistry.KUBERNETES),
            PullThroughCacheRule(prefix="quay", upstream=UpstreamRegistry.QUAY),
            PullThroughCacheRule(
                prefix="docker-hub", upstream=UpstreamRegistry.DOCKER_HUB, credentials=docker
            ),
            PullThroughCacheRule(prefix="ghcr", upstream=UpstreamRegistry.GITHUB, credentials=created),
            PullThroughCacheRule(prefix="gitlab", upstream=UpstreamRegistry.GITLAB, credentials=docker),
            PullThroughCacheRule(
                prefix="chainguard", upstream=UpstreamRegistry.CHAINGUARD, credentials=docker
            ),
            PullThroughCacheRule(
                prefix="azure", upstream=UpstreamRegistry.azure("myregistry"), credentials=docker
            ),
        ],
    )
    return Template.from_stack(stack).to_json()


# --------------------------------------------------------------------------- defaults


def test_a_default_repository_scans_on_push_with_immutable_tags_and_kms(
    default_template: dict[str, Any],
) -> None:
    props = _resource(default_template, "Repo", "AWS::ECR::Repository")["Properties"]
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": True}
    assert props["ImageTagMutability"] == "IMMUTABLE"
    assert "ImageTagMutabilityExclusionFilters" not in props
    assert props["EncryptionConfiguration"] == {"EncryptionType": "KMS"}  # the AWS managed key
    assert "RepositoryName" not in props
    assert "RepositoryPolicyText" not in props


def test_a_default_repository_is_retained(default_template: dict[str, Any]) -> None:
    repository = _resource(default_template, "Repo", "AWS::ECR::Repository")
    assert repository["DeletionPolicy"] == "Retain"
    assert repository["UpdateReplacePolicy"] == "Retain"
    assert "EmptyOnDelete" not in repository["Properties"]


def test_the_default_lifecycle_protects_release_tags_then_expires_untagged_then_keeps_30(
    default_template: dict[str, Any],
) -> None:
    assert _lifecycle(default_template, "Repo") == {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Keep images tagged v* (protected)",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["v*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 9999,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": "Keep images tagged release-* (protected)",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["release-*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 9999,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 3,
                "description": "Expire untagged images 7 days after push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countNumber": 7,
                    "countUnit": "days",
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 4,
                "description": "Keep the 30 most recent images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                "action": {"type": "expire"},
            },
        ]
    }


def test_the_any_rule_has_the_highest_priority_in_every_generated_policy(
    default_template: dict[str, Any], configured_template: dict[str, Any]
) -> None:
    for template, prefix in [(default_template, "Repo"), (configured_template, "Named")]:
        rules = _lifecycle(template, prefix)["rules"]
        any_rules = [r for r in rules if r["selection"]["tagStatus"] == "any"]
        assert len(any_rules) == 1
        assert any_rules[0]["rulePriority"] == max(r["rulePriority"] for r in rules)
        assert len({r["rulePriority"] for r in rules}) == len(rules)


# --------------------------------------------------------------------------- options


def test_repository_name_is_passed_through(configured_template: dict[str, Any]) -> None:
    props = _resource(configured_template, "Named", "AWS::ECR::Repository")["Properties"]
    assert props["RepositoryName"] == "team/api"


def test_mutable_tags_switch_to_immutable_with_exclusions(configured_template: dict[str, Any]) -> None:
    props = _resource(configured_template, "Named", "AWS::ECR::Repository")["Properties"]
    assert props["ImageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert props["ImageTagMutabilityExclusionFilters"] == [
        {
            "ImageTagMutabilityExclusionFilterType": "WILDCARD",
            "ImageTagMutabilityExclusionFilterValue": "latest",
        },
        {
            "ImageTagMutabilityExclusionFilterType": "WILDCARD",
            "ImageTagMutabilityExclusionFilterValue": "dev-*",
        },
    ]


def test_tag_immutability_and_scan_on_push_can_be_turned_off(configured_template: dict[str, Any]) -> None:
    props = _resource(configured_template, "Mutable", "AWS::ECR::Repository")["Properties"]
    assert props["ImageTagMutability"] == "MUTABLE"
    assert props["ImageScanningConfiguration"] == {"ScanOnPush": False}


def test_lifecycle_arguments_shape_the_generated_policy(configured_template: dict[str, Any]) -> None:
    rules = _lifecycle(configured_template, "Named")["rules"]
    assert [(r["rulePriority"], r["selection"]) for r in rules] == [
        (
            1,
            {
                "tagStatus": "tagged",
                "tagPatternList": ["v*"],
                "countType": "imageCountMoreThan",
                "countNumber": 9999,
            },
        ),
        (
            2,
            {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 3, "countUnit": "days"},
        ),
        (3, {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50}),
    ]


def test_an_empty_protected_tags_list_protects_nothing(configured_template: dict[str, Any]) -> None:
    rules = _lifecycle(configured_template, "Unprotected")["rules"]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "any"]


def test_raw_lifecycle_rules_replace_the_generated_policy(configured_template: dict[str, Any]) -> None:
    assert _lifecycle(configured_template, "Raw")["rules"] == [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["prod"],
                "countType": "imageCountMoreThan",
                "countNumber": 100,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "selection": {
                "tagStatus": "any",
                "countType": "sinceImagePushed",
                "countNumber": 90,
                "countUnit": "days",
            },
            "action": {"type": "expire"},
        },
    ]


def test_a_customer_key_encrypts_the_images(configured_template: dict[str, Any]) -> None:
    props = _resource(configured_template, "Named", "AWS::ECR::Repository")["Properties"]
    assert props["EncryptionConfiguration"]["EncryptionType"] == "KMS"
    key, attribute = props["EncryptionConfiguration"]["KmsKey"]["Fn::GetAtt"]
    assert key.startswith("ImageKey")
    assert attribute == "Arn"


def test_destroy_with_empty_on_delete_removes_the_images_too(configured_template: dict[str, Any]) -> None:
    repository = _resource(configured_template, "Named", "AWS::ECR::Repository")
    assert repository["DeletionPolicy"] == "Delete"
    assert repository["Properties"]["EmptyOnDelete"] is True


def test_pull_accounts_get_a_pull_only_policy_naming_each_account(
    configured_template: dict[str, Any],
) -> None:
    policy = _resource(configured_template, "Named", "AWS::ECR::Repository")["Properties"][
        "RepositoryPolicyText"
    ]
    assert len(policy["Statement"]) == 1
    statement = policy["Statement"][0]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == PULL_ACTIONS
    principals = statement["Principal"]["AWS"]
    assert len(principals) == 2
    rendered = json.dumps(principals)
    assert ":iam::111122223333:root" in rendered
    assert ":iam::444455556666:root" in rendered
    assert '"*"' not in json.dumps(statement["Principal"])


def test_pull_accounts_may_decrypt_with_the_customer_key(configured_template: dict[str, Any]) -> None:
    key = _resource(configured_template, "ImageKey", "AWS::KMS::Key")
    rendered = json.dumps(key["Properties"]["KeyPolicy"])
    assert ":iam::111122223333:root" in rendered
    assert ":iam::444455556666:root" in rendered


def _role_policy_statements(template: dict[str, Any], role_prefix: str) -> list[dict[str, Any]]:
    policy = _resource(template, f"{role_prefix}DefaultPolicy", "AWS::IAM::Policy")
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def test_grant_pull_allows_pulling_and_decrypting_only(configured_template: dict[str, Any]) -> None:
    statements = _role_policy_statements(configured_template, "Puller")
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert set(PULL_ACTIONS) <= actions
    assert "kms:Decrypt" in actions
    assert not any(a.startswith("ecr:Put") or a == "kms:Encrypt" for a in actions)


def test_grant_push_allows_pushing_and_encrypting(configured_template: dict[str, Any]) -> None:
    statements = _role_policy_statements(configured_template, "Pusher")
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"ecr:PutImage", "ecr:CompleteLayerUpload", "kms:Encrypt", "kms:GenerateDataKey*"} <= actions


def test_the_construct_exposes_what_users_wire_to(configured: dict[str, Any]) -> None:
    named: ContainerRepository = configured["named"]
    assert isinstance(named.repository, ecr.Repository)
    assert isinstance(named, HasRepository)
    resolve = Stack.of(named).resolve
    repository_id = _logical_id(configured_template=configured["template"], prefix="Named")
    assert resolve(named.repository_name) == {"Ref": repository_id}
    assert resolve(named.repository_arn) == {"Fn::GetAtt": [repository_id, "Arn"]}
    uri = json.dumps(resolve(named.repository_uri))
    assert ".dkr.ecr." in uri
    assert repository_id in uri
    assert resolve(named.repository_uri_for_tag("v1"))["Fn::Join"][1][-1].endswith(":v1")
    digest = "sha256:" + "0" * 64
    assert resolve(named.repository_uri_for_digest(digest))["Fn::Join"][1][-1].endswith(f"@{digest}")


def _logical_id(*, configured_template: dict[str, Any], prefix: str) -> str:
    (found,) = [
        k
        for k, v in configured_template["Resources"].items()
        if k.startswith(prefix) and v["Type"] == "AWS::ECR::Repository"
    ]
    return found


def test_grant_read_allows_describing_but_not_pulling(configured_template: dict[str, Any]) -> None:
    actions = {
        a
        for s in _role_policy_statements(configured_template, "Reader")
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "ecr:DescribeImages" in actions
    assert not actions & {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "kms:Decrypt"}


# --------------------------------------------------------------------------- scan findings


def _scan_rules(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule"]


def test_scan_findings_match_basic_and_enhanced_scan_completions(configured_template: dict[str, Any]) -> None:
    rules = _scan_rules(configured_template)
    assert len(rules) == 2
    for rule in rules:
        pattern = rule["EventPattern"]
        assert pattern["source"] == ["aws.ecr", "aws.inspector2"]
        assert pattern["detail-type"] == ["ECR Image Scan", "Inspector2 Scan"]
        assert pattern["detail"]["scan-status"] == ["COMPLETE", "INITIAL_SCAN_COMPLETE"]
        name, arn = pattern["detail"]["repository-name"]
        assert name["Ref"].startswith("NamedRepository")
        assert arn["Fn::GetAtt"][0] == name["Ref"]
        assert arn["Fn::GetAtt"][1] == "Arn"


def test_critical_findings_match_the_critical_count_alone(configured_template: dict[str, Any]) -> None:
    critical = next(r for r in _scan_rules(configured_template) if "CRITICAL or more" in r["Description"])
    assert critical["EventPattern"]["detail"]["finding-severity-counts"] == {
        "CRITICAL": [{"numeric": [">", 0]}]
    }


def test_a_minimum_severity_matches_it_and_every_higher_count(configured_template: dict[str, Any]) -> None:
    medium = next(r for r in _scan_rules(configured_template) if "MEDIUM or more" in r["Description"])
    assert medium["EventPattern"]["detail"]["finding-severity-counts"] == {
        "$or": [
            {"CRITICAL": [{"numeric": [">", 0]}]},
            {"HIGH": [{"numeric": [">", 0]}]},
            {"MEDIUM": [{"numeric": [">", 0]}]},
        ]
    }


def test_a_topic_target_gets_a_publish_policy_and_use_of_its_key(configured_template: dict[str, Any]) -> None:
    critical = next(r for r in _scan_rules(configured_template) if "CRITICAL or more" in r["Description"])
    assert critical["Targets"][0]["Arn"]["Ref"].startswith("Findings")
    topic_policy = _resource(configured_template, "FindingsPolicy", "AWS::SNS::TopicPolicy")
    statements = topic_policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Principal"] == {"Service": "events.amazonaws.com"} and s["Action"] == "sns:Publish"
        for s in statements
    )
    key_statements = _resource(configured_template, "TopicKey", "AWS::KMS::Key")["Properties"]["KeyPolicy"][
        "Statement"
    ]
    assert any(
        s.get("Principal") == {"Service": "events.amazonaws.com"}
        and set(s["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        for s in key_statements
    )


def test_only_the_findings_rule_of_this_account_may_publish_to_the_topic(
    configured_template: dict[str, Any],
) -> None:
    rule_id = next(
        logical_id
        for logical_id, resource in configured_template["Resources"].items()
        if resource["Type"] == "AWS::Events::Rule"
        and "CRITICAL or more" in resource["Properties"]["Description"]
    )
    topic_policy = _resource(configured_template, "FindingsPolicy", "AWS::SNS::TopicPolicy")
    publishes = [
        s
        for s in topic_policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Principal") == {"Service": "events.amazonaws.com"}
    ]
    assert [s["Condition"] for s in publishes] == [
        {
            "ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": [rule_id, "Arn"]}},
            "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        }
    ]


def test_any_events_target_can_receive_findings(configured_template: dict[str, Any]) -> None:
    medium = next(r for r in _scan_rules(configured_template) if "MEDIUM or more" in r["Description"])
    queue, attribute = medium["Targets"][0]["Arn"]["Fn::GetAtt"]
    assert queue.startswith("FindingsQueue")
    assert attribute == "Arn"


# --------------------------------------------------------------------------- registry


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in resources_of_type(template, resource_type).items()}


@pytest.fixture(scope="module")
def basic_scanning_template() -> dict[str, Any]:
    # One registry scanning configuration per app: a second in the same app fails synth.
    stack = _stack()
    RegistryScanning(
        stack,
        "Basic",
        scan_type=ScanType.BASIC,
        rules=[ScanningRule(frequency=ScanFrequency.SCAN_ON_PUSH, filters=["prod-*", "team/*"])],
    )
    return Template.from_stack(stack).to_json()


def test_registry_scanning_defaults_to_continuous_enhanced_scanning_of_everything(
    registry_template: dict[str, Any],
) -> None:
    configs = _of_type(registry_template, "AWS::ECR::RegistryScanningConfiguration")
    enhanced = next(v for k, v in configs.items() if k.startswith("Enhanced"))
    assert enhanced == {
        "ScanType": "ENHANCED",
        "Rules": [
            {
                "ScanFrequency": "CONTINUOUS_SCAN",
                "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}],
            }
        ],
    }


def test_registry_scanning_takes_basic_scanning_with_filters(basic_scanning_template: dict[str, Any]) -> None:
    configs = _of_type(basic_scanning_template, "AWS::ECR::RegistryScanningConfiguration")
    basic = next(v for k, v in configs.items() if k.startswith("Basic"))
    assert basic == {
        "ScanType": "BASIC",
        "Rules": [
            {
                "ScanFrequency": "SCAN_ON_PUSH",
                "RepositoryFilters": [
                    {"Filter": "prod-*", "FilterType": "WILDCARD"},
                    {"Filter": "team/*", "FilterType": "WILDCARD"},
                ],
            }
        ],
    }


def test_replication_copies_to_other_regions_and_accounts_with_prefix_filters(
    registry_template: dict[str, Any],
) -> None:
    (config,) = _of_type(registry_template, "AWS::ECR::ReplicationConfiguration").values()
    assert config["ReplicationConfiguration"]["Rules"] == [
        {"Destinations": [{"Region": "eu-west-1", "RegistryId": "123456789012"}]},
        {
            "Destinations": [
                {"Region": "us-east-1", "RegistryId": "210987654321"},
                {"Region": "us-west-2", "RegistryId": "123456789012"},
            ],
            "RepositoryFilters": [
                {"Filter": "prod", "FilterType": "PREFIX_MATCH"},
                {"Filter": "team/shared", "FilterType": "PREFIX_MATCH"},
            ],
        },
    ]


def test_pull_through_cache_rules_point_at_each_upstream(registry_template: dict[str, Any]) -> None:
    rules = _of_type(registry_template, "AWS::ECR::PullThroughCacheRule").values()
    by_prefix = {r["EcrRepositoryPrefix"]: (r["UpstreamRegistry"], r["UpstreamRegistryUrl"]) for r in rules}
    assert by_prefix == {
        "ecr-public": ("ecr-public", "public.ecr.aws"),
        "k8s": ("k8s", "registry.k8s.io"),
        "quay": ("quay", "quay.io"),
        "docker-hub": ("docker-hub", "registry-1.docker.io"),
        "ghcr": ("github-container-registry", "ghcr.io"),
        "gitlab": ("gitlab-container-registry", "registry.gitlab.com"),
        "chainguard": ("chainguard", "cgr.dev"),
        "azure": ("azure-container-registry", "myregistry.azurecr.io"),
    }


def test_only_credentialed_upstreams_get_a_secret(registry_template: dict[str, Any]) -> None:
    rules = _of_type(registry_template, "AWS::ECR::PullThroughCacheRule").values()
    with_secret = {r["EcrRepositoryPrefix"] for r in rules if "CredentialArn" in r}
    assert with_secret == {"docker-hub", "ghcr", "gitlab", "chainguard", "azure"}
    docker = next(r for r in rules if r["EcrRepositoryPrefix"] == "docker-hub")
    assert ":secret:ecr-pullthroughcache/docker-hub" in json.dumps(docker["CredentialArn"])


@pytest.fixture(scope="module")
def cache_template() -> dict[str, Any]:
    """Pull-through caches with custom template settings and without templates."""
    stack = _stack()
    PullThroughCache(
        stack,
        "Custom",
        rules=[PullThroughCacheRule(prefix="team/quay", upstream=UpstreamRegistry.QUAY)],
        keep_images=5,
        untagged_expiry=Duration.days(2),
    )
    PullThroughCache(
        stack,
        "Bare",
        rules=[PullThroughCacheRule(prefix="bare", upstream=UpstreamRegistry.QUAY)],
        repository_templates=False,
    )
    return Template.from_stack(stack).to_json()


def _templates(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["Prefix"]: p for p in _of_type(template, "AWS::ECR::RepositoryCreationTemplate").values()}


def test_each_cache_prefix_gets_a_template_for_the_repositories_the_cache_creates(
    registry_template: dict[str, Any],
) -> None:
    templates = _templates(registry_template)
    assert set(templates) == {
        "ecr-public",
        "k8s",
        "quay",
        "docker-hub",
        "ghcr",
        "gitlab",
        "chainguard",
        "azure",
    }
    for properties in templates.values():
        assert properties["AppliedFor"] == ["PULL_THROUGH_CACHE"]
        assert "CustomRoleArn" not in properties


def test_cached_repositories_are_kms_encrypted_with_the_aws_managed_key(
    registry_template: dict[str, Any],
) -> None:
    for properties in _templates(registry_template).values():
        assert properties["EncryptionConfiguration"] == {"EncryptionType": "KMS"}


def test_cached_repositories_keep_mutable_tags_so_the_cache_can_refresh_them(
    registry_template: dict[str, Any],
) -> None:
    for properties in _templates(registry_template).values():
        assert properties["ImageTagMutability"] == "MUTABLE"


def test_cached_repositories_expire_untagged_after_7_days_and_keep_30_images_by_default(
    registry_template: dict[str, Any],
) -> None:
    policy = json.loads(_templates(registry_template)["k8s"]["LifecyclePolicy"])
    assert policy == {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images 7 days after push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countNumber": 7,
                    "countUnit": "days",
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": "Keep the 30 most recent images",
                "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
                "action": {"type": "expire"},
            },
        ]
    }


def test_the_template_lifecycle_is_rendered_like_a_repositorys(
    default_template: dict[str, Any], registry_template: dict[str, Any]
) -> None:
    repository_rules = _lifecycle(default_template, "Repo")["rules"]
    template_rules = json.loads(_templates(registry_template)["quay"]["LifecyclePolicy"])["rules"]
    assert [r["selection"] for r in template_rules] == [r["selection"] for r in repository_rules[-2:]]


def test_cache_lifecycle_arguments_shape_the_template_policy(cache_template: dict[str, Any]) -> None:
    rules = json.loads(_templates(cache_template)["team/quay"]["LifecyclePolicy"])["rules"]
    assert [(r["selection"]["tagStatus"], r["selection"]["countNumber"]) for r in rules] == [
        ("untagged", 2),
        ("any", 5),
    ]


def test_repository_templates_can_be_turned_off(cache_template: dict[str, Any]) -> None:
    assert "bare" not in _templates(cache_template)
    prefixes = {
        r["EcrRepositoryPrefix"] for r in _of_type(cache_template, "AWS::ECR::PullThroughCacheRule").values()
    }
    assert prefixes == {"team/quay", "bare"}


# --------------------------------------------------------------------------- bad input


def _repo(**kwargs: Any) -> None:
    ContainerRepository(_stack(), "Repo", **kwargs)


PATH = r"ContainerRepository 'Test/Repo'"


@pytest.mark.parametrize("name", ["API", "a", "api//x", "-api", "api-", "x" * 257])
def test_an_invalid_repository_name_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match=rf"{PATH}: repository_name='{name}' is invalid: 2-256 characters"):
        _repo(repository_name=name)


def test_a_token_repository_name_is_passed_to_cloudformation_unchecked() -> None:
    stack = _stack()
    name = CfnParameter(stack, "Name").value_as_string
    ContainerRepository(stack, "Repo", repository_name=name)
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECR::Repository", {"RepositoryName": {"Ref": "Name"}}
    )


def test_keep_images_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match=rf"{PATH}: keep_images=0 is invalid: an integer >= 1"):
        _repo(keep_images=0)


def test_untagged_expiry_below_one_day_is_refused() -> None:
    with pytest.raises(ValueError, match=rf"{PATH}: untagged_expiry='0 days' is invalid: whole days"):
        _repo(untagged_expiry=Duration.days(0))


def test_more_than_five_mutable_tag_filters_are_refused() -> None:
    with pytest.raises(ValueError, match=r"mutable_tags=\['a', 'b', 'c', 'd', 'e', 'f'\] is invalid: 1 to 5"):
        _repo(mutable_tags=["a", "b", "c", "d", "e", "f"])


def test_an_empty_mutable_tag_filter_is_refused() -> None:
    with pytest.raises(ValueError, match=r"mutable_tags\[1\]='' is invalid: a non-empty filter"):
        _repo(mutable_tags=["latest", ""])


def test_mutable_tags_without_tag_immutability_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"mutable_tags=\['latest'\] is invalid: only with tag_immutability=True"
    ):
        _repo(mutable_tags=["latest"], tag_immutability=False)


def test_empty_on_delete_without_destroy_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"empty_on_delete=True is invalid: only with removal_policy=RemovalPolicy"
    ):
        _repo(empty_on_delete=True)


@pytest.mark.parametrize("account", ["12345678901", "1234567890123", "abcdefghijkl", "*"])
def test_a_pull_account_that_is_not_twelve_digits_is_refused(account: str) -> None:
    with pytest.raises(ValueError, match=rf"pull_accounts='{re.escape(account)}' is invalid: a 12-digit"):
        _repo(pull_accounts=[account])


def test_a_protected_tag_with_more_than_four_wildcards_is_refused() -> None:
    with pytest.raises(ValueError, match=r"protected_tags='a\*b\*c\*d\*e\*' is invalid"):
        _repo(protected_tags=["a*b*c*d*e*"])


def test_lifecycle_rules_cannot_be_mixed_with_the_simple_arguments() -> None:
    with pytest.raises(ValueError, match=r"keep_images=5 is invalid: not together with lifecycle_rules"):
        _repo(keep_images=5, lifecycle_rules=[ecr.LifecycleRule(max_image_count=3)])


def test_two_any_lifecycle_rules_are_refused() -> None:
    with pytest.raises(ValueError, match=r"lifecycle_rules='2 rules with TagStatus.ANY' is invalid"):
        _repo(lifecycle_rules=[ecr.LifecycleRule(max_image_count=3), ecr.LifecycleRule(max_image_count=5)])


def test_two_lifecycle_rules_with_the_same_priority_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"lifecycle_rules='rule_priority=1 on 2 rules' is invalid: a distinct rule_priority"
    ):
        _repo(
            lifecycle_rules=[
                ecr.LifecycleRule(rule_priority=1, tag_pattern_list=["a*"], max_image_count=3),
                ecr.LifecycleRule(rule_priority=1, tag_pattern_list=["b*"], max_image_count=3),
            ]
        )


def test_an_any_lifecycle_rule_before_another_rule_is_refused() -> None:
    with pytest.raises(
        ValueError,
        match=r"lifecycle_rules='TagStatus.ANY rule with rule_priority=1' is invalid: "
        r"the TagStatus.ANY rule last",
    ):
        _repo(
            lifecycle_rules=[
                ecr.LifecycleRule(rule_priority=1, max_image_count=3),
                ecr.LifecycleRule(rule_priority=2, tag_pattern_list=["v*"], max_image_count=5),
            ]
        )


@pytest.mark.parametrize("argument", ["protected_tags", "mutable_tags", "pull_accounts"])
def test_a_string_where_a_list_is_expected_is_refused(argument: str) -> None:
    # "v*" iterated as a list would protect "v" and "*" (every tagged image).
    with pytest.raises(
        ValueError, match=rf"{PATH}: {argument}='v\*' is invalid: expected a list of str, got a single"
    ):
        _repo(**{argument: "v*"})


def test_a_protected_pattern_given_twice_is_refused() -> None:
    with pytest.raises(ValueError, match=rf"{PATH}: protected_tags='v\*' is invalid: each pattern once"):
        _repo(protected_tags=["v*", "release-*", "v*"])


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"has 3 invalid arguments") as error:
        _repo(keep_images=0, untagged_expiry=Duration.days(0), repository_name="BAD")
    assert "keep_images=0" in str(error.value)
    assert "repository_name='BAD'" in str(error.value)


def _cache(*rules: PullThroughCacheRule, stack: Stack | None = None, **kwargs: Any) -> PullThroughCache:
    return PullThroughCache(stack or _stack(), "Cache", rules=list(rules), **kwargs)


@pytest.mark.parametrize("prefix", ["a", "Docker", "x" * 31, "bad//prefix", "-k8s"])
def test_an_invalid_pull_through_prefix_is_refused(prefix: str) -> None:
    with pytest.raises(
        ValueError, match=rf"PullThroughCache 'Test/Cache': rules\[0\].prefix='{prefix}' is invalid: 2-30"
    ):
        _cache(PullThroughCacheRule(prefix=prefix, upstream=UpstreamRegistry.QUAY))


def test_the_reserved_root_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match=r"rules\[0\].prefix='ROOT' is invalid: not a reserved prefix"):
        _cache(PullThroughCacheRule(prefix="ROOT", upstream=UpstreamRegistry.QUAY))


def test_a_prefix_used_twice_is_refused() -> None:
    rule = PullThroughCacheRule(prefix="quay", upstream=UpstreamRegistry.QUAY)
    with pytest.raises(
        ValueError, match=r"rules.prefix='quay' is invalid: a prefix not used by another rule"
    ):
        _cache(rule, rule)


def test_a_credentialed_upstream_without_a_secret_is_refused() -> None:
    with pytest.raises(
        ValueError,
        match=r"rules\[0\].credentials=None is invalid: a Secrets Manager secret named "
        r"'ecr-pullthroughcache/\.\.\.' for prefix 'docker-hub': "
        r"registry-1.docker.io requires authentication",
    ):
        _cache(PullThroughCacheRule(prefix="docker-hub", upstream=UpstreamRegistry.DOCKER_HUB))


def test_a_secret_outside_the_pull_through_cache_namespace_is_refused() -> None:
    stack = _stack()
    secret = secretsmanager.Secret(stack, "Secret", secret_name="dockerhub-login")
    with pytest.raises(
        ValueError, match=r"credentials='dockerhub-login' is invalid: a secret whose name starts"
    ):
        _cache(
            PullThroughCacheRule(
                prefix="docker-hub", upstream=UpstreamRegistry.DOCKER_HUB, credentials=secret
            ),
            stack=stack,
        )


def test_cache_lifecycle_arguments_without_templates_are_refused() -> None:
    with pytest.raises(ValueError, match=r"keep_images=3 is invalid: only with repository_templates=True"):
        _cache(
            PullThroughCacheRule(prefix="quay", upstream=UpstreamRegistry.QUAY),
            repository_templates=False,
            keep_images=3,
        )


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("keep_images", 0, "keep_images=0 is invalid: an integer >= 1"),
        ("untagged_expiry", Duration.hours(12), "untagged_expiry='12 hours' is invalid: whole days"),
    ],
)
def test_cache_lifecycle_values_below_one_are_refused(argument: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _cache(PullThroughCacheRule(prefix="quay", upstream=UpstreamRegistry.QUAY), **{argument: value})


def _replicate(stack: Stack, *destinations: ReplicationDestination) -> None:
    RegistryReplication(stack, "Replication", rules=[ReplicationRule(destinations=list(destinations))])


def test_replication_to_the_stacks_own_region_is_refused() -> None:
    stack = _stack(env=Environment(account="123456789012", region="eu-west-1"))
    with pytest.raises(
        ValueError,
        match=r"RegistryReplication 'Test/Replication': rules\[0\].destinations\[0\].region='eu-west-1' is "
        r"invalid: a region other than the stack's own \(eu-west-1\)",
    ):
        _replicate(stack, ReplicationDestination(region="eu-west-1"))


def test_replication_of_an_environment_agnostic_stack_skips_the_own_region_check() -> None:
    stack = _stack()
    _replicate(stack, ReplicationDestination(region="eu-west-1"))
    assert (
        len(resources_of_type(Template.from_stack(stack).to_json(), "AWS::ECR::ReplicationConfiguration"))
        == 1
    )


def test_more_than_ten_replication_rules_are_refused() -> None:
    rule = ReplicationRule(destinations=[ReplicationDestination(region="eu-west-1")])
    with pytest.raises(ValueError, match=r"rules=.* is invalid: 1 to 10 items are allowed, got 11"):
        RegistryReplication(_stack(), "Replication", rules=[rule] * 11)


def test_more_than_twenty_five_destinations_are_refused() -> None:
    destinations = [ReplicationDestination(region="eu-west-1", account=f"{n:012d}") for n in range(1, 27)]
    with pytest.raises(
        ValueError, match=r"rules.destinations=26 is invalid: at most 25 distinct destinations"
    ):
        RegistryReplication(_stack(), "Replication", rules=[ReplicationRule(destinations=destinations)])


def test_continuous_scanning_needs_enhanced_scanning() -> None:
    with pytest.raises(
        ValueError,
        match=r"rules\[0\].frequency=<ScanFrequency.CONTINUOUS_SCAN: 'CONTINUOUS_SCAN'> is invalid: "
        r"one of SCAN_ON_PUSH with scan_type=ScanType.BASIC",
    ):
        RegistryScanning(
            _stack(),
            "Scanning",
            scan_type=ScanType.BASIC,
            rules=[ScanningRule(frequency=ScanFrequency.CONTINUOUS_SCAN)],
        )
