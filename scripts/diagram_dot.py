"""An architecture model as Graphviz DOT, and the checks a picture must pass to be legible.

`to_dot` writes deterministic DOT (boundaries as clusters, one box per node with its
title in bold and its facts below, arrows between boxes or boundaries). `layout_problems`
reads Graphviz's own layout of it (``dot -Tjson``) and lists what a reader would trip
on at the docs' content width: overlapping labels, text smaller than `MIN_TEXT_PX`
once the picture is scaled to `CONTENT_WIDTH_PX`, boxes outside their boundary.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from typing import Any

from scripts.diagram_model import Model

__all__ = ["CONTENT_WIDTH_PX", "DPI", "MIN_TEXT_PX", "layout_problems", "to_dot"]

#: The docs' content column (Material for MkDocs, 1400 px window) and the smallest readable text.
CONTENT_WIDTH_PX = 800
MIN_TEXT_PX = 11
#: Pixels per inch of the PNG (1.5x for sharp text on high-density screens).
DPI = 108
FONT = "DejaVu Sans"
TITLE_PT, FACT_PT, FRAME_PT, EDGE_PT = 14, 12, 13, 12

#: kind -> (fill, border), after the AWS architecture icon colours.
_COMPUTE, _CONTAINERS, _STORAGE = ("#FDF1E6", "#D86613"), ("#E8EEFB", "#326CE5"), ("#EAF5E4", "#3F8624")
_NETWORK, _SECURITY, _MANAGEMENT = ("#F3EEFB", "#8C4FFF"), ("#FBEAEA", "#DD344C"), ("#FCEAF3", "#E7157B")
_DATABASE, _OTHER = ("#EEF0FC", "#3B48CC"), ("#F2F3F3", "#545B64")
COLOURS: dict[str, tuple[str, str]] = {
    "eks_cluster": _COMPUTE,
    "managed_node_group": _COMPUTE,
    "auto_scaling_group": _COMPUTE,
    "fargate_profile": _COMPUTE,
    "ecs_service": _COMPUTE,
    "ecs_cluster": _COMPUTE,
    "app_runner_service": _COMPUTE,
    "ecr_repository": _COMPUTE,
    "ecr_registry_setting": _COMPUTE,
    "stack": _OTHER,
    "eks_addon": _CONTAINERS,
    "kubernetes_manifest": _CONTAINERS,
    "storage_class": _CONTAINERS,
    "helm_chart": _CONTAINERS,
    "efs_file_system": _STORAGE,
    "fsx_file_system": _STORAGE,
    "cache": _DATABASE,
    "nat_gateway": _NETWORK,
    "internet_gateway": _NETWORK,
    "vpc_endpoint": _NETWORK,
    "app_runner_vpc_connector": _NETWORK,
    "app_runner_ingress": _NETWORK,
    "subnets": _NETWORK,
    "kms_key": _SECURITY,
    "secret": _SECURITY,
    "log_group": _MANAGEMENT,
    "event_rule": _MANAGEMENT,
    "sns_topic": _MANAGEMENT,
    # The delivery pipeline (scripts.diagram_pipeline): developer tools, CloudFormation, gates.
    "pipeline_source": _DATABASE,
    "pipeline_build": _DATABASE,
    "pipeline_check": _DATABASE,
    "pipeline_deploy": _MANAGEMENT,
    "pipeline_approval": _SECURITY,
}
#: group kind -> (border colour, fill, style), after the AWS architecture group styles.
FRAMES: dict[str, tuple[str, str, str]] = {
    "region": ("#00A4A6", "#FFFFFF", "dashed"),
    "vpc": ("#8C4FFF", "#FFFFFF", "solid"),
    "subnets": ("#147EBA", "#EEF6FB", "solid"),
    "compute": ("#D86613", "#FFFFFF", "dashed"),
    "eks": ("#D86613", "#FFFFFF", "solid"),
    "registry": ("#D86613", "#FFFFFF", "solid"),
    "security": ("#DD344C", "#FFFFFF", "solid"),
    "account": ("#E7157B", "#FFFFFF", "solid"),
    "wave": ("#545B64", "#FFFFFF", "solid"),
    "environment": ("#00A4A6", "#FFFFFF", "dashed"),
}
_PUBLIC_SUBNETS = ("#7AA116", "#F2F8EC", "solid")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(title: str, facts: tuple[str, ...]) -> str:
    rows = [f'<TR><TD ALIGN="LEFT"><B>{html.escape(title)}</B></TD></TR>']
    rows += [
        f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="{FACT_PT}">{html.escape(fact)}</FONT></TD></TR>'
        for fact in facts
    ]
    return '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">' + "".join(rows) + "</TABLE>>"


def to_dot(model: Model) -> str:
    """``model`` as DOT source: stable for a given model, byte for byte."""
    clusters = {group.id: f"cluster_{index}" for index, group in enumerate(sorted(model.groups))}
    children: dict[str | None, list[str]] = {}
    for group in sorted(model.groups):
        children.setdefault(group.parent, []).append(group.id)
    nodes_in: dict[str | None, list[Any]] = {}
    for node in sorted(model.nodes):
        nodes_in.setdefault(node.group if node.group in clusters else None, []).append(node)
    groups = {group.id: group for group in model.groups}
    lines = [
        f"digraph {_quote(model.name)} {{",
        f"  graph [rankdir=TB, compound=true, newrank=true, dpi={DPI}, pad=0.2, nodesep=0.3, ranksep=0.45,"
        f" fontname={_quote(FONT)}, fontsize={FRAME_PT}, labeljust=l, outputorder=edgesfirst];",
        f'  node [shape=box, style="rounded,filled", fontname={_quote(FONT)}, fontsize={TITLE_PT},'
        ' margin="0.12,0.06", penwidth=1.4];',
        f'  edge [fontname={_quote(FONT)}, fontsize={EDGE_PT}, color="#545B64", fontcolor="#232F3E",'
        " penwidth=1.2, arrowsize=0.8];",
    ]

    def emit(group_id: str | None, indent: str) -> None:
        for node in nodes_in.get(group_id, []):
            fill, border = COLOURS.get(node.kind, _OTHER)
            style = '"rounded,filled,dashed"' if node.external else '"rounded,filled"'
            label = _label(node.title, node.facts)
            lines.append(
                f"{indent}{_quote(node.id)} [label={label}, fillcolor={_quote(fill)},"
                f" color={_quote(border)}, style={style}];"
            )
        for child in children.get(group_id, []):
            group = groups[child]
            colour, fill, style = FRAMES.get(group.kind, ("#545B64", "#FFFFFF", "solid"))
            if group.kind == "subnets" and group.label.startswith("Public"):
                colour, fill, style = _PUBLIC_SUBNETS
            lines.append(f"{indent}subgraph {clusters[child]} {{")
            lines.append(
                f"{indent}  graph [label=<<B>{html.escape(group.label)}</B>>, color={_quote(colour)},"
                f' bgcolor={_quote(fill)}, style="{style},rounded", fontcolor={_quote(colour)}, penwidth=1.4,'
                " margin=12];"
            )
            emit(child, indent + "  ")
            for band in _bands(model, child):
                lines.append(f"{indent}  {{rank=same; {' '.join(_quote(n) + ';' for n in band)}}}")
            lines.append(f"{indent}}}")

    emit(None, "  ")
    anchor = {g: _first_node(model, g) for g in clusters}
    ordering, rows = _ordering(model)
    for edge in sorted(model.edges):
        # An end that is a frame is drawn to a box inside it, clipped at the frame.
        source, target = anchor.get(edge.source) or edge.source, anchor.get(edge.target) or edge.target
        tail_frame, head_frame = clusters.get(edge.source), clusters.get(edge.target)
        attributes = []
        if rows.get(source, 0) > rows.get(target, 0):
            # An arrow up the rows is laid out downwards and drawn pointing back up.
            source, target, tail_frame, head_frame = target, source, head_frame, tail_frame
            attributes.append("dir=back")
        attributes += [f"ltail={tail_frame}"] if tail_frame else []
        attributes += [f"lhead={head_frame}"] if head_frame else []
        if edge.label:
            attributes.append(f"label={_quote(edge.label)}")
        suffix = f" [{', '.join(attributes)}]" if attributes else ""
        lines.append(f"  {_quote(source)} -> {_quote(target)}{suffix};")
    lines += [f"  {_quote(a)} -> {_quote(b)} [style=invis];" for a, b in ordering]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _ordering(model: Model) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """Invisible arrows that stack the picture in rows instead of spreading it sideways: the VPC,
    then the EKS cluster (control plane above the Kubernetes objects), then the registry, then
    keys, secrets and logs at the bottom edge."""
    pairs: set[tuple[str, str]] = set()
    rows: dict[int, list[str]] = {}
    entries: dict[int, list[str]] = {}
    for node in sorted(model.nodes):
        chain = model.group_chain(node.group)
        kinds = [g.kind for g in model.groups if g.id in chain]
        row = 4 if node.kind in _AT_THE_EDGE else next((_ROWS[k] for k in _ROWS if k in kinds), None)
        if row is None:
            continue
        rows.setdefault(row, []).append(node.id)
        if not (row == _ROWS["eks"] and node.kind != "eks_cluster"):
            entries.setdefault(row, []).append(node.id)
        if row == _ROWS["eks"] and node.kind != "eks_cluster":
            planes = [n.id for n in model.nodes if n.kind == "eks_cluster" and n.group == node.group]
            pairs |= {(plane, node.id) for plane in planes}
    order = sorted(rows)
    for upper, lower in itertools.pairwise(order):
        pairs |= {(a, b) for a in rows[upper] for b in entries.get(lower, rows[lower])}
    for group in model.groups:
        for upper_band, lower_band in itertools.pairwise(_bands(model, group.id)):
            pairs |= {(a, b) for a in upper_band for b in lower_band}
    return sorted(pairs), {node: row for row, nodes in rows.items() for node in nodes}


#: Boxes side by side in a band of a compute or EKS cluster frame; more go to the next band.
BAND = 3


def _bands(model: Model, group: str) -> list[list[str]]:
    """The boxes of a compute frame, or the Kubernetes objects of a cluster frame, in bands of
    `BAND` side by side, so a cluster with many node groups grows down, not across."""
    kind = next((g.kind for g in model.groups if g.id == group), None)
    if kind not in ("compute", "eks"):
        return []
    inside = sorted(n.id for n in model.nodes if n.group == group and n.kind != "eks_cluster")
    return [inside[i : i + BAND] for i in range(0, len(inside), BAND)]


_ROWS = {"vpc": 1, "eks": 2, "registry": 3, "security": 4}
_AT_THE_EDGE = frozenset({"kms_key", "secret", "log_group"})


def _first_node(model: Model, group: str) -> str | None:
    inside = sorted(n.id for n in model.nodes if group in model.group_chain(n.group))
    return inside[0] if inside else None


# --- legibility checks on Graphviz's layout --------------------------------------------------------

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in points


def _texts(operations: list[Mapping[str, Any]]) -> list[tuple[Box, float, str]]:
    """(box, font size, text) of every text that xdot drawing operations write."""
    size, found = 14.0, []
    for op in operations:
        if op.get("op") == "F":
            size = float(op["size"])
        elif op.get("op") == "T":
            x, y = op["pt"]
            width = float(op["width"])
            x0 = {"l": x, "c": x - width / 2, "r": x - width}.get(str(op.get("align", "c")), x - width / 2)
            # From the baseline: descenders below, the cap height above.
            found.append(((x0, y - 0.25 * size, x0 + width, y + 0.8 * size), size, str(op["text"])))
    return found


def _overlap(a: Box, b: Box, slack: float = 0.5) -> bool:
    return a[0] < b[2] - slack and b[0] < a[2] - slack and a[1] < b[3] - slack and b[1] < a[3] - slack


def _node_box(node: Mapping[str, Any]) -> Box:
    x, y = (float(v) for v in str(node["pos"]).split(","))
    half_w, half_h = float(node["width"]) * 36, float(node["height"]) * 36
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def _bb(text: str) -> Box:
    x0, y0, x1, y1 = (float(v) for v in text.split(","))
    return (x0, y0, x1, y1)


def layout_problems(
    layout: Mapping[str, Any], *, content_width_px: float = CONTENT_WIDTH_PX, min_text_px: float = MIN_TEXT_PX
) -> list[str]:
    """What makes a laid-out picture (``dot -Tjson``) hard to read at the docs' width; [] if nothing.

    * a label (a box, an arrow's label, a boundary's title) overlaps another label;
    * text smaller than ``min_text_px`` when the picture is shown ``content_width_px`` wide
      (or at its own size, when it is narrower);
    * a box that is not inside every boundary that holds it.
    """
    problems: list[str] = []
    graph_box = _bb(str(layout["bb"]))
    width_pt = graph_box[2] - graph_box[0]
    dpi = float(layout.get("dpi", 72))
    shown_px = min(content_width_px, width_pt * dpi / 72)
    px_per_pt = shown_px / width_pt if width_pt else 1.0
    objects = list(layout.get("objects", []))
    boxes = [o for o in objects if "pos" in o]  # nodes; clusters have a bb instead
    labels: list[tuple[str, Box]] = [(f"box {o['name']!r}", _node_box(o)) for o in boxes]
    for item in [*objects, *layout.get("edges", [])]:
        owner = f"label of {item.get('name') or item.get('label') or 'an arrow'!r}"
        for box, size, text in _texts(item.get("_ldraw_", [])):
            if size * px_per_pt < min_text_px:
                problems.append(f"{text!r} is {size * px_per_pt:.1f} px at {shown_px:.0f} px wide")
            if "pos" not in item:  # a box's own text is inside the box
                labels.append((f"{owner} ({text!r})", box))
    for index, (name, box) in enumerate(labels):
        for other, other_box in labels[index + 1 :]:
            if _overlap(box, other_box):
                problems.append(f"{name} overlaps {other}")
    by_index = {o.get("_gvid"): o for o in objects}
    for cluster in objects:
        if "bb" not in cluster or not re.match(r"cluster", str(cluster.get("name", ""))):
            continue
        frame = _bb(str(cluster["bb"]))
        for member in cluster.get("nodes", []):
            node = by_index.get(member)
            if node is None or "pos" not in node:
                continue
            box = _node_box(node)
            if box[0] < frame[0] or box[1] < frame[1] or box[2] > frame[2] or box[3] > frame[3]:
                problems.append(
                    f"box {node['name']!r} sticks out of {cluster.get('label', cluster['name'])!r}"
                )
    return problems
