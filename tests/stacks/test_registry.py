"""RegistryStack: two application repositories and the registry-wide ECR settings.

checkov is not run here: its CloudFormation checks for ECR are small value
checks, and checkov itself would add ~77 packages to the test environment. The
tests below assert exactly what those checks read from every
``AWS::ECR::Repository`` of the stack:

* CKV_AWS_32  ``RepositoryPolicyText`` has no ``*`` principal;
* CKV_AWS_51  ``ImageTagMutability`` equals ``IMMUTABLE``;
* CKV_AWS_136 ``EncryptionConfiguration.EncryptionType`` is set;
* CKV_AWS_163 ``ImageScanningConfiguration.ScanOnPush`` is true.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from cdk_containers.constructs import ContainerRepository
from cdk_containers.example_app import build_example_app
from cdk_containers.stacks import RegistryStack
from cdk_containers.testing import SynthResult
from tests.conftest import make_app
from tests.support import resources_of_type

STACK = "RegistryStack"


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> dict[str, Any]:
    return example_synth.template_json(STACK)


_of_type = resources_of_type


def _repositories(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The repositories by construct id ("Api", "Worker"): their names are generated."""
    return {
        logical_id.removesuffix(logical_id[-8:]).removesuffix("Repository"): resource
        for logical_id, resource in _of_type(template, "AWS::ECR::Repository").items()
    }


def _registry_template(**context: object) -> dict[str, Any]:
    """RegistryStack as the example app builds it, with this context (no nag: it is checked above)."""
    app = make_app(**context)
    stacks = build_example_app(app, only=["RegistryStack"])
    return Template.from_stack(stacks["RegistryStack"]).to_json()


def _lifecycle(repository: dict[str, Any]) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = json.loads(
        repository["Properties"]["LifecyclePolicy"]["LifecyclePolicyText"]
    )["rules"]
    return rules


