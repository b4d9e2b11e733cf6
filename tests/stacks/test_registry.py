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

from cdk_containers.constructs import ContainerRepository
from cdk_containers.stacks import RegistryStack
from cdk_containers.testing import SynthResult

STACK = "RegistryStack"


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> dict[str, Any]:
    return example_synth.template_json(STACK)


def _of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def _repositories(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["Properties"]["RepositoryName"]: v for v in _of_type(template, "AWS::ECR::Repository").values()}


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
    assert sorted(_repositories(template)) == ["cdk-containers/api", "cdk-containers/worker"]


def test_api_images_are_kept_longer_and_release_tags_never_expire(template: dict[str, Any]) -> None:
    rules = _lifecycle(_repositories(template)["cdk-containers/api"])
    assert [r["selection"].get("tagPatternList") for r in rules[:2]] == [["v*"], ["release-*"]]
    assert rules[2]["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countNumber": 7,
        "countUnit": "days",
    }
    assert rules[3]["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 50}


def test_worker_images_turn_over_quickly_with_nothing_protected(template: dict[str, Any]) -> None:
    rules = _lifecycle(_repositories(template)["cdk-containers/worker"])
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


def test_the_registry_scans_every_repository_continuously_with_inspector(template: dict[str, Any]) -> None:
    (config,) = _of_type(template, "AWS::ECR::RegistryScanningConfiguration").values()
    assert config["Properties"] == {
        "ScanType": "ENHANCED",
        "Rules": [
            {
                "ScanFrequency": "CONTINUOUS_SCAN",
                "RepositoryFilters": [{"Filter": "*", "FilterType": "WILDCARD"}],
            }
        ],
    }


def test_ecr_public_and_the_kubernetes_registry_are_cached_without_credentials(
    template: dict[str, Any],
) -> None:
    rules = [r["Properties"] for r in _of_type(template, "AWS::ECR::PullThroughCacheRule").values()]
    assert sorted((r["EcrRepositoryPrefix"], r["UpstreamRegistryUrl"]) for r in rules) == [
        ("ecr-public", "public.ecr.aws"),
        ("k8s", "registry.k8s.io"),
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
