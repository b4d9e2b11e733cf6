"""The constructs of cdk-containers, one module per family.

Every family's public names (its `__all__`) are offered here and from the package root, and
`__all__` is the families' lists joined, so a name is added in its family only.

A family is imported when one of its names is first used, not when this package is: importing
aws-cdk-lib's generated modules is most of an import's cost (`aws_ecs` alone is about 0.2 s),
so an app that uses only `ContainerRepository` loads neither EKS, nor ECS, nor App Runner's
bindings. The families' lists are read from their source to know which family offers a name.
No family imports an optional extra at import time either (App Runner's alpha and the kubectl
layers are imported where they are used, through `cdk_containers._extras.require`).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from cdk_containers._lazy import lazy_exports

if TYPE_CHECKING:
    from cdk_containers.constructs.app_runner import *  # noqa: F403
    from cdk_containers.constructs.ecr import *  # noqa: F403
    from cdk_containers.constructs.eks import *  # noqa: F403
    from cdk_containers.constructs.express import *  # noqa: F403
    from cdk_containers.constructs.storage import *  # noqa: F403

#: The families, in the order their names appear in `__all__`.
_FAMILIES = ("ecr", "eks", "storage", "app_runner", "express")


def _declared_names(family: str) -> list[str]:
    """The family's `__all__`, read from its source without importing it (the cost avoided)."""
    try:
        source = (Path(__file__).parent / family / "__init__.py").read_text(encoding="utf-8")
    except OSError:  # installed without sources: importing the family is the only way to know
        return list(importlib.import_module(f"{__name__}.{family}").__all__)
    for statement in ast.parse(source).body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in statement.targets
        ):
            return list(ast.literal_eval(statement.value))
    raise ImportError(f"{__name__}.{family} does not declare __all__ as a literal list")


_FAMILY_OF: dict[str, str] = {name: family for family in _FAMILIES for name in _declared_names(family)}

__all__: list[str] = list(_FAMILY_OF)


__getattr__, __dir__ = lazy_exports(globals(), _FAMILY_OF)
