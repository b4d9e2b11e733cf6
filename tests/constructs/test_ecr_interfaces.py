"""ContainerRepository where aws-cdk-lib expects an ecr.IRepository, imports, alerts, caches, singletons."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Environment, Stack, Stage
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Match, Template

from cdk_containers.constructs.ecr import (
    ContainerRepository,
    ContainerRepositoryBase,
    PullThroughCache,
    PullThroughCacheRule,
    RegistryReplication,
    RegistryScanning,
    ReplicationDestination,
    ReplicationRule,
    Severity,
    UpstreamRegistry,
)
from tests.conftest import make_app
from tests.support import make_stack, resources_of_type

# Sorted: the feature flag @aws-cdk/aws-iam:minimizePolicies sorts merged actions.
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


@pytest.fixture(scope="module")
def consumers() -> Template:
    """A ContainerRepository with a customer key handed to ECS and Lambda as an ecr.IRepository."""
    stack = make_stack()
    key = kms.Key(stack, "ImageKey", enable_key_rotation=True)
    repo = ContainerRepository(stack, "Api", encryption_key=key)
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("app", image=ecs.ContainerImage.from_ecr_repository(repo, "v1"))
    lambda_.DockerImageFunction(stack, "Fn", code=lambda_.DockerImageCode.from_ecr(repo, tag_or_digest="v1"))
    return Template.from_stack(stack)


def test_ecs_takes_a_container_repository_and_its_pull_grant_covers_the_key(consumers: Template) -> None:
    consumers.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^TaskExecutionRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": PULL,
                                "Resource": {
                                    "Fn::GetAtt": [Match.string_like_regexp("^ApiRepository"), "Arn"]
                                },
                            }
                        ),
                        Match.object_like(
                            {
                                "Action": "kms:Decrypt",
                                "Resource": {"Fn::GetAtt": [Match.string_like_regexp("^ImageKey"), "Arn"]},
                            }
                        ),
                    ]
                )
            },
        },
    )


def test_ecs_renders_the_image_uri_of_a_container_repository(consumers: Template) -> None:
    (task,) = consumers.find_resources("AWS::ECS::TaskDefinition").values()
    image = json.dumps(task["Properties"]["ContainerDefinitions"][0]["Image"])
    assert "ApiRepository" in image
    assert ":v1" in image


def test_lambda_takes_a_container_repository_as_its_image_source(consumers: Template) -> None:
    consumers.has_resource_properties(
        "AWS::Lambda::Function",
        {"PackageType": "Image", "Code": {"ImageUri": Match.object_like({"Fn::Join": Match.any_value()})}},
    )
    consumers.has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryPolicyText": {
                "Statement": Match.array_with(
                    [Match.object_like({"Action": PULL, "Principal": {"Service": "lambda.amazonaws.com"}})]
                )
            }
        },
    )


def test_a_container_repository_is_an_aws_cdk_repository_base() -> None:
    repo = ContainerRepository(make_stack(), "Api")
    assert isinstance(repo, ecr.RepositoryBase)
    assert isinstance(repo.repository, ecr.Repository)


def test_grant_pull_to_an_account_principal_adds_a_repository_policy_statement() -> None:
    stack = make_stack()
    repo = ContainerRepository(stack, "Api")
    repo.grant_pull(iam.AccountPrincipal("111122223333"))
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECR::Repository",
        {
            "RepositoryPolicyText": {
                "Statement": [
                    {
                        "Action": PULL,
                        "Effect": "Allow",
                        "Principal": {
                            "AWS": {
                                "Fn::Join": [
                                    "",
                                    ["arn:", {"Ref": "AWS::Partition"}, ":iam::111122223333:root"],
                                ]
                            }
                        },
                    }
                ],
                "Version": "2012-10-17",
            }
        },
    )


# --------------------------------------------------------------------------- imports


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    stack = make_stack(env=Environment(account="123456789012", region="eu-west-1"))
    by_name = ContainerRepository.from_repository_name(stack, "ByName", "team/api")
    key = kms.Key.from_key_arn(stack, "Key", "arn:aws:kms:eu-west-1:210987654321:key/abcd")
    other = ContainerRepository.from_repository_attributes(
        stack,
        "Other",
        repository_name="shared/base",
        repository_arn="arn:aws:ecr:eu-west-1:210987654321:repository/shared/base",
        encryption_key=key,
    )
    role = iam.Role(stack, "Puller", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    by_name.grant_pull(role)
    other.grant_pull(role)
    queue = sqs.Queue(stack, "Alerts", enforce_ssl=True)
    by_name.on_image_scan_findings("Findings", targets.SqsQueue(queue), minimum_severity=Severity.CRITICAL)
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("app", image=ecs.ContainerImage.from_ecr_repository(by_name, "v1"))
    return {"template": Template.from_stack(stack), "by_name": by_name}


def test_an_imported_repository_is_a_container_repository_base(imported: dict[str, Any]) -> None:
    assert isinstance(imported["by_name"], ContainerRepositoryBase)
    assert imported["by_name"].repository is imported["by_name"]


def test_an_imported_repository_gets_identity_grants_on_its_arn(imported: dict[str, Any]) -> None:
    imported["template"].has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("^Puller")}],
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Action": PULL,
                                "Resource": [
                                    "arn:aws:ecr:eu-west-1:123456789012:repository/team/api",
                                    "arn:aws:ecr:eu-west-1:210987654321:repository/shared/base",
                                ],
                            }
                        ),
                        Match.object_like(
                            {
                                "Action": "kms:Decrypt",
                                "Resource": "arn:aws:kms:eu-west-1:210987654321:key/abcd",
                            }
                        ),
                    ]
                )
            },
        },
    )


def test_an_imported_repository_can_alert_on_scan_findings(imported: dict[str, Any]) -> None:
    imported["template"].has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": {"detail": Match.object_like({"repository-name": ["team/api", Match.any_value()]})}},
    )


def test_an_imported_repository_creates_no_repository(imported: dict[str, Any]) -> None:
    imported["template"].resource_count_is("AWS::ECR::Repository", 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repository_name": "API"}, r"repository_name='API' is invalid: 2-256 characters"),
        ({"repository_arn": "team/api"}, r"repository_arn='team/api' is invalid: an ECR repository ARN"),
        (
            {"encryption_key": "arn:aws:kms:eu-west-1:1:key/x"},
            r"encryption_key=.* is invalid: a kms.IKey, got a str",
        ),
    ],
)
def test_an_import_with_bad_attributes_is_refused(kwargs: dict[str, Any], message: str) -> None:
    attributes: dict[str, Any] = {
        "repository_name": "team/api",
        "repository_arn": "arn:aws:ecr:eu-west-1:123456789012:repository/team/api",
        **kwargs,
    }
    with pytest.raises(
        ValueError, match=rf"ContainerRepository.from_repository_attributes 'Test/Repo': {message}"
    ):
        ContainerRepository.from_repository_attributes(make_stack(), "Repo", **attributes)


# --------------------------------------------------------------------------- alerts


def test_scan_finding_rule_ids_come_from_the_caller_so_reordering_keeps_them() -> None:
    def logical_ids(order: list[str]) -> set[str]:
        stack = make_stack()
        repo = ContainerRepository(stack, "Api")
        queue = sqs.Queue(stack, "Queue", enforce_ssl=True)
        for name in order:
            repo.on_image_scan_findings(
                name, targets.SqsQueue(queue), minimum_severity=Severity[name.upper()]
            )
        return set(resources_of_type(Template.from_stack(stack).to_json(), "AWS::Events::Rule"))

    assert logical_ids(["High", "Critical"]) == logical_ids(["Critical", "High"])


def test_a_rule_id_used_twice_is_refused() -> None:
    stack = make_stack()
    repo = ContainerRepository(stack, "Api")
    queue = sqs.Queue(stack, "Queue")
    repo.on_image_scan_findings("Findings", targets.SqsQueue(queue))
    with pytest.raises(
        ValueError, match=r"construct_id='Findings' is invalid: an id not used by another child"
    ):
        repo.on_image_scan_findings("Findings", targets.SqsQueue(queue))


# --------------------------------------------------------------------------- pull-through grants


@pytest.fixture(scope="module")
def pull_through() -> dict[str, Any]:
    stack = make_stack()
    cache = PullThroughCache(
        stack,
        "Cache",
        rules=[
            PullThroughCacheRule(prefix="team/ecr-public", upstream=UpstreamRegistry.ECR_PUBLIC),
            PullThroughCacheRule(prefix="team/k8s", upstream=UpstreamRegistry.KUBERNETES),
        ],
    )
    role = iam.Role(stack, "Node", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"))
    grant = cache.grant_pull_through(role)
    return {"template": Template.from_stack(stack), "cache": cache, "grant": grant}


def test_the_cache_lists_one_repository_prefix_per_rule(pull_through: dict[str, Any]) -> None:
    assert pull_through["cache"].repository_prefixes == ["team/ecr-public", "team/k8s"]


def test_grant_pull_through_lets_the_puller_create_the_cached_repository_under_the_prefixes_only(
    pull_through: dict[str, Any],
) -> None:
    def arn(prefix: str) -> dict[str, Any]:
        return {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":ecr:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    f":repository/{prefix}/*",
                ],
            ]
        }

    assert pull_through["grant"].success
    pull_through["template"].has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": sorted(["ecr:CreateRepository", "ecr:BatchImportUpstreamImage", *PULL]),
                        "Effect": "Allow",
                        "Resource": [arn("team/ecr-public"), arn("team/k8s")],
                    }
                ]
            }
        },
    )


# --------------------------------------------------------------------------- account-wide singletons


def test_two_registry_scannings_in_one_app_fail_synth() -> None:
    app = make_app()
    RegistryScanning(Stack(app, "One"), "Scanning")
    RegistryScanning(Stack(app, "Two"), "Scanning")
    with pytest.raises(
        Exception, match=r"another RegistryScanning in this app may deploy to the same account"
    ):
        app.synth()


def test_two_replications_in_one_stage_fail_synth() -> None:
    app = make_app()
    stage = Stage(app, "Prod")
    rules = [ReplicationRule(destinations=[ReplicationDestination(region="eu-west-1")])]
    RegistryReplication(Stack(stage, "One"), "Replication", rules=rules)
    RegistryReplication(Stack(stage, "Two"), "Replication", rules=rules)
    with pytest.raises(
        Exception, match=r"AWS::ECR::ReplicationConfiguration exists once per account and region"
    ):
        app.synth()


def test_two_registry_scannings_in_two_environment_agnostic_stages_fail_synth() -> None:
    app = make_app()
    RegistryScanning(Stack(Stage(app, "Dev"), "Registry"), "Scanning")
    RegistryScanning(Stack(Stage(app, "Prod"), "Registry"), "Scanning")
    with pytest.raises(
        Exception, match=r"RegistryScanning 'Dev/Registry/Scanning': another RegistryScanning"
    ):
        app.synth()


def test_registry_scannings_in_stages_of_different_accounts_may_coexist() -> None:
    app = make_app()
    for name, account in (("Dev", "111111111111"), ("Prod", "222222222222")):
        stage = Stage(app, name, env=Environment(account=account, region="eu-west-1"))
        RegistryScanning(Stack(stage, "Registry"), "Scanning")
    assert app.synth()


def test_registry_scannings_in_different_explicit_regions_may_coexist() -> None:
    app = make_app()
    RegistryScanning(
        Stack(app, "One", env=Environment(account="123456789012", region="eu-west-1")), "Scanning"
    )
    RegistryScanning(
        Stack(app, "Two", env=Environment(account="123456789012", region="us-east-1")), "Scanning"
    )
    assembly = app.synth()
    assert len(assembly.stacks) == 2


# --------------------------------------------------------------------------- cdk-nag, as docs/ecr.md shows it


def _grant_pull_app(*, acknowledge: bool) -> Any:
    from aws_cdk import Acknowledgment, Validations
    from cdk_nag import AwsSolutionsChecks

    app = make_app()
    stack = Stack(app, "App")
    repo = ContainerRepository(stack, "Api")
    role = iam.Role(stack, "TaskRole", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    repo.grant_pull(role)
    if acknowledge:
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM5[Resource::*]",
                reason="ecr:GetAuthorizationToken supports no resource-level permission; grant_pull adds it "
                "on * and scopes every image action to the one repository",
            )
        )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def test_grant_pull_causes_the_iam5_finding_the_docs_name() -> None:
    with pytest.raises(Exception, match=r"AwsSolutions-IAM5\[Resource::\*\]"):
        _grant_pull_app(acknowledge=False).synth()


def test_the_documented_acknowledgement_clears_grant_pulls_iam5() -> None:
    assert _grant_pull_app(acknowledge=True).synth().get_stack_by_name("App")
