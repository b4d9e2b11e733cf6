"""The public API: what users import exists, is documented and is typed."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest

import cdk_containers

PUBLIC_MODULES = [
    "cdk_containers",
    "cdk_containers.constructs",
    "cdk_containers.stacks",
    "cdk_containers.testing",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_exported_name_exists_and_is_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    undocumented = []
    for name in module.__all__:
        value = getattr(module, name)
        if (inspect.isclass(value) or inspect.isfunction(value)) and not inspect.getdoc(value):
            undocumented.append(name)
    assert undocumented == []


def test_the_package_root_offers_every_construct() -> None:
    constructs = importlib.import_module("cdk_containers.constructs")
    assert set(constructs.__all__) <= set(cdk_containers.__all__)
    assert "__version__" in cdk_containers.__all__


def test_the_package_is_typed() -> None:
    assert (Path(cdk_containers.__file__).parent / "py.typed").exists()


def test_constructs_take_keyword_only_arguments_after_scope_and_id() -> None:
    constructs = importlib.import_module("cdk_containers.constructs")
    positional_beyond_id = []
    for name in constructs.__all__:
        value = getattr(constructs, name)
        if not inspect.isclass(value) or not hasattr(value, "node"):
            continue
        parameters = list(inspect.signature(value.__init__).parameters.values())[1:]
        positional = [p.name for p in parameters if p.kind is p.POSITIONAL_OR_KEYWORD]
        if positional[2:]:
            positional_beyond_id.append((name, positional))
    assert positional_beyond_id == []


def test_the_constructs_library_is_not_shadowed_by_a_folder_of_this_repository() -> None:
    # A top-level constructs/ package here would win over the library on sys.path
    # (python app.py and pytest put the repository root first) and break aws-cdk-lib.
    import constructs

    repo_root = Path(cdk_containers.__file__).resolve().parent.parent
    assert not Path(constructs.__file__).resolve().is_relative_to(repo_root / "constructs")
    assert hasattr(constructs, "Construct")
    assert not (repo_root / "constructs" / "__init__.py").exists()
    assert not (repo_root / "stacks" / "__init__.py").exists()
