"""User data that joins a self-managed node to an EKS cluster and tells CloudFormation it did.

AL2023 nodes are configured by `nodeadm` from a `NodeConfig` document
(`node.eks.aws/v1alpha1`) delivered as a part of a MIME multipart message;
`/etc/eks/bootstrap.sh` (what `aws_eks_v2` still renders) exists on AL2
only, and AL2 is gone from Kubernetes 1.33. Bottlerocket reads TOML settings.
Every value may be a CloudFormation token: the text is rendered as is and CDK
turns it into `Fn::Join` at synthesis.

The creation signal: nodeadm starts the kubelet after cloud-init has run the
user data's scripts, so the AL2023 script cannot wait for the kubelet itself;
it starts a transient systemd unit that polls the kubelet's health endpoint
and then calls `aws cloudformation signal-resource` (the AWS CLI ships with the
EKS-optimized AL2023 AMI; `cfn-signal` does not). Bottlerocket has no shell
for user data: its own `settings.cloudformation` makes the host signal once it
has booted with all its services, the kubelet included. Both sign the call with
the node role, which needs `cloudformation:SignalResource` on this stack only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdk_containers.constructs.eks.options import Taint

__all__ = ["MIME_BOUNDARY", "CreationSignal", "bottlerocket_user_data", "nodeadm_user_data"]

MIME_BOUNDARY = "//"
_KUBELET_HEALTHZ = "http://localhost:10248/healthz"
_POLL_SECONDS = 10


@dataclass(frozen=True, kw_only=True)
class CreationSignal:
    """Where the node sends its creation signal: the Auto Scaling group's stack and logical id."""

    region: str
    stack_name: str
    logical_id: str
    timeout_seconds: int


def _kubelet_flags(labels: Mapping[str, str], taints: Sequence[Taint]) -> list[str]:
    flags = []
    if labels:
        flags.append("--node-labels=" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())))
    if taints:
        flags.append("--register-with-taints=" + ",".join(t._kubelet_form for t in taints))
    return flags


def _signal_script(signal: CreationSignal) -> list[str]:
    tries = max(1, signal.timeout_seconds // _POLL_SECONDS)
    command = (
        f"status=FAILURE; for i in $(seq 1 {tries}); do "
        f"if curl -sf {_KUBELET_HEALTHZ} >/dev/null; then status=SUCCESS; break; fi; "
        f"sleep {_POLL_SECONDS}; done; "
        f"aws cloudformation signal-resource --region {signal.region} --stack-name {signal.stack_name} "
        f"--logical-resource-id {signal.logical_id} "
        '--unique-id "$(cat /var/lib/cloud/data/instance-id)" --status "$status"'
    )
    return [
        f"--{MIME_BOUNDARY}",
        'Content-Type: text/x-shellscript; charset="us-ascii"',
        "",
        "#!/bin/bash",
        "# Tell CloudFormation once the kubelet nodeadm starts after this script is healthy.",
        f"systemd-run --unit=cfn-signal-kubelet --no-block /bin/bash -c '{command}'",
        "",
    ]


def nodeadm_user_data(
    *,
    cluster_name: str,
    api_server_endpoint: str,
    certificate_authority: str,
    service_cidr: str,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
    signal: CreationSignal | None = None,
) -> str:
    """A MIME multipart message with a nodeadm `NodeConfig` part (and the signal script).

    Labels and taints become kubelet flags (`--node-labels`, `--register-with-taints`)
    so the node registers with them.
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
    lines += [""]
    if signal is not None:
        lines += _signal_script(signal)
    lines += [f"--{MIME_BOUNDARY}--", ""]
    return "\n".join(lines)


def bottlerocket_user_data(
    *,
    cluster_name: str,
    api_server_endpoint: str,
    certificate_authority: str,
    cluster_dns_ip: str,
    labels: Mapping[str, str] | None = None,
    taints: Sequence[Taint] = (),
    signal: CreationSignal | None = None,
) -> str:
    """Bottlerocket TOML settings that join the node to the cluster (and signal CloudFormation)."""
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
            by_key.setdefault(taint.key, []).append(f"{taint.value or ''}:{taint._kubernetes_effect}")
        for key, values in by_key.items():
            quoted = ", ".join(f'"{v}"' for v in values)
            lines.append(f'"{key}" = [{quoted}]')
    if signal is not None:
        lines += [
            "",
            "[settings.cloudformation]",
            "should-signal = true",
            f'stack-name = "{signal.stack_name}"',
            f'logical-resource-id = "{signal.logical_id}"',
        ]
    return "\n".join(lines) + "\n"
