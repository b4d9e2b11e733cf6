"""What every example stack shares: checks of the `Stack` props and a signature that shows them."""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Environment

from cdk_containers._validation import Problems

__all__ = ["check_stack_props", "show_signature"]

_STACK_NAME = r"[A-Za-z][A-Za-z0-9-]*"
# What an `aws_cdk.IStackSynthesizer` has (jsii's Python interfaces cannot answer `isinstance`).
_SYNTHESIZER_MEMBERS = ("bind", "synthesize", "add_file_asset", "add_docker_image_asset")


def check_stack_props(
    problems: Problems,
    *,
    env: Any,
    stack_name: Any,
    description: Any,
    tags: Any,
    termination_protection: Any,
    synthesizer: Any,
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
    if problems.check_known(
        "description", description, "CloudFormation takes a template's Description only as literal text"
    ):
        problems.check_str("description", description, optional=True, max_length=1024)
    problems.check_mapping("tags", tags, str)
    problems.check_type("termination_protection", termination_protection, bool)
    if synthesizer is not None and (
        isinstance(synthesizer, (str, bytes, int, float, Mapping, Sequence))
        or not all(hasattr(synthesizer, m) for m in _SYNTHESIZER_MEMBERS)
    ):
        problems.add(
            "synthesizer",
            synthesizer,
            "an aws_cdk.IStackSynthesizer (DefaultStackSynthesizer, CliCredentialsStackSynthesizer, "
            "LegacyStackSynthesizer, ...), or None for the app's default",
        )


def show_signature(cls: type) -> None:
    """Make `inspect.signature(cls)` show the typed keyword arguments of `cls.__init__`.

    jsii's metaclass hides them behind `(*args, **kwargs)`; documentation generators and
    IDEs read `__signature__`.
    """
    init = inspect.signature(cls.__dict__["__init__"])
    cls.__signature__ = init.replace(parameters=list(init.parameters.values())[1:])  # type: ignore[attr-defined]
