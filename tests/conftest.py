"""Session-wide fixtures: the example app is built once and synthesized once."""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app
from cdk_containers.testing import SynthResult, cdk_json_context, synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent
CDK_JSON = REPO_ROOT / "cdk.json"

#: Where the apps of this session (of this xdist worker) write their cloud assemblies. An
#: ``App()`` without ``outdir`` leaves a ``cdk.out*`` directory in the system temp directory that
#: nothing removes (those with a cluster hold the kubectl layers, about 58 MB), so the bad-input
#: cases alone would leave gigabytes behind per run; this one goes at the end of the session.
_SESSION_OUTDIRS = Path(tempfile.mkdtemp(prefix="cdk-containers-tests-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_SESSION_OUTDIRS, ignore_errors=True)


#: Test modules that share one of the session's syntheses, by the synthesis. ``make unit`` runs
#: on two pytest-xdist workers, and each worker builds whatever session fixture its tests ask
#: for: sent to one worker together, a group pays for its synthesis once (the delivery app with
#: every compliance pack is about 40 s of CPU, the example app twice about 25 s).
_SHARED_SYNTHESES = {
    "delivery app": ("tests/pipeline/",),
    "example app": (
        "tests/stacks/",
        "tests/constructs/test_kubernetes_manifests.py",
        "tests/docs/test_generated.py",
    ),
}
#: Test modules split into this many groups, by a hash of the construct a case builds (the first
#: word of its parameters): the bad-input property test, about 40 s of CPU in 370 cases, builds
#: each construct's valid baseline once per worker, so a construct's cases stay together.
_SPLIT_MODULES = {"tests/test_bad_input_property.py": 4}
_CONSTRUCT = re.compile(r"\[(\w+)")


def xdist_group_of(nodeid: str) -> str:
    """The group of tests one xdist worker runs together (see `pytest_xdist_make_scheduler`)."""
    path = nodeid.split("::", 1)[0]
    for synthesis, prefixes in _SHARED_SYNTHESES.items():
        if path.startswith(prefixes):
            return synthesis
    if path in _SPLIT_MODULES and (construct := _CONSTRUCT.search(nodeid)):
        return f"{path} part {zlib.crc32(construct[1].encode()) % _SPLIT_MODULES[path] + 1}"
    return nodeid.rsplit("::", 1)[0]  # xdist's loadscope: a module, or a class


@pytest.hookimpl(optionalhook=True)  # make test-lowest runs without pytest-xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadscope`` with the groups of `xdist_group_of` instead of one module each."""
    if config.getoption("dist", None) != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedSynthesisScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return SharedSynthesisScheduling(config, log)


def make_app(outdir: Path | None = None, **context: object) -> App:
    """An ``App`` with the feature flags of this repository's cdk.json.

    Without ``outdir`` it writes into a fresh directory of this session's, removed at its end.
    """
    merged = {**cdk_json_context(CDK_JSON), **context}
    if outdir is None:
        outdir = Path(tempfile.mkdtemp(prefix="cdk.out", dir=_SESSION_OUTDIRS))
    return App(outdir=str(outdir), context=merged)


def build_nagged_example_app(outdir: Path | None = None) -> tuple[App, dict[str, Stack]]:
    """The example app as ``cdk synth -c app_runner=true`` builds it (every example stack), nag on."""
    app = make_app(outdir, app_runner="true")
    stacks = build_example_app(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stacks


@functools.cache
def _example_app() -> tuple[App, dict[str, Stack]]:
    # Built at collection time (it names the parametrized stacks) and reused by
    # the session fixture below, so construction also happens once.
    return build_nagged_example_app()


#: The example app's stack names, for parametrizing. Written out so collection builds nothing
#: (every xdist worker collects); tests/stacks/test_example_app.py checks it against the app.
EXAMPLE_STACK_NAMES = (
    "AppRunnerStack",
    "EksClusterStack",
    "ExpressServiceStack",
    "NetworkStack",
    "RegistryStack",
)


def example_stack_names() -> list[str]:
    return list(EXAMPLE_STACK_NAMES)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # make test-lowest runs the unit suite on the lowest aws-cdk-lib that pyproject.toml declares.
    # A snapshot records the template of the pinned release (constraints/dev.txt), and a newer
    # aws-cdk-lib legitimately renders some properties differently, so snapshots are compared
    # on the pinned release only; every fine-grained assertion and gate runs on both.
    if os.environ.get("CDK_CONTAINERS_LOWEST") != "1":
        return
    skip = pytest.mark.skip(reason="snapshots record the templates of the pinned aws-cdk-lib")
    for item in items:
        if {"snapshot", "cdk_snapshot"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(skip)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "example_stack_name" in metafunc.fixturenames:
        metafunc.parametrize("example_stack_name", example_stack_names())


@pytest.fixture(scope="session")
def example_stacks() -> dict[str, Stack]:
    """The example stacks by name (constructed, not synthesized)."""
    return _example_app()[1]


@pytest.fixture(scope="session")
def example_synth() -> SynthResult:
    """The example app synthesized once per session, nag findings collected."""
    return synthesize(_example_app()[0])


@pytest.fixture(scope="session")
def every_pack_synth(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """The example app synthesized a second time, with every compliance pack on.

    One synthesis serves the pack gates (tests/stacks/test_compliance_packs_gate.py) and the
    check that two syntheses give byte-identical templates.
    """
    from scripts.compliance_report import synthesize_with_every_pack

    return synthesize_with_every_pack(tmp_path_factory.mktemp("every-pack"))[0]
