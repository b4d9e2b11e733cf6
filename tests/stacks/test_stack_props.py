"""Every example stack checks the aws_cdk.Stack props it passes through, the same way."""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, DefaultStackSynthesizer, Stack, cx_api
from aws_cdk import aws_ec2 as ec2

from cdk_containers.stacks import (
    AppRunnerStack,
    EksClusterStack,
    ExpressServiceStack,
    NetworkStack,
    RegistryStack,
)
from tests.conftest import make_app

BAD_PROPS = [
    ({"stack_name": "1-starts-with-a-digit"}, "stack_name='1-starts-with-a-digit' is invalid: 1-128 letters"),
    (
        {"tags": [("team", "a")]},
        "tags=[('team', 'a')] is invalid: expected a mapping of str to str, got a list",
    ),
    ({"termination_protection": "yes"}, "termination_protection='yes' is invalid: expected bool, got a str"),
    ({"env": "eu-west-1"}, "env='eu-west-1' is invalid: an aws_cdk.Environment"),
    ({"description": 7}, "description=7 is invalid: expected str, got an int"),
]


ALL_STACKS = [NetworkStack, RegistryStack, EksClusterStack, AppRunnerStack, ExpressServiceStack]

BAD_SYNTHESIZERS = [
    ({"key": "value"}, "synthesizer={'key': 'value'} is invalid: an aws_cdk.IStackSynthesizer"),
    (
        "DefaultStackSynthesizer",
        "synthesizer='DefaultStackSynthesizer' is invalid: an aws_cdk.IStackSynthesizer",
    ),
]


@pytest.fixture(scope="module")
def app_with_vpc() -> tuple[App, ec2.IVpc]:
    """One app for every refused stack: each is refused before it is created, so "Bad" stays free."""
    app = make_app()
    return app, NetworkStack(app, "Net").vpc


def _refused(stack: type, app_with_vpc: tuple[App, ec2.IVpc], **props: Any) -> str:
    app, vpc = app_with_vpc
    required = {} if stack in (NetworkStack, RegistryStack) else {"vpc": vpc}
    with pytest.raises(ValueError, match=rf"^{stack.__name__} 'Bad': ") as caught:
        stack(app, "Bad", **required, **props)
    return str(caught.value)


@pytest.mark.parametrize("stack", ALL_STACKS, ids=lambda s: s.__name__)
@pytest.mark.parametrize(("props", "message"), BAD_PROPS, ids=[next(iter(p)) for p, _ in BAD_PROPS])
def test_a_bad_stack_prop_is_refused_by_name(
    stack: type, props: dict[str, Any], message: str, app_with_vpc: tuple[App, ec2.IVpc]
) -> None:
    assert message in _refused(stack, app_with_vpc, **props)


@pytest.mark.parametrize("stack", ALL_STACKS, ids=lambda s: s.__name__)
def test_a_deploy_time_description_is_refused_with_the_reason(
    stack: type, app_with_vpc: tuple[App, ec2.IVpc]
) -> None:
    description = CfnParameter(Stack(app_with_vpc[0], f"Params{stack.__name__}"), "P").value_as_string
    message = _refused(stack, app_with_vpc, description=description)
    assert (
        "description is a deploy-time value (a token), but it must be known at synth: CloudFormation "
        "takes a template's Description only as literal text"
    ) in message


@pytest.mark.parametrize("stack", ALL_STACKS, ids=lambda s: s.__name__)
@pytest.mark.parametrize(("synthesizer", "message"), BAD_SYNTHESIZERS, ids=["mapping", "name"])
def test_a_bad_synthesizer_is_refused_by_name(
    stack: type, synthesizer: Any, message: str, app_with_vpc: tuple[App, ec2.IVpc]
) -> None:
    assert message in _refused(stack, app_with_vpc, synthesizer=synthesizer)


#: The qualifier of an environment bootstrapped with `cdk bootstrap --qualifier custom1`.
CUSTOM_QUALIFIER = "custom1"
#: The qualifier of a plain `cdk bootstrap`, which a stack must not fall back to.
DEFAULT_QUALIFIER = DefaultStackSynthesizer.DEFAULT_QUALIFIER


@pytest.fixture(scope="module")
def custom_qualifier_assembly() -> cx_api.CloudAssembly:
    """Every example stack, each with a `DefaultStackSynthesizer` of qualifier custom1, synthesized once."""
    app = make_app()

    def custom() -> DefaultStackSynthesizer:  # a synthesizer binds to one stack only
        return DefaultStackSynthesizer(qualifier=CUSTOM_QUALIFIER)

    vpc = NetworkStack(app, "NetworkStack", synthesizer=custom()).vpc
    RegistryStack(app, "RegistryStack", synthesizer=custom())
    for stack in (EksClusterStack, AppRunnerStack, ExpressServiceStack):
        stack(app, stack.__name__, vpc=vpc, synthesizer=custom())
    return app.synth()


@pytest.mark.parametrize("stack", ALL_STACKS, ids=lambda s: s.__name__)
def test_a_stack_deploys_with_the_bootstrap_resources_of_its_synthesizers_qualifier(
    stack: type, custom_qualifier_assembly: cx_api.CloudAssembly
) -> None:
    # Read from the cloud assembly on disk, as the CDK CLI reads it when it deploys.
    directory = Path(custom_qualifier_assembly.directory)
    artifacts = json.loads((directory / "manifest.json").read_text())["artifacts"]
    artifact = artifacts[stack.__name__]
    properties = artifact["properties"]
    template = json.loads((directory / properties["templateFile"]).read_text())
    version = f"/cdk-bootstrap/{CUSTOM_QUALIFIER}/version"
    assert template["Parameters"]["BootstrapVersion"]["Default"] == version
    assert properties["bootstrapStackVersionSsmParameter"] == version
    assert f"cdk-{CUSTOM_QUALIFIER}-deploy-role-" in properties["assumeRoleArn"]
    assert f"cdk-{CUSTOM_QUALIFIER}-cfn-exec-role-" in properties["cloudFormationExecutionRoleArn"]
    # The template and every asset (Lambda code, kubectl layers) are published to the custom
    # bucket, and nothing is left pointing at a plain bootstrap's bucket, repository or roles.
    (assets,) = [
        json.loads((directory / artifacts[d]["properties"]["file"]).read_text())
        for d in artifact["dependencies"]
        if artifacts[d]["type"] == "cdk:asset-manifest"
    ]
    buckets = {d["bucketName"] for a in assets["files"].values() for d in a["destinations"].values()}
    assert buckets == {f"cdk-{CUSTOM_QUALIFIER}-assets-${{AWS::AccountId}}-${{AWS::Region}}"}
    assert DEFAULT_QUALIFIER not in json.dumps([template, properties, assets])


@pytest.mark.parametrize("stack", ALL_STACKS, ids=lambda s: s.__name__)
def test_every_stack_shows_its_typed_keyword_arguments(stack: type) -> None:
    parameters = inspect.signature(stack).parameters
    assert "kwargs" not in parameters
    assert {"env", "stack_name", "description", "tags", "termination_protection", "synthesizer"} <= set(
        parameters
    )
