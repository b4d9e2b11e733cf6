"""The one validation mechanism every construct uses (cdk_containers._validation)."""

from __future__ import annotations

from typing import Any

import jsii
import pytest
from aws_cdk import (
    App,
    Aws,
    CfnParameter,
    CfnWaitConditionHandle,
    Fn,
    IStableNumberProducer,
    IStableStringProducer,
    Lazy,
    Stack,
    Token,
)
from constructs import Construct

from cdk_containers._validation import Problems, check_when_resolved, construct_path, is_token


def _raises(problems: Problems) -> str:
    with pytest.raises(ValueError, match="App/Thing") as caught:
        problems.raise_if_any()
    return str(caught.value)


@pytest.fixture(scope="module")
def tokens() -> tuple[str, float]:
    stack = Stack()
    return (
        CfnParameter(stack, "S").value_as_string,
        CfnParameter(stack, "N", type="Number").value_as_number,
    )


def test_a_string_where_a_list_is_meant_is_refused_by_name_not_split_into_characters() -> None:
    problems = Problems("Thing", "App/Thing")
    assert not problems.check_list("mount_options", "nfsvers=4.1", str)
    message = _raises(problems)
    assert message.startswith("Thing 'App/Thing': mount_options='nfsvers=4.1' is invalid")
    assert "single string" in message
    assert "['nfsvers=4.1']" in message


def test_list_items_of_the_wrong_type_are_named_by_index() -> None:
    problems = Problems("Thing", "App/Thing")
    problems.check_list("admin_roles", ["arn:aws:iam::111122223333:role/x"], int)
    assert "admin_roles[0]='arn:aws:iam::111122223333:role/x' is invalid: expected int, got a str" in _raises(
        problems
    )


def test_a_list_where_a_mapping_is_meant_is_refused() -> None:
    problems = Problems("Thing", "App/Thing")
    assert not problems.check_mapping("labels", [("team", "a")], str)
    assert "expected a mapping of str to str, got a list" in _raises(problems)


def test_a_mapping_value_of_the_wrong_type_is_named_by_key() -> None:
    problems = Problems("Thing", "App/Thing")
    problems.check_mapping("environment", {"PORT": 8080}, str)
    assert "environment['PORT']=8080 is invalid: expected str, got an int" in _raises(problems)


def test_a_bool_is_not_an_integer_and_none_is_named_when_required() -> None:
    problems = Problems("Thing", "App/Thing")
    problems.check_int("min_size", True, minimum=0)
    problems.check_type("vpc", None, str)
    message = _raises(problems)
    assert "has 2 invalid arguments" in message
    assert "min_size=True is invalid: an integer >= 0, got a bool" in message
    assert "vpc=None is invalid: a value is required" in message


def test_deploy_time_numbers_and_strings_pass_the_value_checks(tokens: tuple[str, float]) -> None:
    text, number = tokens
    problems = Problems("Thing", "App/Thing")
    assert problems.check_int("max_size", number, minimum=1, maximum=10)
    assert problems.check_str("name", text, pattern=r"[a-z]+")
    assert problems.check_list("cidrs", [text], str)
    problems.raise_if_any()


def test_a_token_where_the_value_must_be_known_at_synth_is_refused_with_the_reason(
    tokens: tuple[str, float],
) -> None:
    text, _ = tokens
    problems = Problems("Thing", "App/Thing")
    assert not problems.check_known("version", text, "it selects the kubectl layer")
    assert "version is a deploy-time value (a token), but it must be known at synth: it selects" in _raises(
        problems
    )


def test_a_choice_outside_the_enum_lists_what_is_allowed() -> None:
    problems = Problems("Thing", "App/Thing")
    problems.check_choice("effect", "NoSchedul", ["NoSchedule", "NoExecute"])
    assert "effect='NoSchedul' is invalid: one of 'NoSchedule', 'NoExecute'" in _raises(problems)


def test_a_missing_optional_dependency_names_the_extra_to_install() -> None:
    from cdk_containers._extras import require

    with pytest.raises(ImportError, match=r"pip install 'cdk-containers\[eks\]'"):
        require("aws_cdk.no_such_module_here", extra="eks", feature="EksCluster")


def test_a_token_where_an_enum_member_is_meant_is_refused_with_the_reason(tokens: tuple[str, float]) -> None:
    text, _ = tokens
    problems = Problems("Thing", "App/Thing")
    assert not problems.check_choice("effect", text, ["NoSchedule", "NoExecute"])
    assert (
        "effect is a deploy-time value (a token), but it must be known at synth: it chooses among"
        in _raises(problems)
    )


