"""build_example_app: what app.py builds, and building a subset of it."""

from __future__ import annotations

import pytest
from aws_cdk import CfnResource, Stack

from cdk_containers.example_app import _context_flag, build_example_app, environment_from
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


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), (" True ", True), (True, True), ("false", False), (False, False)],
)
def test_a_yes_no_context_value_is_read_as_the_cli_or_cdk_json_give_it(value: object, expected: bool) -> None:
    assert _context_flag(make_app(app_runner=value), "app_runner") is expected


def test_an_absent_yes_no_context_value_is_false() -> None:
    assert _context_flag(make_app(), "app_runner") is False


@pytest.mark.parametrize("key", ["app_runner", "registry_scanning"])
@pytest.mark.parametrize("value", ["yes", "1", "", "ture", 1, ["true"]])
def test_a_misspelt_yes_no_context_value_is_refused_before_a_stack_is_built(key: str, value: object) -> None:
    # read as false, `-c app_runner=yes` would silently leave the stack out
    app = make_app(**{key: value})
    with pytest.raises(ValueError, match=rf"^build_example_app: context {key}=") as caught:
        build_example_app(app)
    assert str(caught.value) == (
        f"build_example_app: context {key}={value!r} is invalid: true or false "
        f"(cdk synth -c {key}=true), or leave it out for false"
    )
    assert app.node.children == []


def test_registry_scanning_from_context_reaches_the_registry_stack() -> None:
    stacks = build_example_app(make_app(registry_scanning="true"), only=["RegistryStack"])
    assert "AWS::ECR::RegistryScanningConfiguration" in _types(stacks["RegistryStack"])
    stacks = build_example_app(make_app(registry_scanning="false"), only=["RegistryStack"])
    assert "AWS::ECR::RegistryScanningConfiguration" not in _types(stacks["RegistryStack"])


def _types(stack: Stack) -> set[str]:
    return {c.cfn_resource_type for c in stack.node.find_all() if isinstance(c, CfnResource)}


def test_the_stacks_context_picks_the_stacks_and_names_the_unknown_ones() -> None:
    stacks = build_example_app(make_app(stacks=" RegistryStack , NetworkStack"))
    assert sorted(stacks) == ["NetworkStack", "RegistryStack"]
    with pytest.raises(ValueError, match=r"^build_example_app: context stacks=") as caught:
        build_example_app(make_app(stacks="RegistryStack,EksCluster"))
    assert str(caught.value) == (
        "build_example_app: context stacks='RegistryStack,EksCluster' is invalid: one or more of "
        "NetworkStack, RegistryStack, EksClusterStack, AppRunnerStack, ExpressServiceStack "
        "(unknown: 'EksCluster')"
    )


def test_one_stack_name_as_a_string_is_refused_rather_than_split_into_letters() -> None:
    with pytest.raises(ValueError, match=r"only='NetworkStack' is invalid: a list of stack names"):
        build_example_app(make_app(), only="NetworkStack")
