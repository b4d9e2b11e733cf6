"""User data that joins a self-managed node to an EKS cluster.

AL2023 nodes are configured by ``nodeadm`` from a ``NodeConfig`` document
(``node.eks.aws/v1alpha1``) delivered as a part of a MIME multipart message;
``/etc/eks/bootstrap.sh`` (what ``aws_eks_v2`` still renders) exists on AL2
only, and AL2 is gone from Kubernetes 1.33. Bottlerocket reads TOML settings.
Every value may be a CloudFormation token: the text is rendered as is and CDK
turns it into ``Fn::Join`` at synthesis.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdk_containers.constructs.eks.options import Taint

__all__ = ["MIME_BOUNDARY", "bottlerocket_user_data", "nodeadm_user_data"]

MIME_BOUNDARY = "//"


def _kubelet_flags(labels: Mapping[str, str], taints: Sequence[Taint]) -> list[str]:
    flags = []
    if labels:
        flags.append("--node-labels=" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())))
    if taints:
        flags.append("--register-with-taints=" + ",".join(t.kubelet_form for t in taints))
    return flags


def nodeadm_user_data(
    *,
    cluster_name: str,
    api_server_endpoint: str,
    certificate_authority: str,
    service_cidr: str,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
) -> str:
    """A MIME multipart message with one nodeadm ``NodeConfig`` part.

    Labels and taints become kubelet flags (``--node-labels``,
    ``--register-with-taints``) so the node registers with them.
    """
    lines = [
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{MIME_BOUNDARY}"',
        "",
        f"--{MIME_BOUNDARY}",
        "Content-Type: application/node.eks.aws",
        "",
        "---",
        "apiVersion: node.eks.aws/v1alpha1",
        "kind: NodeConfig",
        "spec:",
        "  cluster:",
        f"    name: {cluster_name}",
        f"    apiServerEndpoint: {api_server_endpoint}",
        f"    certificateAuthority: {certificate_authority}",
        f"    cidr: {service_cidr}",
    ]
    flags = _kubelet_flags(labels or {}, taints)
    if flags:
        lines += ["  kubelet:", "    flags:"] + [f"      - {flag}" for flag in flags]
    lines += ["", f"--{MIME_BOUNDARY}--", ""]
    return "\n".join(lines)


def bottlerocket_user_data(
    *,
    cluster_name: str,
    api_server_endpoint: str,
    certificate_authority: str,
    cluster_dns_ip: str,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
) -> str:
    """Bottlerocket TOML settings that join the node to the cluster."""
    lines = [
        "[settings.kubernetes]",
        f'cluster-name = "{cluster_name}"',
        f'api-server = "{api_server_endpoint}"',
        f'cluster-certificate = "{certificate_authority}"',
        f'cluster-dns-ip = "{cluster_dns_ip}"',
    ]
    if labels:
        lines += ["", "[settings.kubernetes.node-labels]"]
        lines += [f'"{k}" = "{v}"' for k, v in sorted(labels.items())]
    if taints:
        lines += ["", "[settings.kubernetes.node-taints]"]
        by_key: dict[str, list[str]] = {}
        for taint in taints:
            by_key.setdefault(taint.key, []).append(f"{taint.value or ''}:{taint.effect}")
        lines += [f'"{k}" = [{", ".join(repr_toml(v) for v in values)}]' for k, values in by_key.items()]
    return "\n".join(lines) + "\n"


def repr_toml(value: str) -> str:
    """A TOML basic string (values here are validated label/taint values: no quotes)."""
    return f'"{value}"'