def test_a_deploy_time_list_is_refused_where_its_items_must_be_known_at_synth() -> None:
    stack = Stack()
    listed = CfnParameter(stack, "L", type="CommaDelimitedList").value_as_list
    text = CfnParameter(stack, "T").value_as_string
    problems = Problems("Thing", "App/Thing")
    assert problems.check_known_items("prefixes", [text, "literal"], "each gets a grant")  # length known
    assert not problems.check_known_items("prefixes", listed, "each gets a grant")
    assert not problems.check_known("cidrs", listed, "the subnets are carved from it")
    message = _raises(problems)
    assert (
        "prefixes is a deploy-time list (a token), but its items must be known at synth: each gets a grant"
        in message
    )
    assert "cidrs is a deploy-time value (a token), but it must be known at synth" in message


@jsii.implements(IStableStringProducer)
class _AtSynth:
    def __init__(self, value: str) -> None:
        self.value = value

    def produce(self) -> str:
        return self.value


def test_a_token_that_resolves_at_synth_is_checked_then_and_a_parameter_is_left_to_cloudformation() -> None:
    app = App()
    stack = Stack(app, "App")
    thing = Construct(stack, "Thing")
    CfnWaitConditionHandle(stack, "Placeholder")
    values = {
        "later": Lazy.string(_AtSynth("not-a-number")),
        "fine": Lazy.string(_AtSynth("42")),
        "parameter": CfnParameter(stack, "P").value_as_string,
        "literal": "checked already, not again",
    }
    checked: list[str] = []

    def digits(problems: Problems, argument: str, value: object) -> None:
        checked.append(argument)
        problems.check(str(value).isdigit(), argument, value, "digits")

    check_when_resolved(thing, "Thing", values, digits)
    with pytest.raises(
        RuntimeError, match=r"\[App/Thing\] Thing 'App/Thing': later='not-a-number' is invalid: digits"
    ):
        app.synth()
    assert sorted(checked) == ["fine", "later"]


def test_the_construct_path_is_read_through_jsii_only_when_a_message_shows_it() -> None:
    class CountingScope:
        reads = 0

        @property
        def node(self) -> object:
            CountingScope.reads += 1
            return Stack(App(), "Parent").node

    scope: Any = CountingScope()
    problems = Problems("Thing", construct_path(scope, "Thing"))
    problems.check_int("count", 3, minimum=1)
    problems.raise_if_any()
    assert CountingScope.reads == 0, "a construct whose arguments pass must not pay for its path"
    problems.check_int("count", 0, minimum=1)
    with pytest.raises(ValueError, match=r"^Thing 'Parent/Thing': count=0 is invalid"):
        problems.raise_if_any()
    assert CountingScope.reads == 1
    assert str(construct_path(Stack(App(), "Alone"))) == "Alone"
    assert construct_path(App(), "Top") == "Top"


@jsii.implements(IStableStringProducer)
class _Text:
    def produce(self) -> str:
        return "x"


@jsii.implements(IStableNumberProducer)
class _Number:
    def produce(self) -> float:
        return 1


def test_is_token_agrees_with_aws_cdk_lib_on_every_kind_of_token_and_plain_values() -> None:
    # is_token asks aws-cdk-lib (a jsii round trip) only for a value with a token's mark
    stack = Stack(App(), "Tokens")
    number = CfnParameter(stack, "N", type="Number").value_as_number
    text = CfnParameter(stack, "S").value_as_string
    tokens: list[Any] = [
        text,
        number,
        Lazy.string(_Text()),
        Lazy.number(_Number()),
        Token.as_string(number),  # a number token inside a string
        f"prefix-{text}-suffix",
        f"{Token.as_string(number)}",
        Aws.ACCOUNT_ID,
        Fn.select(0, Fn.get_azs()),
        int(number),
    ]
    plain: list[Any] = ["", "m7i.large", "${Token", "e+289 is not a number", 0, -1, 3.5, 2**60, 1e200]
    for value in tokens:
        assert Token.is_unresolved(value), value
        assert is_token(value), value
    for value in plain:
        assert not Token.is_unresolved(value), value
        assert not is_token(value), value
    assert is_token(["a", text])
    assert is_token({"k": number})
    assert not is_token(["a", 1])
