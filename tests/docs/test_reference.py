"""The construct pages document every public construct, argument, default and member.

Users read ``docs/<family>.md``, not the source. These tests read the signatures of
everything ``cdk_containers.constructs`` exports and check its family page for:

* the class name;
* every argument (constructor keyword or dataclass field), in backticks;
* every argument's literal default (a bool, number, string or enum member, or the first
  item of a tuple of them): in the first two cells of a table row that names the argument,
  else in ``argument=default`` or on a line that names it. A default changed in code while
  the page still states the old one fails here (None and object defaults are not checked);
* every public method and property the class defines itself.
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
from collections.abc import Iterator
from typing import Any

import pytest

import cdk_containers.constructs as constructs
from tests.conftest import REPO_ROOT

DOCS = REPO_ROOT / "docs"
#: Module of the family (``cdk_containers.constructs.<family>``) -> its page.
PAGES = {
    "ecr": "ecr.md",
    "eks": "eks.md",
    "storage": "storage.md",
    "app_runner": "app-runner.md",
    "express": "express-mode.md",
}
#: Public members that are plumbing between the library's own modules, not API to document.
NOT_DOCUMENTED = {
    "problems": "the validation the constructs run and raise from; users see its messages",
    "bind": "turns AppRunnerHealthCheck into the alpha HealthCheck for AppRunnerService",
    "to_taint_spec": "turns a Taint into the aws_eks_v2 TaintSpec for managed node groups",
    "kubelet_form": "the --register-with-taints form the self-managed user data writes",
    "architecture": "AmiType helpers the node-group constructs use",
    "arch_path": "AmiType helpers the node-group constructs use",
    "is_nvidia": "AmiType helpers the node-group constructs use",
    "is_bottlerocket": "AmiType helpers the node-group constructs use",
    "is_al2": "AmiType helpers the node-group constructs use",
    "root_device_name": "AmiType helpers the node-group constructs use",
    "ssm_parameter": "AmiType helpers the node-group constructs use",
}


def exported_classes() -> list[tuple[str, type]]:
    return [
        (name, value) for name in constructs.__all__ if inspect.isclass(value := getattr(constructs, name))
    ]


def page_text(cls: type) -> str:
    family = cls.__module__.split(".")[2]
    return (DOCS / PAGES[family]).read_text(encoding="utf-8")


def arguments(cls: type) -> Iterator[tuple[str, Any]]:
    """(name, default or inspect.Parameter.empty) of what a user passes to build ``cls``."""
    if issubclass(cls, enum.Enum) or getattr(cls, "_is_protocol", False):
        return  # members of an enum, methods of a protocol: nothing to pass
    if dataclasses.is_dataclass(cls):
        for field in dataclasses.fields(cls):
            yield (
                field.name,
                inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
            )
        return
    for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if parameter.name not in ("scope", "construct_id"):
            yield parameter.name, parameter.default


_FENCED = re.compile(r"^ *```.*?^ *```", re.DOTALL | re.MULTILINE)


def code_spans(text: str) -> list[str]:
    """The inline code spans of Markdown text (they may wrap lines); fenced blocks are left out."""
    return re.findall(r"`([^`]+)`", _FENCED.sub("", text))


def in_backticks(text: str, word: str) -> bool:
    """``word`` as a name inside a code span: `word`, `word=...`, `Class.word`, `f(a, word=...)`."""
    return any(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", span) for span in code_spans(text))


def literal_forms(default: Any) -> list[str] | None:
    """How a page writes a literal default, or None when the default is not a simple literal."""
    if isinstance(default, tuple) and default and all(isinstance(v, (str, int)) for v in default):
        default = default[0]
    if isinstance(default, enum.Enum):
        return [default.name]
    if isinstance(default, (bool, int, float, str)):
        return [str(default)]
    return None


def states_default(text: str, argument: str, forms: list[str]) -> bool:
    """The page states the default of ``argument`` as one of ``forms``.

    In a table whose first cell names the argument, the default must be in the first two
    cells (the argument, or the default column). Without such a row: ``argument=default``
    in code (a signature written out), or a line that names the argument and the default.
    """
    lines = text.splitlines()
    rows = [
        cells
        for line in lines
        if line.startswith("|") and in_backticks((cells := line.strip("|").split("|"))[0], argument)
    ]
    if rows:
        return any(form in " ".join(cells[:2]) for cells in rows for form in forms)
    keyword = re.compile(rf"(?<![\w-]){re.escape(argument)}=[\"']?(?P<value>[^\"',)\s]*)")
    if any(match["value"] in forms for span in code_spans(text) for match in keyword.finditer(span)):
        return True
    return any(in_backticks(line, argument) and any(form in line for form in forms) for line in lines)


CLASSES = exported_classes()
IDS = [name for name, _ in CLASSES]


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=IDS)
def test_every_exported_class_is_on_its_family_page(name: str, cls: type) -> None:
    assert in_backticks(page_text(cls), name), f"{name} is not named on its family page"


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=IDS)
def test_every_argument_is_on_its_family_page(name: str, cls: type) -> None:
    text = page_text(cls)
    missing = [argument for argument, _ in arguments(cls) if not in_backticks(text, argument)]
    assert missing == [], f"{name}: arguments not on its family page: {missing}"


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=IDS)
def test_every_literal_default_is_stated_next_to_its_argument(name: str, cls: type) -> None:
    text = page_text(cls)
    wrong = []
    for argument, default in arguments(cls):
        forms = literal_forms(default)
        if forms is not None and not states_default(text, argument, forms):
            wrong.append(f"{argument}={default!r}")
    assert wrong == [], f"{name}: defaults not stated on a line naming the argument: {wrong}"


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=IDS)
def test_every_public_member_is_on_its_family_page(name: str, cls: type) -> None:
    text = page_text(cls)
    missing = []
    for member, value in vars(cls).items():
        if member.startswith("_") or member in NOT_DOCUMENTED:
            continue
        is_member = isinstance(value, (property, classmethod, staticmethod)) or inspect.isfunction(value)
        if is_member and not in_backticks(text, member):
            missing.append(member)
    assert missing == [], f"{name}: public members not on its family page: {missing}"


def test_the_checks_see_a_missing_argument_and_a_stale_default() -> None:
    assert in_backticks("| `keep_images` | `30` |", "keep_images")
    assert in_backticks("`f(a, keep_images=30)`", "keep_images")
    assert not in_backticks("keep_images without code", "keep_images")
    assert not in_backticks("`keep_images_max`", "keep_images")
    assert not in_backticks("```python\nkeep_images = 1\n```\n", "keep_images")
    assert literal_forms(("m7i.large",)) == ["m7i.large"]
    assert literal_forms(None) is None
    assert states_default("| `keep_images` | `30` |", "keep_images", ["30"])
    assert states_default('`Driver(cluster=...,\nsvm_name="eks")`', "svm_name", ["eks"])
    assert not states_default("| `keep_images` | `20` |", "keep_images", ["30"])
    row = "| `capacity_type` | `SPOT` | `ON_DEMAND` or `SPOT` |"
    assert not states_default(row, "capacity_type", ["ON_DEMAND"])
    assert not states_default('`svm_name="old"`', "svm_name", ["eks"])
