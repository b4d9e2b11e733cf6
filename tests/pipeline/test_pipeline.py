"""DeliveryPipelineStack: the pipeline's stages, their order, its source, synth and checks."""

from __future__ import annotations

import json
import shlex
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cdk_containers.pipeline import DeliveryPipelineStack, pinned_cli_version
from cdk_containers.pipeline.checks import _PIPELINE_VARIABLES, _start_check_build_commands
from cdk_containers.testing import SynthResult
from tests.conftest import REPO_ROOT, make_app
from tests.support import resources_of_type


@pytest.fixture(scope="module")
def template_json(delivery_synth: SynthResult) -> dict[str, Any]:
    return delivery_synth.template_json("DeliveryPipeline")


@pytest.fixture(scope="module")
def template(template_json: dict[str, Any]) -> Template:
    return Template.from_json(template_json)


@pytest.fixture(scope="module")
def stages(template_json: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    (pipeline,) = resources_of_type(template_json, "AWS::CodePipeline::Pipeline").values()
    return {stage["Name"]: stage["Actions"] for stage in pipeline["Properties"]["Stages"]}


def _names(actions: list[dict[str, Any]], provider: str) -> list[str]:
    return [a["Name"] for a in actions if a["ActionTypeId"]["Provider"] == provider]


def _last_deploy(actions: list[dict[str, Any]], prefix: str = "") -> int:
    return max(
        a["RunOrder"]
        for a in actions
        if a["ActionTypeId"]["Provider"] == "CloudFormation" and a["Name"].startswith(prefix)
    )


def test_stages_run_source_build_self_update_assets_then_dev_staging_prod(
    stages: dict[str, list[dict[str, Any]]],
) -> None:
    assert list(stages) == ["Source", "Build", "UpdatePipeline", "Assets", "cdkc-dev", "cdkc-staging", "prod"]


def test_a_manual_approval_opens_the_prod_wave_before_any_deploy(
    stages: dict[str, list[dict[str, Any]]],
) -> None:
    approvals = [a for a in stages["prod"] if a["ActionTypeId"]["Category"] == "Approval"]
    assert [a["Name"] for a in approvals] == ["PromoteTo-prod"]
    others = [a["RunOrder"] for a in stages["prod"] if a["ActionTypeId"]["Category"] != "Approval"]
    assert min(others) > approvals[0]["RunOrder"]


def test_only_prod_waits_for_an_approval(stages: dict[str, list[dict[str, Any]]]) -> None:
    waiting = [name for name, actions in stages.items() if _names(actions, "Manual")]
    assert waiting == ["prod"]


def test_the_prod_wave_deploys_two_regions_in_parallel(stages: dict[str, list[dict[str, Any]]]) -> None:
    deploys = [a for a in stages["prod"] if a["ActionTypeId"]["Provider"] == "CloudFormation"]
    by_environment: dict[str, list[tuple[int, str]]] = {}
    for action in deploys:
        environment = action["Name"].split(".")[0]
        # An action without a Region runs in the pipeline's own region, eu-west-1.
        region = action.get("Region", "eu-west-1")
        by_environment.setdefault(environment, []).append((action["RunOrder"], region))
    assert sorted(by_environment) == ["cdkc-prod-eu", "cdkc-prod-us"]
    assert {region for _, region in by_environment["cdkc-prod-eu"]} == {"eu-west-1"}
    assert {region for _, region in by_environment["cdkc-prod-us"]} == {"us-east-1"}
    assert sorted(o for o, _ in by_environment["cdkc-prod-eu"]) == sorted(
        o for o, _ in by_environment["cdkc-prod-us"]
    )


def test_every_environment_is_checked_after_its_last_deploy(stages: dict[str, list[dict[str, Any]]]) -> None:
    expected = {
        "cdkc-dev": ["dev-NodesReady", "dev-ServiceHealthy"],
        "cdkc-staging": ["staging-NodesReady", "staging-ServiceHealthy"],
        "prod": [
            "cdkc-prod-eu.prod-eu-NodesReady",
            "cdkc-prod-eu.prod-eu-ServiceHealthy",
            "cdkc-prod-us.prod-us-NodesReady",
            "cdkc-prod-us.prod-us-ServiceHealthy",
        ],
    }
    for stage, checks in expected.items():
        actions = stages[stage]
        assert sorted(_names(actions, "CodeBuild")) == checks
        for check in checks:
            (action,) = [a for a in actions if a["Name"] == check]
            prefix = check.split(".")[0] if "." in check else ""
            assert action["RunOrder"] > _last_deploy(actions, prefix), check


def test_the_source_is_the_configured_codeconnections_repository(
    stages: dict[str, list[dict[str, Any]]],
) -> None:
    (source,) = stages["Source"]
    assert source["Configuration"]["ConnectionArn"].startswith(
        "arn:aws:codeconnections:eu-west-1:111111111111:"
    )
    assert source["Configuration"]["FullRepositoryId"] == "example-org/cdk-containers"
    assert source["Configuration"]["BranchName"] == "main"


def test_the_synth_step_installs_the_pinned_toolchain_and_runs_the_users_make_target(
    template: Template,
) -> None:
    template.has_resource_properties(
        "AWS::CodeBuild::Project",
        {
            "Source": {
                "BuildSpec": Match.serialized_json(
                    Match.object_like(
                        {
                            "phases": Match.object_like(
                                {
                                    "install": {
                                        "runtime-versions": {"python": "3.12", "nodejs": "20"},
                                        "commands": ["make setup"],
                                    },
                                    "build": {"commands": ["make synth-pipeline"]},
                                }
                            ),
                            "artifacts": Match.object_like({"base-directory": "cdk.out.pipeline"}),
                        }
                    )
                )
            }
        },
    )


def test_self_mutation_installs_the_cli_version_package_json_pins(template_json: dict[str, Any]) -> None:
    pinned = pinned_cli_version(REPO_ROOT / "package.json")
    specs = [
        p["Properties"]["Source"]["BuildSpec"]
        for p in resources_of_type(template_json, "AWS::CodeBuild::Project").values()
    ]
    assert any(f"npm install -g aws-cdk@{pinned}" in spec for spec in specs)


def test_artifacts_are_encrypted_with_a_rotating_key_other_accounts_can_use(template: Template) -> None:
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": Match.any_value(),
                        }
                    }
                ]
            }
        },
    )


