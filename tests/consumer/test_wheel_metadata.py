"""What `pip install cdk-containers` asks for: the wheel's declared requirements.

A library declares ranges, so it installs next to the aws-cdk-lib an app already has; the
exact versions live in constraints/dev.txt (development only). The lowest aws-cdk-lib of the
range is the one `make test-lowest` runs the unit suite on (constraints/lowest.txt).
"""

from __future__ import annotations

import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.integration

#: Not a base requirement: the package never imports them, or only through an extra.
NOT_BASE = {
    "cdk-nag",
    "pytest",
    "syrupy",
    "cfn-lint",
    "aws-cdk.aws-apprunner-alpha",
    "aws-cdk.lambda-layer-kubectl-v35",
    "aws-cdk.lambda-layer-kubectl-v36",
    "mkdocs",
    "mkdocs-material",
    "pymdown-extensions",
    "diagrams",
    "kubernetes-validate",
}


def _requirements(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(metadata).decode())
    return [Requirement(line) for line in message.get_all("Requires-Dist") or []]


def _base(requirements: list[Requirement]) -> dict[str, Requirement]:
    return {r.name: r for r in requirements if r.marker is None}


def _extra(requirements: list[Requirement], extra: str) -> set[str]:
    return {r.name for r in requirements if r.marker is not None and r.marker.evaluate({"extra": extra})}


def _pinned(constraints: str, name: str) -> Version:
    for line in (REPO_ROOT / "constraints" / constraints).read_text(encoding="utf-8").splitlines():
        if line.lower().startswith(f"{name}=="):
            return Version(line.split("==", 1)[1])
    raise AssertionError(f"{name} is not pinned in constraints/{constraints}")


def test_the_base_requirements_are_aws_cdk_lib_and_constructs_only(wheel: Path) -> None:
    base = _base(_requirements(wheel))
    assert set(base) == {"aws-cdk-lib", "constructs"}
    assert not NOT_BASE & set(base)


def test_the_aws_cdk_lib_range_ends_before_3_and_starts_at_the_release_ci_tests(wheel: Path) -> None:
    cdk = _base(_requirements(wheel))["aws-cdk-lib"]
    bounds = {spec.operator: Version(spec.version) for spec in cdk.specifier}
    assert bounds == {">=": _pinned("lowest.txt", "aws-cdk-lib"), "<": Version("3")}
    assert cdk.specifier.contains(_pinned("dev.txt", "aws-cdk-lib"))


def test_constructs_may_be_any_10_release(wheel: Path) -> None:
    assert str(_base(_requirements(wheel))["constructs"].specifier) in ("<11,>=10", ">=10,<11")


def test_each_optional_dependency_comes_with_its_extra(wheel: Path) -> None:
    requirements = _requirements(wheel)
    assert _extra(requirements, "eks") >= {
        "aws-cdk.lambda-layer-kubectl-v35",
        "aws-cdk.lambda-layer-kubectl-v36",
    }
    assert "aws-cdk.aws-apprunner-alpha" in _extra(requirements, "apprunner")
    assert _extra(requirements, "testing") >= {"pytest", "syrupy", "cfn-lint", "cdk-nag"}
    assert _extra(requirements, "docs") >= {"mkdocs", "mkdocs-material", "pymdown-extensions"}


def test_the_app_runner_alpha_starts_at_the_same_release_as_aws_cdk_lib(wheel: Path) -> None:
    requirements = _requirements(wheel)
    (alpha,) = [r for r in requirements if r.name == "aws-cdk.aws-apprunner-alpha"]
    lowest = _pinned("lowest.txt", "aws-cdk-lib")
    assert {spec.operator: Version(spec.version) for spec in alpha.specifier} == {
        ">=": Version(f"{lowest}a0"),
        "<": Version("3"),
    }
    assert _pinned("lowest.txt", "aws-cdk.aws-apprunner-alpha") == Version(f"{lowest}a0")
    assert _pinned("dev.txt", "aws-cdk.aws-apprunner-alpha") == Version(
        f"{_pinned('dev.txt', 'aws-cdk-lib')}a0"
    )
