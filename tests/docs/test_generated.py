"""The generated docs (picture sources, pictures, stack pages, reference, acknowledgements) match the app.

They are regenerated here from the session's synthesis of the example app, so
these tests need no Graphviz. When one fails, run ``make docs`` and commit
what it writes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import Stack

from cdk_containers.compliance import CompliancePack
from cdk_containers.testing import SynthResult
from scripts.compliance_report import pack_of
from scripts.diagram_pipeline import PIPELINE
from scripts.docs_gen import (
    DIAGRAMS,
    OVERVIEW,
    PICTURES,
    REFERENCE,
    REPO_ROOT,
    STACK_PAGES,
    generated_files,
    recorded_pictures,
    sha256,
)

HOW_TO_FIX = "run `make docs` (or `python -m scripts.docs_gen`) and commit what it writes"


@pytest.fixture(scope="module")
def generated(example_synth: SynthResult, example_stacks: dict[str, Stack]) -> dict[Path, str]:
    return generated_files(example_synth, example_stacks)


def test_committed_picture_sources_and_pages_match_the_example_app(generated: dict[Path, str]) -> None:
    stale = [
        str(path.relative_to(REPO_ROOT))
        for path, text in sorted(generated.items())
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]
    assert stale == [], f"out of date: {stale}; {HOW_TO_FIX}"


def test_no_picture_or_page_is_left_of_a_stack_that_is_gone(generated: dict[Path, str]) -> None:
    committed = {*DIAGRAMS.glob("*"), *STACK_PAGES.glob("*.md"), *REFERENCE.glob("*.md")} - {PICTURES}
    expected = set(generated) | {DIAGRAMS / f"{p.stem}.png" for p in generated if p.parent == DIAGRAMS}
    # The delivery pipeline's picture comes from the delivery app (tests/pipeline/test_picture.py).
    expected |= {DIAGRAMS / f"{PIPELINE}.dot", DIAGRAMS / f"{PIPELINE}.png"}
    leftover = sorted(str(p.relative_to(REPO_ROOT)) for p in committed - expected)
    assert leftover == [], f"no such stack any more: {leftover}; {HOW_TO_FIX}"


def test_every_picture_was_drawn_from_its_committed_source(generated: dict[Path, str]) -> None:
    recorded, wrong = recorded_pictures(), []
    for source in sorted(p for p in generated if p.suffix == ".dot"):
        picture, entry = source.with_suffix(".png"), recorded.get(source.stem, {})
        if not picture.is_file():
            wrong.append(f"{picture.name}: missing")
        elif entry.get("picture") != sha256(picture.read_bytes()):
            wrong.append(f"{picture.name}: not the picture make docs drew")
        elif entry.get("source") != sha256(generated[source].encode("utf-8")):
            wrong.append(f"{picture.name}: drawn from another source")
    assert wrong == [], f"{wrong}; {HOW_TO_FIX} (drawing needs Graphviz: apt-get install graphviz)"


def test_every_stack_page_shows_its_picture(
    generated: dict[Path, str], example_stacks: dict[str, Stack]
) -> None:
    for name in example_stacks:
        assert f"![Architecture of {name}](../diagrams/{name}.png)" in generated[STACK_PAGES / f"{name}.md"]


def test_the_home_page_and_the_readme_show_the_overview_of_the_whole_app(generated: dict[Path, str]) -> None:
    assert DIAGRAMS / f"{OVERVIEW}.dot" in generated
    assert f"](diagrams/{OVERVIEW}.png)" in (REPO_ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert f"](docs/diagrams/{OVERVIEW}.png)" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def test_every_acknowledgement_is_in_the_security_table(
    generated: dict[Path, str], example_synth: SynthResult
) -> None:
    table = generated[REPO_ROOT / "docs" / "security-acknowledgements.md"]
    packs = generated[REPO_ROOT / "docs" / "compliance-acknowledgements.md"]
    assert example_synth.acknowledgements, "the example app acknowledges nothing: is the table fed?"
    for acknowledgement in example_synth.acknowledgements:
        found = pack_of(acknowledgement.rule)
        if found is None or found[0] is CompliancePack.AWS_SOLUTIONS:
            assert f"| `{acknowledgement.construct_path}` | `{acknowledgement.rule}` |" in table
        else:
            # The compliance table names the rule without the pack's prefix, under the pack's heading.
            rule = found[1].removeprefix(f"{found[0].value}-")
            section = packs.split(f"\n## {found[0].value}\n", 1)[1].split("\n## ", 1)[0]
            assert f"| `{acknowledgement.construct_path}` | `{rule}` |" in section


def _pack(rule: str) -> CompliancePack | None:
    found = pack_of(rule)
    return None if found is None else found[0]


def test_the_compliance_table_counts_every_pack_s_acknowledgements_per_stack(
    generated: dict[Path, str], example_synth: SynthResult
) -> None:
    page = generated[REPO_ROOT / "docs" / "compliance-acknowledgements.md"]
    for pack in CompliancePack:
        if pack is CompliancePack.AWS_SOLUTIONS:
            continue
        acknowledgements = example_synth.acknowledgements
        expected = len({(a.construct_path, a.rule) for a in acknowledgements if _pack(a.rule) is pack})
        assert expected > 0
        row = next(line for line in page.splitlines() if line.startswith(f"| {pack.value} | "))
        assert row.endswith(f"| {expected} |")


def test_every_public_construct_name_is_on_exactly_one_reference_page(generated: dict[Path, str]) -> None:
    import cdk_containers.constructs as constructs

    pages = [text for path, text in generated.items() if path.parent == REFERENCE and path.name != "index.md"]
    counts = {name: sum(f".{name}\n" in text for text in pages) for name in constructs.__all__}
    assert {name: n for name, n in counts.items() if n != 1} == {}


def test_a_reference_page_renders_docstrings_through_mkdocstrings(generated: dict[Path, str]) -> None:
    page = generated[REFERENCE / "eks.md"]
    assert "::: cdk_containers.constructs.eks.EksCluster\n" in page
    assert "[EKS](../eks.md)" in page
