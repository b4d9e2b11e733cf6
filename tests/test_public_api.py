"""The public API: what users import exists, is documented and is typed."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
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


#: Optional dependencies (extras) that importing the package must not load.
OPTIONAL_MODULES = ("aws_cdk.aws_apprunner_alpha", "aws_cdk.lambda_layer_kubectl_v", "cdk_nag")


def test_importing_the_constructs_loads_no_optional_dependency() -> None:
    code = (
        "import json, sys\n"
        "import cdk_containers, cdk_containers.constructs\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(result.stdout)
    assert [m for m in loaded if m.startswith(OPTIONAL_MODULES)] == []
    # no family either: each is imported when one of its names is first used
    assert [m for m in loaded if m.startswith("cdk_containers.constructs.")] == []


def _modules_loaded_by(statement: str) -> list[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_using_one_family_imports_only_that_family_and_its_aws_cdk_modules() -> None:
    loaded = _modules_loaded_by("from cdk_containers.constructs import ContainerRepository")
    families = {m.split(".")[2] for m in loaded if m.startswith("cdk_containers.constructs.")}
    assert families == {"ecr"}
    assert [m for m in loaded if m.startswith(("aws_cdk.aws_eks_v2", "aws_cdk.aws_ecs"))] == []
    # the package root resolves a name the same way
    loaded = _modules_loaded_by("import cdk_containers\ncdk_containers.EksCluster")
    families = {m.split(".")[2] for m in loaded if m.startswith("cdk_containers.constructs.")}
    assert families == {"eks"}
    assert [m for m in loaded if m.startswith(("aws_cdk.aws_ecs", "aws_cdk.aws_apprunner"))] == []


def test_building_one_example_stack_imports_only_the_stacks_it_needs() -> None:
    loaded = _modules_loaded_by(
        "from aws_cdk import App\n"
        "from cdk_containers.example_app import build_example_app\n"
        "build_example_app(App(), only=['RegistryStack'])"
    )
    stacks = [
        m
        for m in loaded
        if m.startswith("cdk_containers.stacks.") and not m.startswith("cdk_containers.stacks._")
    ]
    assert stacks == ["cdk_containers.stacks.registry"]
    families = {m.split(".")[2] for m in loaded if m.startswith("cdk_containers.constructs.")}
    assert families == {"ecr"}


def test_the_constructs_export_list_joins_the_families_lists() -> None:
    constructs = importlib.import_module("cdk_containers.constructs")
    families = ("ecr", "eks", "storage", "app_runner", "express")
    joined = [
        name
        for family in families
        for name in importlib.import_module(f"cdk_containers.constructs.{family}").__all__
    ]
    assert sorted(constructs.__all__) == sorted(joined)
    assert len(set(constructs.__all__)) == len(constructs.__all__)
    assert cdk_containers.__all__ == ["__version__", *constructs.__all__]


def test_a_name_of_a_lazily_imported_family_is_the_familys_own_object() -> None:
    from cdk_containers.constructs.app_runner import AppRunnerService

    assert cdk_containers.AppRunnerService is AppRunnerService
    assert importlib.import_module("cdk_containers.constructs").AppRunnerService is AppRunnerService
    with pytest.raises(AttributeError, match="no attribute 'NotAConstruct'"):
        _ = cdk_containers.NotAConstruct  # type: ignore[attr-defined]


def test_a_missing_kubectl_layer_names_the_extra_that_installs_it() -> None:
    from aws_cdk import App, Stack

    from cdk_containers.constructs.eks._versions import KubectlLayerSpec

    missing = KubectlLayerSpec("aws_cdk.lambda_layer_kubectl_v99", "KubectlV99Layer")
    with pytest.raises(ImportError, match=r"pip install 'cdk-containers\[eks\]'"):
        missing.create(Stack(App(), "Stack"), "Layer")
