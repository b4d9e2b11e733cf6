"""Argument validation shared by every construct in the library.

A construct collects every problem with its arguments and raises one
``ValueError`` that names the construct path, each argument, its value and what
is allowed, so a user fixes them all in one round instead of one per synth.
Values that are unresolved CDK tokens are skipped: they are only known at
deploy time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aws_cdk import Token
from constructs import Construct

__all__ = ["Problems", "construct_path", "is_int", "is_token"]

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def is_token(value: Any) -> bool:
    """Whether ``value`` is (or contains) an unresolved CDK token."""
    if isinstance(value, (list, tuple)):
        return any(is_token(v) for v in value)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return bool(Token.is_unresolved(value))
    return False


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (``bool`` is not, though Python says it is)."""
    return isinstance(value, int) and not isinstance(value, bool)


def construct_path(scope: Construct, construct_id: str) -> str:
    """The path a construct will have, usable before it is created."""
    parent = scope.node.path
    return f"{parent}/{construct_id}" if parent else construct_id


def is_dns1123_subdomain(value: str) -> bool:
    """Whether ``value`` is a valid Kubernetes object name (DNS-1123 subdomain)."""
    return len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


class Problems:
    """Collects argument problems for one construct and raises them together.

    Example:
        problems = Problems("ContainerRepository", construct_path(scope, construct_id))
        problems.check(keep_images >= 1, "keep_images", keep_images, "an integer >= 1")
        problems.raise_if_any()
    """

    def __init__(self, construct_type: str, path: str) -> None:
        self.construct_type = construct_type
        self.path = path
        self._messages: list[str] = []

    def add(self, argument: str, value: Any, allowed: str) -> None:
        """Record that ``argument=value`` is invalid; ``allowed`` says what is."""
        self._messages.append(f"{argument}={value!r} is invalid: {allowed}")

    def check(self, ok: bool, argument: str, value: Any, allowed: str) -> bool:
        """Record a problem unless ``ok``; skips unresolved tokens. Returns ``ok``."""
        if ok or is_token(value):
            return True
        self.add(argument, value, allowed)
        return False

    def extend(self, messages: Iterable[str]) -> None:
        """Add already formatted problem messages (from an options object)."""
        self._messages.extend(messages)

    @property
    def messages(self) -> list[str]:
        """The problems recorded so far."""
        return list(self._messages)

    def raise_if_any(self) -> None:
        """Raise one ``ValueError`` listing every recorded problem."""
        if not self._messages:
            return
        if len(self._messages) == 1:
            raise ValueError(f"{self.construct_type} '{self.path}': {self._messages[0]}")
        lines = "\n".join(f"  - {m}" for m in self._messages)
        raise ValueError(
            f"{self.construct_type} '{self.path}' has {len(self._messages)} invalid arguments:\n{lines}"
        )
