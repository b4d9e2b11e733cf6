"""Every committed picture is legible at the docs' width, judged on Graphviz's own layout.

``dot -Tjson`` lays out each committed ``docs/diagrams/*.dot`` exactly as ``make docs``
draws it; `scripts.diagram_dot.layout_problems` then checks that no two labels overlap,
that no text is smaller than 11 px when the picture is scaled to the 800 px content
column, and that every box lies inside the boundaries that hold it. Needs Graphviz.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from scripts.diagram_dot import layout_problems, to_dot
from scripts.diagram_model import Edge, Group, Model, Node
from scripts.docs_gen import DIAGRAMS

SOURCES = sorted(DIAGRAMS.glob("*.dot"))
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")


def layout(source: str) -> dict[str, Any]:
    result = subprocess.run(["dot", "-Tjson"], input=source.encode(), capture_output=True, check=True)
    laid_out: dict[str, Any] = json.loads(result.stdout)
    return laid_out


def test_there_is_a_picture_source_per_stack_and_one_of_the_whole_app() -> None:
    assert "overview" in [p.stem for p in SOURCES]
    assert len(SOURCES) >= 2


@needs_dot
@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_a_committed_picture_is_legible_at_the_docs_width(source: Path) -> None:
    assert layout_problems(layout(source.read_text(encoding="utf-8"))) == []


def _wide_model() -> Model:
    facts = ("a fact long enough to make this box wide, wider than anyone would like it",)
    nodes = tuple(
        Node(id=f"n{i}", kind="generic", title=f"Box {i}", facts=facts, group="g") for i in range(8)
    )
    return Model(name="wide", nodes=nodes, groups=(Group(id="g", label="Frame", kind="vpc"),))


@needs_dot
def test_a_cluster_with_many_node_groups_and_kubernetes_objects_still_fits_the_docs_width() -> None:
    groups = (
        Group(id="region", label="AWS account, one region", kind="region"),
        Group(id="vpc", label="VPC 10.0.0.0/16", kind="vpc", parent="region"),
        Group(id="private", label="Private subnets (2)", kind="subnets", parent="vpc"),
        Group(id="compute", label="EKS capacity", kind="compute", parent="private"),
        Group(id="eks", label="EKS cluster", kind="eks", parent="region"),
    )
    facts = ("Spot, m7i/m6i/m5 large", "1-4 nodes, AL2023 x86_64")
    nodes = (
        *(
            Node(
                id=f"ng{i}",
                kind="managed_node_group",
                title="Managed node group",
                facts=facts,
                group="compute",
            )
            for i in range(7)
        ),
        Node(id="plane", kind="eks_cluster", title="EKS control plane", group="eks"),
        *(
            Node(id=f"k{i}", kind="helm_chart", title=f"Helm chart {i}", facts=facts, group="eks")
            for i in range(5)
        ),
    )
    model = Model(name="big", nodes=nodes, groups=groups, edges=(Edge("compute", "plane", "join"),))
    assert layout_problems(layout(to_dot(model))) == []


@needs_dot
def test_the_checks_find_text_too_small_at_the_docs_width() -> None:
    problems = layout_problems(layout(to_dot(_wide_model())))
    assert any("px at 800 px wide" in p for p in problems)


@needs_dot
def test_the_checks_find_overlapping_labels_and_boxes_outside_their_frame() -> None:
    source = (
        "digraph g { graph [dpi=72];"
        ' subgraph cluster_0 { graph [label="Frame"]; a [pos="10,10!"]; }'
        ' b [pos="12,12!"]; c [label="far", pos="400,400!"]; }'
    )
    laid_out = json.loads(
        subprocess.run(
            ["neato", "-n", "-Tjson"], input=source.encode(), capture_output=True, check=True
        ).stdout
    )
    problems = layout_problems(laid_out)
    assert any("overlaps" in p for p in problems)
    laid_out["objects"][0]["bb"] = "300,300,310,310"  # the frame no longer holds its box
    assert any("sticks out of" in p for p in layout_problems(laid_out))