def test_the_checks_role_may_assume_exactly_each_environment_s_invoker_role(
    template_json: dict[str, Any],
) -> None:
    (checks_role,) = [
        lid
        for lid, r in resources_of_type(template_json, "AWS::IAM::Role").items()
        if r["Properties"].get("RoleName") == "cdkc-pipeline-checks"
    ]
    statements = [
        s
        for policy in resources_of_type(template_json, "AWS::IAM::Policy").values()
        if {"Ref": checks_role} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "sts:AssumeRole"
    ]
    assert sorted(r for s in statements for r in s["Resource"]) == [
        "arn:aws:iam::222222222222:role/cdkc-dev-check-invoker",
        "arn:aws:iam::333333333333:role/cdkc-staging-check-invoker",
        "arn:aws:iam::444444444444:role/cdkc-prod-eu-check-invoker",
        "arn:aws:iam::444444444444:role/cdkc-prod-us-check-invoker",
    ]


def _check_projects(template_json: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The pipeline's in-VPC check step projects (logical id, properties), by the project they start."""
    found = {}
    for logical_id, project in resources_of_type(template_json, "AWS::CodeBuild::Project").items():
        environment = project["Properties"]["Environment"].get("EnvironmentVariables", [])
        variables = {v["Name"]: v["Value"] for v in environment}
        if "CHECK_PROJECT" in variables:
            found[variables["CHECK_PROJECT"]] = (logical_id, project["Properties"])
    return found


def test_the_in_vpc_checks_start_their_build_as_the_invoker_and_fail_unless_it_succeeded(
    template_json: dict[str, Any],
) -> None:
    projects = _check_projects(template_json)
    # Nodes in every environment (all run EKS), the internal service where Express Mode runs.
    assert sorted(projects) == [
        "cdkc-dev-nodes-ready",
        "cdkc-prod-eu-nodes-ready",
        "cdkc-prod-eu-service-healthy",
        "cdkc-prod-us-nodes-ready",
        "cdkc-prod-us-service-healthy",
        "cdkc-staging-nodes-ready",
        "cdkc-staging-service-healthy",
    ]
    for spec in (p["Source"]["BuildSpec"] for _, p in projects.values()):
        assert "credential_source EcsContainer" in spec
        assert "codebuild start-build" in spec
        assert 'test \\"$status\\" = SUCCEEDED' in spec


def _start_build_options(build_spec: str) -> list[tuple[str, list[str]]]:
    """The options of the one `codebuild start-build` call in a build spec, with their values."""
    commands = [c for phase in json.loads(build_spec)["phases"].values() for c in phase["commands"]]
    (command,) = [c for c in commands if "codebuild start-build" in c]
    # build=$(aws ... start-build ... --output text): the call is what the substitution runs
    words = shlex.split(command.split("$(", 1)[1].rsplit(")", 1)[0])
    assert words[:5] == ["aws", "--profile", "target", "codebuild", "start-build"], words
    options: list[tuple[str, list[str]]] = []
    for word in words[5:]:
        if word.startswith("--"):
            options.append((word, []))
        else:
            options[-1][1].append(word)
    return options


def test_the_in_vpc_checks_start_their_build_with_no_override_but_the_service_url(
    template_json: dict[str, Any],
) -> None:
    for name, (_, project) in _check_projects(template_json).items():
        options = dict(_start_build_options(project["Source"]["BuildSpec"]))
        assert options.pop("--project-name") == ["$CHECK_PROJECT"]
        assert options.pop("--query") == ["build.id"]
        assert options.pop("--output") == ["text"]
        if name.endswith("-service-healthy"):
            # the one override the invoker's policy lets through (an https:// SERVICE_URL)
            assert options.pop("--environment-variables-override") == [
                "name=SERVICE_URL,value=$SERVICE_URL,type=PLAINTEXT"
            ]
            assert set(_PIPELINE_VARIABLES) == {"SERVICE_URL"}
        assert options == {}, f"{name} passes {sorted(options)} to start-build"


def test_the_runner_refuses_to_pass_a_variable_the_invoker_may_not() -> None:
    with pytest.raises(ValueError, match=r"variables=\['IMAGE'\] are not in _PIPELINE_VARIABLES"):
        _start_check_build_commands("SERVICE_URL", "IMAGE")


def test_the_service_check_requests_the_url_the_deployed_stack_outputs(
    stages: dict[str, list[dict[str, Any]]], template_json: dict[str, Any]
) -> None:
    (check,) = [a for a in stages["cdkc-dev"] if a["Name"] == "dev-ServiceHealthy"]
    (apprunner,) = [a for a in stages["cdkc-dev"] if a["Name"] == "apprunner.Deploy"]
    variables = json.loads(check["Configuration"]["EnvironmentVariables"])
    assert variables == [
        {"name": "SERVICE_URL", "type": "PLAINTEXT", "value": f"#{{{apprunner['Namespace']}.ServiceUrl}}"}
    ]
    logical_id = check["Configuration"]["ProjectName"]["Ref"]
    project = template_json["Resources"][logical_id]["Properties"]
    spec = project["Source"]["BuildSpec"]
    # Public App Runner URL: requested from the pipeline account, no VPC and no role to assume.
    assert "curl --fail" in spec
    assert "${SERVICE_URL%/}${HEALTH_CHECK_PATH}" in spec
    assert "start-build" not in spec
    assert "VpcConfig" not in project


@pytest.mark.parametrize(
    ("stage", "action", "environment"),
    [
        ("cdkc-staging", "staging-ServiceHealthy", "staging"),
        ("prod", "cdkc-prod-eu.prod-eu-ServiceHealthy", "prod-eu"),
        ("prod", "cdkc-prod-us.prod-us-ServiceHealthy", "prod-us"),
    ],
)
def test_an_express_service_is_checked_from_inside_its_vpc_at_the_url_its_stack_outputs(
    stages: dict[str, list[dict[str, Any]]],
    template_json: dict[str, Any],
    stage: str,
    action: str,
    environment: str,
) -> None:
    actions = stages[stage]
    (check,) = [a for a in actions if a["Name"] == action]
    prefix = f"cdkc-{environment}." if stage == "prod" else ""
    (express,) = [a for a in actions if a["Name"] == f"{prefix}expressservice.Deploy"]
    assert express["Configuration"]["StackName"] == f"cdkc-{environment}-expressservice"
    variables = json.loads(check["Configuration"]["EnvironmentVariables"])
    assert variables == [
        {"name": "SERVICE_URL", "type": "PLAINTEXT", "value": f"#{{{express['Namespace']}.ServiceUrl}}"}
    ]
    logical_id, project = _check_projects(template_json)[f"cdkc-{environment}-service-healthy"]
    assert check["Configuration"]["ProjectName"] == {"Ref": logical_id}
    spec = project["Source"]["BuildSpec"]
    # The pipeline account cannot reach an internal endpoint: it hands the URL to the in-VPC build.
    assert "curl" not in spec
    assert '--environment-variables-override \\"name=SERVICE_URL,value=$SERVICE_URL,type=PLAINTEXT\\"' in spec


def test_codebuild_logs_go_to_one_encrypted_log_group_kept_a_year(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 365, "KmsKeyId": Match.any_value()}
    )
    projects = template.find_resources("AWS::CodeBuild::Project")
    for logical_id, project in projects.items():
        assert project["Properties"]["LogsConfig"]["CloudWatchLogs"]["Status"] == "ENABLED", logical_id


def test_pipeline_stack_is_economical(template_json: dict[str, Any]) -> None:
    types = [r["Type"] for r in template_json["Resources"].values()]
    assert "AWS::Lambda::Function" not in types
    assert not any(t.startswith("Custom::") for t in types)
    # synth, self-mutation, one project for every file asset, and one per check step (4 nodes, 4 service)
    assert types.count("AWS::CodeBuild::Project") == 3 + 8


def test_the_pipeline_stack_refuses_a_bad_cli_version_and_a_mapping_for_the_config() -> None:
    with pytest.raises(ValueError, match=r"has 2 invalid arguments") as caught:
        DeliveryPipelineStack(make_app(), "DeliveryPipeline", config={}, cli_version="latest")  # type: ignore[arg-type]
    assert "config={} is invalid: expected PlatformConfig, got a dict" in str(caught.value)
    assert "cli_version='latest' is invalid: a version like 2.1148.1" in str(caught.value)
