"""Every code example in the docs runs, so the docs cannot rot.

* Each ``docs/examples/*.py`` defines ``build(stack)`` (see docs/examples/README.md);
  it is run into a fresh stack and synthesized.
* Each fenced ``python`` block of a page either includes a file with the snippets
  extension (that file must exist and parse) or parses itself.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from tests.conftest import REPO_ROOT, make_app

DOCS = REPO_ROOT / "docs"
EXAMPLES = sorted((DOCS / "examples").glob("*.py"))
PAGES = sorted(DOCS.rglob("*.md"))
_FENCE = re.compile(r"^(?P<indent> *)```python[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.DOTALL | re.MULTILINE)
_SNIPPET = re.compile(r'^\s*--8<--\s+"(?P<path>[^"]+)"\s*$')


def python_blocks(page: Path) -> list[str]:
    """The bodies of the fenced python blocks of a Markdown page, dedented."""
    blocks = []
    for match in _FENCE.finditer(page.read_text(encoding="utf-8")):
        indent = len(match["indent"])
        blocks.append("\n".join(line[indent:] for line in match["body"].splitlines()))
    return blocks


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_docs_example_builds_into_a_fresh_stack_and_synthesizes(example: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"docs_example_{example.stem}", example)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    build = getattr(module, "build", None)
    assert callable(build), f"{example.name} must define build(stack: aws_cdk.Stack) -> None"
    stack = Stack(make_app(), "ExampleStack")
    assert build(stack) is None
    template = Template.from_stack(stack).to_json()
    assert template.get("Resources"), f"{example.name} created no resources"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_python_blocks_of_a_page_parse_or_include_an_existing_file(page: Path) -> None:
    for block in python_blocks(page):
        included = [_SNIPPET.match(line) for line in block.splitlines() if line.strip()]
        if included and all(included):
            for match in included:
                assert match is not None
                source = REPO_ROOT / match["path"]
                assert source.is_file(), f"{page.name} includes {match['path']}, which does not exist"
                ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        else:
            ast.parse(block, filename=str(page))


def test_the_fence_finder_sees_blocks_and_a_broken_block_fails_to_parse(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("text\n\n```python\nx = (\n```\n\n    ```python\n    y = 1\n    ```\n", encoding="utf-8")
    blocks = python_blocks(page)
    assert blocks == ["x = (", "y = 1"]
    with pytest.raises(SyntaxError):
        ast.parse(blocks[0])


def test_the_examples_convention_is_written_down() -> None:
    readme = (DOCS / "examples" / "README.md").read_text(encoding="utf-8")
    assert "def build(stack: aws_cdk.Stack) -> None" in readme
