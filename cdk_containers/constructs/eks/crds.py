"""Wait until a CustomResourceDefinition is established before applying objects of its kind.

Operators often create their CRDs at run time: the `netapp_trident-operator` add-on installs the
operator, and the operator creates `tridentbackendconfigs.trident.netapp.io` when it starts. The
add-on can be ACTIVE before that, and the kubectl handler applies a manifest with `kubectl create`,
retrying only on i/o timeouts, so an object whose kind does not exist yet fails with "no matches for
kind" and rolls the stack back.

`CrdEstablished` is an `aws_eks_v2.KubernetesObjectValue` on the CRD: the kubectl handler's `get`
runs `kubectl get customresourcedefinition <name>` every 10 seconds, treating any error (the CRD does
not exist yet) and an empty result as "not yet", until the JSON path yields a value or the timeout
passes (then the custom resource fails, with the last error). The JSON path yields a value only once
the CRD's `Established` condition is `True`: the API server writes that condition with reason
`InitialNamesAccepted` when the kind is served, and `Established=False` (reason `Installing` or
`NotAccepted`) before (apiextensions-apiserver, establishing and naming controllers). kubectl's
JSON path has no `&&`, so the reason stands for "type Established and status True".

Any manifest can use it:

    wait = CrdEstablished(self, "BackendCrd", cluster=kubectl_cluster,
                          crd_name="tridentbackendconfigs.trident.netapp.io")
    wait.gate(backend_manifest)

`gate` makes the manifest depend on the wait, and the wait on everything the manifest already
depends on (the operator's add-on, the handler's access entry), so it starts as late as possible.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain

__all__ = [
    "BUILT_IN_API_GROUPS",
    "CRD_ESTABLISHED_JSON_PATH",
    "CrdEstablished",
    "api_group",
    "kubectl_cluster_of",
]

#: API groups Kubernetes serves itself; any other group's kinds come from a CRD (or an aggregated API).
BUILT_IN_API_GROUPS = frozenset(
    {
        "",
        "admissionregistration.k8s.io",
        "apiextensions.k8s.io",
        "apiregistration.k8s.io",
        "apps",
        "authentication.k8s.io",
        "authorization.k8s.io",
        "autoscaling",
        "batch",
        "certificates.k8s.io",
        "coordination.k8s.io",
        "discovery.k8s.io",
        "events.k8s.io",
        "flowcontrol.apiserver.k8s.io",
        "networking.k8s.io",
        "node.k8s.io",
        "policy",
        "rbac.authorization.k8s.io",
        "resource.k8s.io",
        "scheduling.k8s.io",
        "storage.k8s.io",
        "storagemigration.k8s.io",
    }
)
#: Yields `True` once the CRD is established, nothing before (see the module docstring).
CRD_ESTABLISHED_JSON_PATH = '.status.conditions[?(@.reason=="InitialNamesAccepted")].status'
_DEFAULT_TIMEOUT_MINUTES = 10
# The kubectl handler and the provider framework's onEvent function both time out at 15 minutes,
# and the handler first writes a kubeconfig: leave it a minute.
_MAX_TIMEOUT_MINUTES = 14


def api_group(api_version: str) -> str:
    """The API group of an `apiVersion` (`""` for the core group's `v1`)."""
    return api_version.rpartition("/")[0]


class CrdEstablished(Construct):
    """A wait, at deploy time, until a CustomResourceDefinition is established.

    Example:
        wait = CrdEstablished(self, "Crd", cluster=kubectl_cluster, crd_name="widgets.example.com")
        wait.gate(widget_manifest)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: eks.ICluster,
        crd_name: str,
        timeout: Duration | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The cluster, as an `aws_eks_v2.ICluster` with a kubectl provider (the handler
            that applies the manifests); see `kubectl_cluster_of`.
        crd_name: The CRD's name, `<plural>.<group>`, e.g. `tridentbackendconfigs.trident.netapp.io`.
        timeout: How long to wait. Defaults to `Duration.minutes(10)`; at most 14 minutes (the
            handler's own limit is 15).

        Raises:
            ValueError: An argument is invalid.
        """
        problems = Problems("CrdEstablished", construct_path(scope, construct_id))
        if problems.check_str("crd_name", crd_name) and problems.check_known(
            "crd_name", crd_name, "it is the object the handler looks for"
        ):
            problems.check(
                "." in crd_name and is_dns1123_subdomain(crd_name),
                "crd_name",
                crd_name,
                "a CRD name '<plural>.<group>', e.g. 'tridentbackendconfigs.trident.netapp.io'",
            )
        wait = Duration.minutes(_DEFAULT_TIMEOUT_MINUTES) if timeout is None else timeout
        if problems.check_type("timeout", wait, Duration, allowed="a Duration"):
            minutes = wait.to_seconds() / 60
            problems.check(
                0 < minutes <= _MAX_TIMEOUT_MINUTES,
                "timeout",
                f"{minutes:g} minutes",
                f"more than 0 and at most {_MAX_TIMEOUT_MINUTES} minutes (the kubectl handler stops at 15)",
            )
        if getattr(cluster, "kubectl_provider", None) is None:
            problems.add(
                "cluster",
                cluster,
                "an aws_eks_v2.ICluster with a kubectl provider (see kubectl_cluster_of)",
            )
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self.crd_name = crd_name
        """The CRD waited for."""
        self.value = eks.KubernetesObjectValue(
            self,
            "Established",
            cluster=cluster,
            object_type="customresourcedefinition",
            object_name=crd_name,
            json_path=CRD_ESTABLISHED_JSON_PATH,
            timeout=wait,
        )
        """The `Custom::AWSCDK-EKS-KubernetesObjectValue` that waits; its `value` is `True`."""

    def gate(self, *manifests: IConstruct) -> None:
        """Apply `manifests` only once the CRD is established.

        Each manifest depends on the wait, and the wait on what the manifest depended on when
        this is called (so it starts after the operator's add-on and the handler's access).

        Args:
            manifests: The Kubernetes manifests (or charts) whose objects are of the CRD's kind.
        """
        node = self.node
        for manifest in manifests:
            manifest_node = manifest.node
            earlier = [dependency for dependency in manifest_node.dependencies if dependency is not self]
            if earlier:
                node.add_dependency(*earlier)
            manifest_node.add_dependency(self)


def kubectl_cluster_of(cluster: Any) -> eks.ICluster | None:
    """The `aws_eks_v2.ICluster` with a kubectl provider that applies `cluster`'s manifests.

    Works for an `aws_eks_v2` cluster (owned or imported) that has a kubectl provider, for an
    object whose `cluster` is one, for an object with a `kubectl_cluster` member, and for this
    library's `EksCluster` (its handler is created on first use).

    Args:
        cluster: An `aws_eks_v2.ICluster`, an `EksCluster` or a wrapper of either.

    Returns:
        The cluster view, or `None` when `cluster` has no kubectl handler.
    """
    # `kubectl_cluster` (EksCluster and the imported cluster) creates the handler on first use.
    for candidate in (cluster, getattr(cluster, "cluster", None), getattr(cluster, "kubectl_cluster", None)):
        if candidate is not None and getattr(candidate, "kubectl_provider", None) is not None:
            return candidate  # type: ignore[no-any-return]
    return None
