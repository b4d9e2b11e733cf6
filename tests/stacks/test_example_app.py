"""build_example_app: what app.py builds, and building a subset of it."""

from __future__ import annotations

import pytest
from aws_cdk import Stack

from cdk_containers.example_app import build_example_app, environment_from
from tests.conftest import example_stack_names, make_app


def test_the_example_app_has_every_example_stack(example_stacks: dict[str, Stack]) -> None:
    assert list(example_stacks) == [
        "NetworkStack",
        "RegistryStack",
        "EksClusterStack",
        "AppRunnerStack",
        "ExpressServiceStack",
    ]
    # the tests parametrized over the example stacks (from a written-out list) reach each one
    assert example_stack_names() == sorted(example_stacks)


def test_the_example_stacks_are_environment_agnostic_by_default(example_stacks: dict[str, Stack]) -> None:
    for stack in example_stacks.values():
        assert stack.environment == "aws://unknown-account/unknown-region"


def test_by_default_the_app_leaves_out_app_runner_which_a_new_account_cannot_use() -> None:
    # App Runner takes no new customers since 2026-04-30: in an account that never used it, the
    # service fails to create, so a first `make deploy` (cdk deploy --all) must not include it.
    stacks = build_example_app(make_app())
    assert list(stacks) == ["NetworkStack", "RegistryStack", "EksClusterStack", "ExpressServiceStack"]
    stacks = build_example_app(make_app(app_runner="true"))
    assert "AppRunnerStack" in stacks
    stacks = build_example_app(make_app(app_runner="false"))
    assert "AppRunnerStack" not in stacks


def test_building_one_stack_builds_only_the_stacks_it_references() -> None:
    stacks = build_example_app(make_app(), only=["AppRunnerStack"])
    assert sorted(stacks) == ["AppRunnerStack", "NetworkStack"]  # no api_tag: the sample image
    stacks = build_example_app(make_app(api_tag="v1.0.0"), only=["AppRunnerStack"])
    assert sorted(stacks) == ["AppRunnerStack", "NetworkStack", "RegistryStack"]


def test_an_unknown_stack_name_is_refused_with_the_names_allowed() -> None:
    with pytest.raises(ValueError, match=r"only=\['Nope'\] is invalid: one or more of NetworkStack, "):
        build_example_app(make_app(), only=["Nope"])


def test_the_environment_comes_from_context_when_given() -> None:
    env = environment_from(make_app(account="123456789012", region="eu-west-1"))
    assert env is not None
    assert (env.account, env.region) == ("123456789012", "eu-west-1")


def test_cli_credentials_do_not_pin_the_environment_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDK_DEFAULT_ACCOUNT", "123456789012")
    monkeypatch.setenv("CDK_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("CDK_CONTAINERS_USE_DEFAULT_ENV", raising=False)
    assert environment_from(make_app()) is None
    monkeypatch.setenv("CDK_CONTAINERS_USE_DEFAULT_ENV", "1")
    env = environment_from(make_app())
    assert env is not None
    assert env.region == "us-east-1"
