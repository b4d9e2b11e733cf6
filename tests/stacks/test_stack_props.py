"""Every example stack checks the aws_cdk.Stack props it passes through, the same way."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

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


@pytest.mark.parametrize("stack", [NetworkStack, RegistryStack], ids=lambda s: s.__name__)
@pytest.mark.parametrize(("props", "message"), BAD_PROPS, ids=[next(iter(p)) for p, _ in BAD_PROPS])
def test_a_bad_stack_prop_is_refused_by_name(stack: type, props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=rf"^{stack.__name__} 'Bad': ") as caught:
        stack(make_app(), "Bad", **props)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "stack",
    [NetworkStack, RegistryStack, EksClusterStack, AppRunnerStack, ExpressServiceStack],
    ids=lambda s: s.__name__,
)
def test_every_stack_shows_its_typed_keyword_arguments(stack: type) -> None:
    parameters = inspect.signature(stack).parameters
    assert "kwargs" not in parameters
    assert {"env", "stack_name", "description", "tags", "termination_protection"} <= set(parameters)