def test_registry_stack_matches_its_snapshot(example_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert example_synth.template_json(STACK) == cdk_snapshot


def test_the_stack_exposes_api_and_worker_repositories(example_stacks: dict[str, Stack]) -> None:
    registry = example_stacks[STACK]
    assert isinstance(registry, RegistryStack)
    assert isinstance(registry.api, ContainerRepository)
    assert isinstance(registry.worker, ContainerRepository)
    assert registry.repositories == [registry.api, registry.worker]


def test_it_creates_the_api_and_worker_repositories(template: dict[str, Any]) -> None:
    assert sorted(_repositories(template)) == ["Api", "Worker"]


def test_api_images_are_kept_longer_and_release_tags_never_expire(template: dict[str, Any]) -> None:
    rules = _lifecycle(_repositories(template)["Api"])
    assert [r["selection"].get("tagPatternList") for r in rules[:2]] == [["v*"], ["release-*"]]
    assert rules[2]["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countNumber": 7,
        "countUnit": "days",
    }
    assert rules[3]["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50}


def test_worker_images_turn_over_quickly_with_nothing_protected(template: dict[str, Any]) -> None:
    rules = _lifecycle(_repositories(template)["Worker"])
    assert [r["selection"] for r in rules] == [
        {"tagStatus": "untagged", "countType": "sinceImagePushed", "countNumber": 1, "countUnit": "days"},
        {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10},
    ]


def test_repositories_hold_the_properties_checkov_checks(template: dict[str, Any]) -> None:
    for name, repository in _repositories(template).items():
        props = repository["Properties"]
        statements = props.get("RepositoryPolicyText", {}).get("Statement", [])
        assert all("*" not in json.dumps(s.get("Principal", {})) for s in statements), f"CKV_AWS_32 {name}"
        assert props["ImageTagMutability"] == "IMMUTABLE", f"CKV_AWS_51 {name}"
        assert props["EncryptionConfiguration"]["EncryptionType"] == "KMS", f"CKV_AWS_136 {name}"
        assert props["ImageScanningConfiguration"]["ScanOnPush"] is True, f"CKV_AWS_163 {name}"


def test_repositories_are_retained_with_their_images(template: dict[str, Any]) -> None:
    for repository in _repositories(template).values():
        assert repository["DeletionPolicy"] == "Retain"
        assert "EmptyOnDelete" not in repository["Properties"]


def test_the_retained_repositories_have_no_fixed_names(template: dict[str, Any]) -> None:
    # Issue 11 item 3: a fixed name on a retained repository makes the deploy after
    # `cdk destroy` fail with "already exists", and a second copy of the app collide.
    for repository in _repositories(template).values():
        assert repository["DeletionPolicy"] == "Retain"
        assert "RepositoryName" not in repository["Properties"]


def test_the_account_wide_scanning_configuration_is_opt_in(template: dict[str, Any]) -> None:
    # It replaces the account's existing configuration: never by default.
    assert _of_type(template, "AWS::ECR::RegistryScanningConfiguration") == {}
    assert _of_type(template, "AWS::ECR::ReplicationConfiguration") == {}


def test_context_registry_scanning_turns_on_continuous_inspector_scanning() -> None:
    (config,) = _of_type(
        _registry_template(registry_scanning="true"), "AWS::ECR::RegistryScanningConfiguration"
    ).values()
    assert config["Properties"] == {
        "ScanType": "ENHANCED",
        "Rules": [
            {
                "ScanFrequency": "CONTINUOUS_SCAN",
                "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}],
            }
        ],
    }


def test_cache_prefixes_default_to_the_stack_name_so_a_second_copy_gets_its_own(
    template: dict[str, Any],
) -> None:
    prefixes = sorted(
        r["Properties"]["EcrRepositoryPrefix"]
        for r in _of_type(template, "AWS::ECR::PullThroughCacheRule").values()
    )
    assert prefixes == ["registrystack/ecr-public", "registrystack/k8s"]
    app = make_app()
    first = RegistryStack(app, "RegistryStack")
    second = RegistryStack(app, "RegistryStackCopy")
    assert not set(first.pull_through_cache.repository_prefixes) & set(
        second.pull_through_cache.repository_prefixes
    )


def test_context_prefix_namespaces_the_cache_prefixes_and_templates() -> None:
    template = _registry_template(prefix="team-a")
    rules = sorted(
        r["Properties"]["EcrRepositoryPrefix"]
        for r in _of_type(template, "AWS::ECR::PullThroughCacheRule").values()
    )
    assert rules == ["team-a/ecr-public", "team-a/k8s"]
    templates = sorted(
        r["Properties"]["Prefix"] for r in _of_type(template, "AWS::ECR::RepositoryCreationTemplate").values()
    )
    assert templates == rules


def test_the_stack_exposes_its_cache_prefixes_for_the_pullers(example_stacks: dict[str, Stack]) -> None:
    registry = example_stacks[STACK]
    assert isinstance(registry, RegistryStack)
    assert registry.pull_through_cache.repository_prefixes == [
        "registrystack/ecr-public",
        "registrystack/k8s",
    ]


def test_outputs_give_the_operator_the_uris_and_the_push_commands(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert {
        "ApiRepositoryUri",
        "WorkerRepositoryUri",
        "DockerLogin",
        "PushApiImage",
        "PullThroughCachePrefixes",
    } <= set(outputs)
    login = json.dumps(outputs["DockerLogin"]["Value"])
    assert "aws ecr get-login-password --region " in login
    assert "docker login --username AWS --password-stdin " in login
    push = json.dumps(outputs["PushApiImage"]["Value"])
    assert "docker push " in push
    assert "ApiRepository" in push
    assert "registrystack/ecr-public/" in json.dumps(outputs["PullThroughCachePrefixes"]["Value"])


def test_ecr_public_and_the_kubernetes_registry_are_cached_without_credentials(
    template: dict[str, Any],
) -> None:
    rules = [r["Properties"] for r in _of_type(template, "AWS::ECR::PullThroughCacheRule").values()]
    assert sorted((r["EcrRepositoryPrefix"], r["UpstreamRegistryUrl"]) for r in rules) == [
        ("registrystack/ecr-public", "public.ecr.aws"),
        ("registrystack/k8s", "registry.k8s.io"),
    ]
    assert all("CredentialArn" not in r for r in rules)


def test_scan_findings_go_to_an_ssl_only_topic_encrypted_with_a_rotating_key(
    template: dict[str, Any],
) -> None:
    ((topic_id, topic),) = _of_type(template, "AWS::SNS::Topic").items()
    ((key_id, key),) = _of_type(template, "AWS::KMS::Key").items()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert key["Properties"]["EnableKeyRotation"] is True
    assert any(
        s.get("Principal") == {"Service": "events.amazonaws.com"} and "kms:GenerateDataKey*" in s["Action"]
        for s in key["Properties"]["KeyPolicy"]["Statement"]
    )
    (policy,) = _of_type(template, "AWS::SNS::TopicPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in statements
    )
    rules = _of_type(template, "AWS::Events::Rule").values()
    assert len(rules) == 2
    for rule in rules:
        assert rule["Properties"]["Targets"][0]["Arn"] == {"Ref": topic_id}
        assert rule["Properties"]["EventPattern"]["detail"]["finding-severity-counts"] == {
            "$or": [{"CRITICAL": [{"numeric": [">", 0]}]}, {"HIGH": [{"numeric": [">", 0]}]}]
        }


def test_the_repositories_need_no_nag_acknowledgement(example_synth: SynthResult) -> None:
    acknowledged = [a for a in example_synth.acknowledgements if a.construct_path.startswith(f"{STACK}/")]
    assert acknowledged == []
