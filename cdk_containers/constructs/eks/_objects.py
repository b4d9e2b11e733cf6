"""Kubernetes objects of a cluster: manifests and Helm charts through the kubectl handler."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct, IConstruct

from cdk_containers._validation import Problems, construct_path, is_dns1123_subdomain
from cdk_containers.constructs.eks._kubectl import KubectlHandler, create_kubectl_handler
from cdk_containers.constructs.eks._subnets import select_subnets

__all__ = ["KubernetesObjects"]


class KubernetesObjects(Construct):
    """The part of a cluster that applies Kubernetes objects (a base of `ClusterBase`)."""

    vpc: ec2.IVpc
    node_subnets: ec2.SubnetSelection
    version: str
    cluster_security_group: ec2.ISecurityGroup
    _construct_type: str
    _kubectl_handler: KubectlHandler | None

    @property
    def _icluster(self) -> eks.ICluster:
        raise NotImplementedError

    def _depend_on_compute(self, dependent: IConstruct) -> None:
        raise NotImplementedError

    def _create_kubectl_handler(self) -> KubectlHandler:
        return create_kubectl_handler(
            self,
            cluster=self._icluster,
            version=self.version,
            vpc=self.vpc,
            subnets=select_subnets(self.vpc, self.node_subnets).subnets,
            security_group=self.cluster_security_group,
        )

    def _kubectl(self) -> KubectlHandler:
        if self._kubectl_handler is None:
            self._kubectl_handler = self._create_kubectl_handler()
        return self._kubectl_handler

    @property
    def kubectl_cluster(self) -> eks.ICluster:
        """The `aws_eks_v2.ICluster` view whose kubectl provider applies this cluster's objects.

        Creates the kubectl handler on first use (2 Lambda functions in the node subnets). Give
        it to aws-cdk-lib constructs that need the handler, such as `KubernetesObjectValue` or
        `CrdEstablished`.
        """
        return self._kubectl().cluster

    def add_manifest(self, construct_id: str, *manifests: Mapping[str, Any]) -> eks.KubernetesManifest:
        """Apply Kubernetes manifests with the kubectl handler (created on first use).

        The manifests depend on all compute of the cluster (they need a node or Fargate pod
        to run anything), including capacity added later.

        Args:
            construct_id: Construct id.
            *manifests: Kubernetes objects as mappings.

        Returns:
            The `aws_eks_v2.KubernetesManifest`.
        """
        problems = Problems(self._construct_type, construct_path(self, construct_id))
        problems.check_list("manifests", list(manifests), Mapping, min_items=1)
        problems.raise_if_any()
        handler = self._kubectl()
        manifest = eks.KubernetesManifest(
            self, construct_id, cluster=handler.cluster, manifest=[dict(m) for m in manifests]
        )
        if handler.access is not None:
            manifest.node.add_dependency(handler.access)
        self._depend_on_compute(manifest)
        return manifest

    def add_helm_chart(
        self,
        construct_id: str,
        *,
        chart: str,
        repository: str,
        namespace: str,
        version: str | None = None,
        release: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> eks.HelmChart:
        """Install a Helm chart with the kubectl handler (created on first use); depends on compute.

        Args:
            construct_id: Construct id.
            chart: Chart name.
            repository: Chart repository URL.
            namespace: Namespace to install into (created if missing).
            version: Chart version. Defaults to the newest.
            release: Release name. Defaults to a name derived from the construct.
            values: Chart values. Defaults to the chart's.

        Returns:
            The `aws_eks_v2.HelmChart`.
        """
        problems = Problems(self._construct_type, construct_path(self, construct_id))
        problems.check_str("chart", chart, pattern=r"\S+", allowed="a chart name such as 'cert-manager'")
        problems.check_str(
            "repository", repository, pattern=r"\S+", allowed="a chart repository URL, https:// or oci://"
        )
        if problems.check_str("namespace", namespace):
            problems.check(
                is_dns1123_subdomain(namespace) and len(namespace) <= 63,
                "namespace",
                namespace,
                "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
            )
        problems.check_mapping("values", values, object)
        problems.check_str("version", version, optional=True)
        problems.check_str("release", release, optional=True)
        problems.raise_if_any()
        handler = self._kubectl()
        chart_construct = eks.HelmChart(
            self,
            construct_id,
            cluster=handler.cluster,
            chart=chart,
            repository=repository,
            namespace=namespace,
            version=version,
            release=release,
            values=values,
        )
        if handler.access is not None:
            chart_construct.node.add_dependency(handler.access)
        self._depend_on_compute(chart_construct)
        return chart_construct

    @property
    def has_kubectl_handler(self) -> bool:
        """Whether the kubectl handler (2 Lambda functions) exists."""
        return self._kubectl_handler is not None
