"""The generated docs (diagram models, pictures, stack pages, acknowledgements) match the app.

They are regenerated here from the session's synthesis of the example app, so
these tests need no Graphviz. When one fails, run ``make docs`` and commit
what it writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Stack

from cdk_containers.testing import SynthResult
from scripts.docs_gen import (
    DIAGRAMS,
    REFERENCE,
    REPO_ROOT,
    STACK_PAGES,
    generated_files,
    model_digest,
    png_model_digest,
)

HOW_TO_FIX = "run `make docs` (or `python -m scripts.docs_gen`) and commit what it writes"


@pytest.fixture(scope="module")
def generated(example_synth: SynthResult, example_stacks: dict[str, Stack]) -> dict[Path, str]:
    return generated_files(example_synth, example_stacks)


def test_committed_diagram_models_and_pages_match_the_example_app(generated: dict[Path, str]) -> None:
    stale = [
        str(path.relative_to(REPO_ROOT))
        for path, text in sorted(generated.items())
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"out of date: {stale}; {HOW_TO_FIX}"


def test_no_diagram_or_page_is_left_of_a_stack_that_is_gone(generated: dict[Path, str]) -> None:
    committed = {*DIAGRAMS.glob("*.json"), *DIAGRAMS.glob("*.png"), *STACK_PAGES.glob("*.md")}
    expected = set(generated) | {DIAGRAMS / f"{p.stem}.png" for p in generated if p.parent == DIAGRAMS}
    leftover = sorted(str(p.relative_to(REPO_ROOT)) for p in committed - expected)
    assert leftover == [], f"no such stack any more: {leftover}; {HOW_TO_FIX}"


def test_every_stack_picture_was_drawn_from_its_committed_model(example_stacks: dict[str, Stack]) -> None:
    wrong = []
    for name in sorted(example_stacks):
        model, picture = DIAGRAMS / f"{name}.json", DIAGRAMS / f"{name}.png"
        if not model.is_file() or not picture.is_file():
            wrong.append(f"{name}: missing")
        elif png_model_digest(picture.read_bytes()) != model_digest(model.read_text(encoding="utf-8")):
            wrong.append(f"{name}: drawn from another model")
    assert wrong == [], f"{wrong}; {HOW_TO_FIX} (drawing needs Graphviz: apt-get install graphviz)"


def test_every_stack_page_shows_its_picture(
    generated: dict[Path, str], example_stacks: dict[str, Stack]
) -> None:
    for name in example_stacks:
        assert f"![Architecture of {name}](../diagrams/{name}.png)" in generated[STACK_PAGES / f"{name}.md"]


def test_every_acknowledgement_is_in_the_security_table(
    generated: dict[Path, str], example_synth: SynthResult
) -> None:
    table = generated[REPO_ROOT / "docs" / "security-acknowledgements.md"]
    assert example_synth.acknowledgements, "the example app acknowledges nothing: is the table fed?"
    for acknowledgement in example_synth.acknowledgements:
        assert f"| `{acknowledgement.construct_path}` | `{acknowledgement.rule}` |" in table


def test_every_public_construct_name_is_on_exactly_one_reference_page(generated: dict[Path, str]) -> None:
    import cdk_containers.constructs as constructs

    pages = [text for path, text in generated.items() if path.parent == REFERENCE and path.name != "index.md"]
    counts = {name: sum(f".{name}\n" in text for text in pages) for name in constructs.__all__}
    assert {name: n for name, n in counts.items() if n != 1} == {}


def test_a_reference_page_renders_docstrings_through_mkdocstrings(generated: dict[Path, str]) -> None:
    page = generated[REFERENCE / "eks.md"]
    assert "::: cdk_containers.constructs.eks.EksCluster\n" in page
    assert "[EKS](../eks.md)" in page
