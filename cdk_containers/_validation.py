"""Argument validation shared by every construct in the library: the one mechanism.

A construct collects every problem with its arguments in one :class:`Problems`
and raises one ``ValueError`` that names the construct type and path, each
argument, its value and what is allowed, so a user fixes them all in one round
instead of one per synth.

The rules every check here follows:

- **Types first.** A value of the wrong kind (a string where a list is meant, a
  list where a mapping is meant, a string where a role is meant, ``None`` where a
  value is required) is reported by name, never left to fail later as an
  ``AttributeError``, a ``TypeError`` or a jsii serialization error.
- **Tokens** (values known only at deploy time, such as a ``CfnParameter``) are
  accepted wherever CloudFormation can take the value at deploy time: the check is
  skipped. Where the construct must know the value at synth (it decides which
  resources exist, or it is compared with another value), :meth:`Problems.check_known`
  refuses the token and says why.
- **Option bundles** (frozen dataclasses such as node-group options) do not raise
  themselves; the construct that uses them calls their ``_check(problems, argument)``
  so the error carries the construct's path and the argument's dotted name
  (``options.min_size``).
- Checks that can only run once the whole app is built use ``node.add_validation``;
  :func:`check_when_resolved` checks a token again at synth if it resolves to a plain value
  then (a ``Lazy.string``), where a ``CfnParameter`` stays a deploy-time reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Stack, Token
from constructs import Construct, IConstruct, IValidation

__all__ = [
    "ConstructPath",
    "Problems",
    "check_when_resolved",
    "construct_path",
    "describe",
    "is_dns1123_subdomain",
    "is_int",
    "is_list_token",
    "is_number",
    "is_token",
]

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


#: What every token's text contains: `${Token[...]}` in a string, `-1.888...e+289` where a
#: number token was turned into a string. A string with neither is never a token.
_TOKEN_MARKS = ("${Token[", "e+289")
#: Number tokens are encoded as doubles near -1.9e289; an ordinary number is never one.
_TOKEN_NUMBER_MAGNITUDE = 1e280


def _may_be_token(value: str | int | float) -> bool:
    # Most values are plain; asking aws-cdk-lib is a jsii round trip, so it is asked only when
    # the value carries a token's mark (tests/test_validation.py checks every kind of token).
    if isinstance(value, str):
        return any(mark in value for mark in _TOKEN_MARKS)
    return abs(value) >= _TOKEN_NUMBER_MAGNITUDE


def is_token(value: Any) -> bool:
    """Whether ``value`` is (or contains) an unresolved CDK token."""
    if isinstance(value, (list, tuple)):
        return any(is_token(v) for v in value)
    if isinstance(value, Mapping):
        return any(is_token(k) or is_token(v) for k, v in value.items())
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _may_be_token(value) and bool(Token.is_unresolved(value))
    return False


def is_list_token(value: Any) -> bool:
    """Whether ``value`` is a list token (a ``CfnParameter``'s ``value_as_list``).

    Its one element is an encoded string that :func:`is_token` does not recognize on its own.
    """
    return (
        isinstance(value, (list, tuple))
        and len(value) > 0
        and all(isinstance(v, str) for v in value)
        and bool(Token.is_unresolved(list(value)))
    )


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer (``bool`` is not, though Python says it is)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or a float (not a ``bool``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class ConstructPath:
    """The path a construct has (or will have), read through jsii only when it is shown.

    Every construct checks its arguments in a :class:`Problems` that names its path, and
    nearly every check passes: reading ``node.path`` eagerly would cost two jsii round trips
    per construct for a message that is never built. ``str()`` (or an f-string) reads it once.
    """

    __slots__ = ("_construct_id", "_scope", "_text")

    def __init__(self, scope: IConstruct, construct_id: str | None = None) -> None:
        self._scope = scope
        self._construct_id = construct_id
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            parent = self._scope.node.path
            if self._construct_id is None:
                self._text = parent
            else:
                self._text = f"{parent}/{self._construct_id}" if parent else str(self._construct_id)
        return self._text

    def __format__(self, format_spec: str) -> str:
        return format(str(self), format_spec)

    def __repr__(self) -> str:
        return repr(str(self))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (str, ConstructPath)):
            return str(self) == str(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))


def construct_path(scope: IConstruct, construct_id: str | None = None) -> ConstructPath:
    """The path of the construct ``construct_id`` will create in ``scope`` (usable before it is
    created), or of ``scope`` itself without an id; read only when shown (see `ConstructPath`)."""
    return ConstructPath(scope, construct_id)


def is_dns1123_subdomain(value: str) -> bool:
    """Whether ``value`` is a valid Kubernetes object name (DNS-1123 subdomain)."""
    return len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


def describe(value: Any) -> str:
    """A short description of a value's kind for error messages: ``'a str'``, ``'None'``."""
    if value is None:
        return "None"
    name = type(value).__name__
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def _type_names(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(t.__name__ for t in types)


def _is_instance(value: Any, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False
    return isinstance(value, types)


class Problems:
    """Collects argument problems for one construct and raises them together.

    Example:
        problems = Problems("ContainerRepository", construct_path(scope, construct_id))
        problems.check_int("keep_images", keep_images, minimum=1)
        problems.check_list("mutable_tags", mutable_tags, str)
        problems.raise_if_any()
    """

    def __init__(self, construct_type: str, path: str | ConstructPath) -> None:
        self.construct_type = construct_type
        self.path = path
        self._messages: list[str] = []

    # -- recording ---------------------------------------------------------------------------

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
        """Add already formatted problem messages."""
        self._messages.extend(messages)

    @property
    def messages(self) -> list[str]:
        """The problems recorded so far."""
        return list(self._messages)

    def __bool__(self) -> bool:
        return bool(self._messages)

    # -- kinds of value ----------------------------------------------------------------------

    def check_type(
        self,
        argument: str,
        value: Any,
        expected: type | tuple[type, ...],
        *,
        optional: bool = False,
        allowed: str | None = None,
    ) -> bool:
        """Record a problem unless ``value`` is an instance of ``expected``.

        ``optional`` lets ``None`` through. A ``bool`` is not an ``int`` here. Unresolved
        string and number tokens pass where ``str``, ``int`` or ``float`` is expected.
        Returns whether the value may be used as that type.
        """
        if value is None:
            if optional:
                return True
            self.add(argument, value, allowed or f"a value is required ({_type_names(expected)})")
            return False
        if _is_instance(value, expected):
            return True
        self.add(argument, value, allowed or f"expected {_type_names(expected)}, got {describe(value)}")
        return False

    def check_list(
        self,
        argument: str,
        value: Any,
        item_type: type | tuple[type, ...],
        *,
        optional: bool = True,
        min_items: int = 0,
        max_items: int | None = None,
        item_check: Callable[[Any], bool] | None = None,
        item_allowed: str | None = None,
    ) -> bool:
        """Record a problem unless ``value`` is a list (or tuple) of ``item_type``.

        A string is refused by name, never split into characters. ``item_check`` and
        ``item_allowed`` add a rule per item (tokens skip it). Returns whether the value
        is a usable sequence of the right item type (``None`` counts when ``optional``).
        """
        if value is None:
            if optional:
                return True
            self.add(argument, value, f"a list of {_type_names(item_type)} is required")
            return False
        if isinstance(value, (str, bytes)):
            self.add(
                argument,
                value,
                f"expected a list of {_type_names(item_type)}, got a single string; "
                f"wrap it in a list: [{value!r}]",
            )
            return False
        if isinstance(value, Mapping) or not isinstance(value, Sequence):
            self.add(argument, value, f"expected a list of {_type_names(item_type)}, got {describe(value)}")
            return False
        ok = True
        if len(value) < min_items or (max_items is not None and len(value) > max_items):
            bound = f"at least {min_items}" if max_items is None else f"{min_items} to {max_items}"
            self.add(argument, value, f"{bound} items are allowed, got {len(value)}")
            ok = False
        for i, item in enumerate(value):
            if not _is_instance(item, item_type):
                self.add(f"{argument}[{i}]", item, f"expected {_type_names(item_type)}, got {describe(item)}")
                ok = False
            elif item_check is not None and not is_token(item) and not item_check(item):
                self.add(f"{argument}[{i}]", item, item_allowed or "not allowed")
                ok = False
        return ok

    def check_mapping(
        self,
        argument: str,
        value: Any,
        value_type: type | tuple[type, ...] = str,
        *,
        key_type: type | tuple[type, ...] = str,
        optional: bool = True,
    ) -> bool:
        """Record a problem unless ``value`` is a mapping of ``key_type`` to ``value_type``."""
        if value is None:
            if optional:
                return True
            self.add(argument, value, "a mapping is required")
            return False
        if not isinstance(value, Mapping):
            self.add(
                argument,
                value,
                f"expected a mapping of {_type_names(key_type)} to {_type_names(value_type)}, "
                f"got {describe(value)}",
            )
            return False
        ok = True
        for key, item in value.items():
            if not _is_instance(key, key_type):
                self.add(f"{argument} key", key, f"expected {_type_names(key_type)}, got {describe(key)}")
                ok = False
            if not _is_instance(item, value_type):
                self.add(
                    f"{argument}[{key!r}]", item, f"expected {_type_names(value_type)}, got {describe(item)}"
                )
                ok = False
        return ok

    def check_int(
        self,
        argument: str,
        value: Any,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        optional: bool = False,
        allowed: str | None = None,
    ) -> bool:
        """Record a problem unless ``value`` is an integer within the bounds.

        A Number token passes (CloudFormation checks it at deploy time); use
        :meth:`check_known` first where the value must be known at synth.
        """
        if value is None and optional:
            return True
        if is_token(value) and is_number(value):
            return True
        if minimum is not None and maximum is not None:
            rule = f"an integer from {minimum} to {maximum}"
        elif minimum is not None:
            rule = f"an integer >= {minimum}"
        elif maximum is not None:
            rule = f"an integer <= {maximum}"
        else:
            rule = "an integer"
        if not is_int(value):
            self.add(argument, value, allowed or f"{rule}, got {describe(value)}")
            return False
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.add(argument, value, allowed or rule)
            return False
        return True

    def check_str(
        self,
        argument: str,
        value: Any,
        *,
        pattern: str | re.Pattern[str] | None = None,
        allowed: str | None = None,
        optional: bool = False,
        max_length: int | None = None,
    ) -> bool:
        """Record a problem unless ``value`` is a string (matching ``pattern`` if given).

        A string token passes the pattern and length rules (checked at deploy time).
        """
        if value is None and optional:
            return True
        if not self.check_type(argument, value, str):
            return False
        if is_token(value):
            return True
        if max_length is not None and len(value) > max_length:
            self.add(argument, value, allowed or f"at most {max_length} characters")
            return False
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(argument, value, allowed or f"must match {getattr(pattern, 'pattern', pattern)}")
            return False
        return True

    def check_choice(
        self, argument: str, value: Any, choices: Iterable[Any], *, optional: bool = False
    ) -> bool:
        """Record a problem unless ``value`` is one of ``choices`` (an enum's members, say).

        A token is refused: a choice among members decides what is synthesized, so it must be
        made at synth.
        """
        options = list(choices)
        if value is None and optional:
            return True
        if any(value is c or (type(value) is type(c) and value == c) for c in options):
            return True
        if not self.check_known(argument, value, "it chooses among fixed members"):
            return False
        shown = ", ".join(getattr(c, "name", None) or repr(c) for c in options)
        self.add(argument, value, f"one of {shown}")
        return False

    def check_known(self, argument: str, value: Any, why: str) -> bool:
        """Refuse an unresolved token where the value must be known at synth; ``why`` says why."""
        if is_token(value) or is_list_token(value):
            self._messages.append(
                f"{argument} is a deploy-time value (a token), but it must be known at synth: {why}"
            )
            return False
        return True

    def check_known_items(self, argument: str, value: Any, why: str) -> bool:
        """Refuse a list token (``value_as_list``) where the items must be known at synth.

        A literal list whose items are tokens passes: its length is known. ``why`` says why.
        """
        if is_list_token(value):
            self._messages.append(
                f"{argument} is a deploy-time list (a token), but its items must be known at synth: {why}"
            )
            return False
        return True

    # -- raising -----------------------------------------------------------------------------

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


@jsii.implements(IValidation)
class _WhenResolved:
    def __init__(
        self,
        construct: Construct,
        construct_type: str,
        values: Mapping[str, Any],
        check: Callable[[Problems, str, Any], object],
    ) -> None:
        self._construct = construct
        self._construct_type = construct_type
        self._values = dict(values)
        self._check = check

    def validate(self) -> list[str]:
        problems = Problems(self._construct_type, self._construct.node.path)
        stack = Stack.of(self._construct)
        for argument, value in self._values.items():
            resolved = stack.resolve(value)
            # a reference (Ref, Fn::GetAtt, ...) resolves to a mapping: CloudFormation decides
            if isinstance(resolved, (str, int, float)) and not is_token(resolved):
                self._check(problems, argument, resolved)
        return [f"{self._construct_type} '{self._construct.node.path}': {m}" for m in problems.messages]


def check_when_resolved(
    construct: Construct,
    construct_type: str,
    values: Mapping[str, Any],
    check: Callable[[Problems, str, Any], object],
) -> None:
    """Check the tokens among ``values`` (argument name to value) again when the app synthesizes.

    The checks at construction skip tokens. A token that resolves to a plain value at synth
    (a ``Lazy.string``) is checked then, by ``check(problems, argument, resolved_value)``; one
    that stays a deploy-time reference (a ``CfnParameter``, a resource attribute) is left to
    CloudFormation. Values that are not tokens are ignored (they were checked already).
    """
    tokens = {argument: value for argument, value in values.items() if is_token(value)}
    if tokens:
        construct.node.add_validation(_WhenResolved(construct, construct_type, tokens, check))
