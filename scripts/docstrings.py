"""Docstrings as Markdown, for the API reference and the generated stack pages.

The house style is Google docstrings with Markdown backticks. Some docstrings still
use reST roles (``:class:`EksCluster` ``) and double backticks; they are rewritten
to plain code spans here, so they never leak into a page as literal markup. Two more
shapes are made readable: an ``Example:`` section of indented code becomes a fenced
Python block, and a section whose body is not indented under its header (an
``__init__`` docstring that starts with ``Args:``) is indented so it parses as one.

``ReStRolesToMarkdown`` is a Griffe extension (mkdocs.yml lists this file under the
mkdocstrings handler's ``extensions``) that applies the rewrite to every docstring
the API reference renders.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

__all__ = ["ReStRolesToMarkdown", "markdown"]

#: ``:class:`X` ``, ``:meth:`~a.b.c` ``, ``:py:func:`f` ``; the ``~`` shortens to the last name.
_ROLE = re.compile(r":(?:py:)?[a-z]+:`(?P<tilde>~?)(?P<target>[^`]+)`")
_DOUBLE = re.compile(r"``(?P<code>[^`]+)``")


def _role(match: re.Match[str]) -> str:
    target = match["target"]
    return f"`{target.rsplit('.', 1)[-1] if match['tilde'] else target}`"


_SECTION = re.compile(
    r"^(?P<indent> *)(?P<name>Args|Arguments|Parameters|Keyword Args|Returns|Raises|Yields|Attributes"
    r"|Examples?|Notes?|Warnings?):\s*$"
)


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _sections(text: str, fence_examples: bool) -> str:
    lines, out, index = text.splitlines(), [], 0
    while index < len(lines):
        header = _SECTION.match(lines[index])
        out.append(lines[index])
        index += 1
        if header is None:
            continue
        level = len(header["indent"])
        body: list[str] = []
        flat = index < len(lines) and lines[index].strip() != "" and _indent_of(lines[index]) <= level
        while index < len(lines) and not _SECTION.match(lines[index]):
            line = lines[index]
            if not line.strip():
                following = next((x for x in lines[index + 1 :] if x.strip()), "")
                if flat or _indent_of(following) <= level:
                    break
            elif not flat and _indent_of(line) <= level:
                break
            body.append(line)
            index += 1
        pad = " " * (level + 4)
        if flat:
            body = [pad + line[level:] if line.strip() else line for line in body]
        code = "\n".join(body)
        is_example = header["name"].startswith("Example")
        if fence_examples and is_example and "```" not in code and ">>>" not in code:
            body = [f"{pad}```python", *body, f"{pad}```"]
        out.extend(body)
    return "\n".join(out)


def markdown(text: str, *, fence_examples: bool = True) -> str:
    """``text`` as Markdown: reST roles and double-backtick literals as code spans, sections fixed."""
    return _sections(_DOUBLE.sub(lambda m: f"`{m['code']}`", _ROLE.sub(_role, text)), fence_examples)


class ReStRolesToMarkdown(griffe.Extension):
    """Rewrites every loaded docstring with `markdown` before mkdocstrings parses it."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
