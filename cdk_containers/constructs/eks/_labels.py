"""Kubernetes labels and taint keys: the syntax, and the keys the kubelet accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping

from cdk_containers._validation import Problems, is_dns1123_subdomain, is_token

__all__ = ["check_labels", "is_label_key", "is_label_value", "kubelet_may_set"]

_LABEL_NAME = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$")


def is_label_key(key: str) -> bool:
    """A Kubernetes label/taint key: optional DNS-subdomain prefix, '/', name of 1-63 chars."""
    prefix, _, name = key.rpartition("/")
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return 1 <= len(name) <= 63 and bool(_LABEL_NAME.match(name))


def is_label_value(value: str) -> bool:
    """A Kubernetes label value: empty, or 1-63 alphanumerics with '-', '_' or '.' inside."""
    return value == "" or (len(value) <= 63 and bool(_LABEL_NAME.match(value)))


#: Keys in the kubernetes.io/k8s.io namespaces the kubelet sets itself and accepts in --node-labels.
_KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "kubernetes.io/os",
        "kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
    }
)


def kubelet_may_set(key: str) -> bool:
    """Whether a node may register with this label (the kubelet's `--node-labels` rule).

    The kubelet refuses to start when `--node-labels` has a key in the `kubernetes.io` or
    `k8s.io` namespaces other than its own well-known labels and the `node.kubernetes.io` and
    `kubelet.kubernetes.io` namespaces (NodeRestriction): the node would never join.
    """
    namespace = key.rpartition("/")[0]
    restricted = any(namespace == ns or namespace.endswith("." + ns) for ns in ("kubernetes.io", "k8s.io"))
    if not restricted or key in _KUBELET_LABELS:
        return True
    return any(
        namespace == ns or namespace.endswith("." + ns)
        for ns in ("node.kubernetes.io", "kubelet.kubernetes.io")
    )


def check_labels(problems: Problems, argument: str, labels: object, *, node: bool) -> None:
    """Kubernetes labels: a mapping of label keys to label values (`node`: kubelet rules too)."""
    if not problems.check_mapping(argument, labels, str) or not isinstance(labels, Mapping):
        return
    for key, value in labels.items():
        if is_token(key):
            continue
        if not is_label_key(key):
            problems.add(
                f"{argument} key",
                key,
                "label keys like 'team' or 'example.com/team' (name of 1-63 characters)",
            )
        elif node and not kubelet_may_set(key):
            problems.add(
                f"{argument} key",
                key,
                "a key outside the kubernetes.io and k8s.io namespaces, e.g. 'example.com/role' "
                "(the kubelet refuses to start with those, except node.kubernetes.io/ and "
                "kubelet.kubernetes.io/)",
            )
        if not is_token(value) and not is_label_value(value):
            problems.add(
                f"{argument}[{key!r}]", value, "a label value of up to 63 letters, digits, '-', '_' or '.'"
            )
