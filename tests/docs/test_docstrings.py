"""Docstrings reach the API reference and the stack pages as Markdown, whatever markup they use."""

from __future__ import annotations

from scripts.docstrings import markdown


def test_rest_roles_and_double_backticks_become_code_spans() -> None:
    text = "See :class:`EksCluster`, :meth:`~a.b.add_manifest` and ``aws_eks_v2``."
    assert markdown(text) == "See `EksCluster`, `add_manifest` and `aws_eks_v2`."


def test_a_section_not_indented_under_its_header_is_indented_so_it_parses() -> None:
    text = "Args:\nvpc: The VPC.\n    Defaults to none.\nname: A name.\n\nMore text."
    assert (
        markdown(text)
        == "Args:\n    vpc: The VPC.\n        Defaults to none.\n    name: A name.\n\nMore text."
    )


def test_an_example_of_indented_code_becomes_a_fenced_python_block() -> None:
    text = "Summary.\n\nExample:\n    x = f(1)\n    y = 2\n"
    assert markdown(text) == "Summary.\n\nExample:\n    ```python\n    x = f(1)\n    y = 2\n    ```"
    assert markdown(text, fence_examples=False) == "Summary.\n\nExample:\n    x = f(1)\n    y = 2"
