"""What every example stack shares: checks of the `Stack` props and a signature that shows them."""

from __future__ import annotations

import inspect
from typing import Any

from aws_cdk import Environment

from cdk_containers._validation import Problems

__all__ = ["check_stack_props", "show_signature"]

_STACK_NAME = r"[A-Za-z][A-Za-z0-9-]*"


def check_stack_props(
    problems: Problems,
    *,
    env: Any,
    stack_name: Any,
    description: Any,
    tags: Any,
    termination_protection: Any,
) -> None:
    """Record problems with the `aws_cdk.Stack` props every example stack passes through."""
    problems.check_type("env", env, Environment, optional=True, allowed="an aws_cdk.Environment")
    problems.check_known(
        "stack_name", stack_name, "CDK names the template and the stack's references with it"
    )
    problems.check_str(
        "stack_name",
        stack_name,
        optional=True,
        pattern=_STACK_NAME,
        max_length=128,
        allowed="1-128 letters, digits and '-', starting with a letter (CloudFormation's rule)",
    )
    problems.check_str("description", description, optional=True, max_length=1024)
    problems.check_mapping("tags", tags, str)
    problems.check_type("termination_protection", termination_protection, bool)


def show_signature(cls: type) -> None:
    """Make `inspect.signature(cls)` show the typed keyword arguments of `cls.__init__`.

    jsii's metaclass hides them behind `(*args, **kwargs)`; documentation generators and
    IDEs read `__signature__`.
    """
    init = inspect.signature(cls.__dict__["__init__"])
    cls.__signature__ = init.replace(parameters=list(init.parameters.values())[1:])  # type: ignore[attr-defined]
