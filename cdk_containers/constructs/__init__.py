"""The constructs of cdk-containers, one module per family.

Every family's public names (its `__all__`) are offered here and from the package root, and
`__all__` is the families' lists joined, so a name is added in its family only. No family imports
an optional extra at import time (App Runner's alpha and the kubectl layers are imported where
they are used, through `cdk_containers._extras.require`), so `import cdk_containers.constructs`
loads no optional dependency.
"""

from __future__ import annotations

from cdk_containers.constructs import app_runner as _app_runner
from cdk_containers.constructs import ecr as _ecr
from cdk_containers.constructs import eks as _eks
from cdk_containers.constructs import express as _express
from cdk_containers.constructs import storage as _storage
from cdk_containers.constructs.app_runner import *  # noqa: F403
from cdk_containers.constructs.ecr import *  # noqa: F403
from cdk_containers.constructs.eks import *  # noqa: F403
from cdk_containers.constructs.express import *  # noqa: F403
from cdk_containers.constructs.storage import *  # noqa: F403

__all__: list[str] = [
    *_ecr.__all__,
    *_eks.__all__,
    *_storage.__all__,
    *_app_runner.__all__,
    *_express.__all__,
]
