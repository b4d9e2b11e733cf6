"""Where the cluster's own pods (CoreDNS, CSI controllers) can run, checked once the app is built."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import jsii
from aws_cdk import IStableStringProducer
from constructs import IValidation

if TYPE_CHECKING:
    from cdk_containers.constructs.eks._base import ClusterBase

__all__ = ["COREDNS_POD_LABELS", "CoreDnsConfiguration", "SystemPodsCanSchedule"]

#: Labels every CoreDNS pod of the EKS add-on carries; a kube-system Fargate selector may use any of them.
COREDNS_POD_LABELS = {"eks.amazonaws.com/component": "coredns", "k8s-app": "kube-dns"}


def _coredns_on_fargate(cluster: ClusterBase) -> bool:
    return cluster.has_fargate_capacity and not cluster.has_ec2_capacity


@jsii.implements(IStableStringProducer)
class CoreDnsConfiguration:
    """CoreDNS runs on Fargate when, at synthesis, the cluster has Fargate capacity only."""

    def __init__(self, cluster: ClusterBase) -> None:
        self._cluster = cluster

    def produce(self) -> str | None:
        return json.dumps({"computeType": "Fargate"}) if _coredns_on_fargate(self._cluster) else None


@jsii.implements(IValidation)
class SystemPodsCanSchedule:
    """CoreDNS and the CSI controllers need a node without a NoSchedule taint, or a Fargate profile."""

    def __init__(self, cluster: ClusterBase) -> None:
        self._cluster = cluster

    def validate(self) -> list[str]:
        c = self._cluster
        coredns_profile = any(
            s.namespace == "kube-system"
            and all(COREDNS_POD_LABELS.get(k) == v for k, v in (s.labels or {}).items())
            for s in c.fargate_selectors
        )
        if _coredns_on_fargate(c) and not coredns_profile:
            return [
                "the cluster has Fargate capacity only, so CoreDNS must run on Fargate: add a Fargate "
                "profile with FargateSelector(namespace='kube-system', labels={'k8s-app': 'kube-dns'}) "
                "(or labels={'eks.amazonaws.com/component': 'coredns'})"
            ]
        taints = c._ec2_taints
        all_tainted = bool(taints) and all(any(t._keeps_system_pods_off for t in g) for g in taints)
        if all_tainted and not coredns_profile:
            return [
                "every EC2 node group carries a NoSchedule or NoExecute taint, so CoreDNS and the CSI "
                "controllers (which tolerate no custom taint) cannot schedule: add a node group without "
                "such a taint, use PreferNoSchedule, or run kube-system on Fargate"
            ]
        return []
