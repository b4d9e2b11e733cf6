"""Kubernetes versions this library supports, and the kubectl layer for each.

The kubectl handler (the Lambda that applies manifests and charts) carries its
own `kubectl` binary in a Lambda layer, and kubectl supports a skew of one
minor version against the API server (aws/aws-cdk#15736, #19843). This table
is the single place that says which installed layer serves which cluster
version; a version missing from it is refused up front.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk_containers._extras import require

__all__ = ["KUBECTL_LAYERS", "KubectlLayerSpec", "default_version", "kubectl_layer_for", "version_string"]


@dataclass(frozen=True)
class KubectlLayerSpec:
    """Where the kubectl layer for a cluster version lives (the `eks` extra installs it).

    The layer module is imported when a layer is created, not when this module is: each
    layer package is a jsii assembly with a kubectl zip of about 35 MB, and an app without a
    kubectl handler never needs one.
    """

    module: str
    class_name: str

    def create(self, scope: Construct, construct_id: str) -> lambda_.ILayerVersion:
        """A new layer construct of this kubectl version in `scope`.

        Raises:
            ImportError: When the `eks` extra is not installed; the message says how to install it.
        """
        module = require(self.module, extra="eks", feature=f"The kubectl handler ({self.class_name})")
        layer_class = getattr(module, self.class_name)
        layer: lambda_.ILayerVersion = layer_class(scope, construct_id)
        return layer


_V35 = KubectlLayerSpec("aws_cdk.lambda_layer_kubectl_v35", "KubectlV35Layer")
_V36 = KubectlLayerSpec("aws_cdk.lambda_layer_kubectl_v36", "KubectlV36Layer")

#: Cluster version -> kubectl layer. 1.34 uses kubectl 1.35 (one minor ahead is supported).
KUBECTL_LAYERS: dict[str, KubectlLayerSpec] = {
    "1.34": _V35,
    "1.35": _V35,
    "1.36": _V36,
}


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


@functools.cache
def default_version() -> str:
    """The newest version both `aws_eks_v2.KubernetesVersion` and a kubectl layer support."""
    # Only the versions with a layer are asked for (each is two jsii round trips), not all of them.
    constants = set(dir(eks.KubernetesVersion))
    names = {version: "V" + version.replace(".", "_") for version in KUBECTL_LAYERS}
    known = {
        version
        for version, name in names.items()
        if name in constants and getattr(eks.KubernetesVersion, name).version == version
    }
    return max(known, key=_minor)


def version_string(version: str | eks.KubernetesVersion | None) -> str:
    """The `"1.xx"` string of a version argument (`None` means the default)."""
    if version is None:
        return default_version()
    if isinstance(version, eks.KubernetesVersion):
        return str(version.version)
    return version


def kubectl_layer_for(version: str) -> KubectlLayerSpec | None:
    """The kubectl layer for a cluster version, or `None` when none is installed."""
    return KUBECTL_LAYERS.get(version)


def minor_of(version: str) -> tuple[int, int] | None:
    """`(1, 36)` for `"1.36"`; `None` when the string is not a version."""
    try:
        return _minor(version)
    except ValueError:
        return None
