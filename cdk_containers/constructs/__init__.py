"""The constructs of cdk-containers, one module per family.

Every family's public names (its `__all__`) are offered here and from the package root, and
`__all__` is the families' lists joined, so a name is added in its family only. Families that
need an optional extra (App Runner needs `cdk-containers[apprunner]`) are imported when one of
their names is first used: `import cdk_containers.constructs` loads no optional dependency.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from typing import TYPE_CHECKING

from cdk_containers.constructs import ecr as _ecr
from cdk_containers.constructs import eks as _eks
from cdk_containers.constructs import storage as _storage
from cdk_containers.constructs.ecr import *  # noqa: F403
from cdk_containers.constructs.eks import *  # noqa: F403
from cdk_containers.constructs.storage import *  # noqa: F403

if TYPE_CHECKING:
    from cdk_containers.constructs.app_runner import *  # noqa: F403

#: Families imported on first use, because importing them imports an optional extra.
_LAZY_FAMILIES = ("cdk_containers.constructs.app_runner",)


def _declared_all(module_name: str) -> list[str]:
    """The `__all__` a module declares, read from its source without running it.

    The literal forms are understood (`__all__ = [...]`, `__all__ += [...]`); for any other
    form the module is imported and its `__all__` read.
    """
    spec = importlib.util.find_spec(module_name)
    names: list[str] = []
    if spec is not None and spec.origin and spec.origin.endswith(".py"):
        with open(spec.origin, encoding="utf-8") as source:
            tree = ast.parse(source.read(), spec.origin)
        for node in tree.body:
            target = getattr(node, "target", None) or (getattr(node, "targets", None) or [None])[0]
            if not (isinstance(target, ast.Name) and target.id == "__all__"):
                continue
            try:
                value = ast.literal_eval(node.value)  # type: ignore[attr-defined]
            except ValueError:
                names = []
                break
            names = [*names, *value] if isinstance(node, ast.AugAssign) else list(value)
        if names:
            return names
    declared: list[str] = importlib.import_module(module_name).__all__
    return declared


_LAZY_NAMES: dict[str, str] = {name: module for module in _LAZY_FAMILIES for name in _declared_all(module)}

__all__: list[str] = []
__all__ += _ecr.__all__
__all__ += _eks.__all__
__all__ += _storage.__all__
__all__ += list(_LAZY_NAMES)


def __getattr__(name: str) -> object:
    module = _LAZY_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
