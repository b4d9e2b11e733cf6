"""ImportedEksCluster: a cluster this app did not create, with our capacity, add-ons and storage."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_token
from cdk_containers.constructs.eks._base import ClusterBase, JoinAttributes
from cdk_containers.constructs.eks._cluster_checks import check_object, check_version
from cdk_containers.constructs.eks._kubectl import KubectlHandler

__all__ = ["EksClusterAttributes", "ImportedEksCluster"]


@dataclass(frozen=True, kw_only=True)
class EksClusterAttributes:
    """What the library needs to know about a cluster it did not create.

    Args:
        cluster_name: The cluster's name in EKS.
        vpc: The cluster's VPC (`ec2.Vpc.from_lookup` or `from_vpc_attributes`).
        version: The cluster's Kubernetes version (`"1.35"`): it picks the node AMIs and the
            kubectl layer, so it must be one this library supports.
        cluster_security_group_id: The EKS-created cluster security group (`aws eks
            describe-cluster --query cluster.resourcesVpcConfig.clusterSecurityGroupId`):
            nodes, the kubectl handler and the storage drivers' file systems use it.
        node_subnets: Private subnets for nodes, Fargate pods and the kubectl handler.
            Defaults to the VPC's private subnets with egress.
        cluster_endpoint: The API server URL. Needed by self-managed node groups. Defaults to none.
        cluster_certificate_authority_data: The base64 CA bundle. Needed by self-managed node
            groups. Defaults to none.
        service_ipv4_cidr: The cluster's service CIDR. Needed by self-managed node groups.
            Defaults to none.
        open_id_connect_provider: The cluster's existing IAM OIDC provider
            (`iam.OidcProviderNative.from_oidc_provider_arn`). Needed by
            `add_irsa_service_account`; an account holds one provider per issuer, so the library
            does not create a second one. Defaults to none.
        kubectl_provider: A kubectl provider the cluster already trusts
            (`eks.KubectlProvider.from_kubectl_provider_attributes`). Defaults to none: the
            library creates its own handler with a cluster-admin access entry on first use,
            which needs the cluster's authentication mode to include `API`.
        pod_identity_agent: Whether the `eks-pod-identity-agent` add-on is installed already.
            Pod Identity (`add_pod_identity`, the storage drivers) needs it; without it, add it
            with `add_addon("eks-pod-identity-agent", before_compute=True)`. Defaults to `False`.
        has_ec2_capacity: Whether the cluster has EC2 nodes already. Defaults to `True`.
    """

    cluster_name: str
    vpc: ec2.IVpc
    version: str | eks.KubernetesVersion
    cluster_security_group_id: str
    node_subnets: ec2.SubnetSelection | None = None
    cluster_endpoint: str | None = None
    cluster_certificate_authority_data: str | None = None
    service_ipv4_cidr: str | None = None
    open_id_connect_provider: iam.IOpenIdConnectProvider | None = None
    kubectl_provider: eks.IKubectlProvider | None = None
    pod_identity_agent: bool = False
    has_ec2_capacity: bool = True

    def _check(self, problems: Problems, argument: str) -> str:
        a = argument
        problems.check_str(f"{a}.cluster_name", self.cluster_name)
        check_object(problems, f"{a}.vpc", self.vpc, "ec2.IVpc")
        version = check_version(problems, self.version)
        problems.check_str(f"{a}.cluster_security_group_id", self.cluster_security_group_id)
        problems.check_type(f"{a}.node_subnets", self.node_subnets, ec2.SubnetSelection, optional=True)
        problems.check_str(f"{a}.cluster_endpoint", self.cluster_endpoint, optional=True)
        problems.check_str(
            f"{a}.cluster_certificate_authority_data", self.cluster_certificate_authority_data, optional=True
        )
        cidr = self.service_ipv4_cidr
        if problems.check_str(f"{a}.service_ipv4_cidr", cidr, optional=True) and cidr and not is_token(cidr):
            try:
                ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                problems.add(f"{a}.service_ipv4_cidr", cidr, "an IPv4 CIDR block")
        check_object(
            problems,
            f"{a}.open_id_connect_provider",
            self.open_id_connect_provider,
            "iam.IOpenIdConnectProvider",
            optional=True,
        )
        check_object(
            problems, f"{a}.kubectl_provider", self.kubectl_provider, "eks.IKubectlProvider", optional=True
        )
        problems.check_type(f"{a}.pod_identity_agent", self.pod_identity_agent, bool)
        problems.check_type(f"{a}.has_ec2_capacity", self.has_ec2_capacity, bool)
        return version


class ImportedEksCluster(ClusterBase):
    """An existing cluster: add our node groups, Fargate profiles, add-ons, identities and storage.

    What each feature needs from the existing cluster:

    - managed node groups, Fargate profiles, add-ons: the attributes only;
    - self-managed node groups: `cluster_endpoint`, `cluster_certificate_authority_data`
      and `service_ipv4_cidr` (for the nodeadm `NodeConfig`), and the `API` or
      `API_AND_CONFIG_MAP` authentication mode (their `EC2_LINUX` access entry);
    - manifests, Helm charts, IRSA service accounts and storage classes: a kubectl handler,
      `kubectl_provider` or one the library creates (with an access entry, so again an
      authentication mode with `API`), reachable from `node_subnets` (a private endpoint
      needs the handler in the VPC);
    - Pod Identity and the storage drivers: the `eks-pod-identity-agent` add-on
      (`pod_identity_agent=True`, or `add_addon("eks-pod-identity-agent", before_compute=True)`);
    - IRSA: the existing `open_id_connect_provider`.

    No default add-on is installed and nothing about the existing cluster changes.

    Example:
        existing = EksCluster.from_cluster_attributes(self, "Existing", EksClusterAttributes(
            cluster_name="payments", vpc=vpc, version="1.35",
            cluster_security_group_id="sg-0123456789abcdef0", pod_identity_agent=True))
        existing.add_managed_node_group("Extra", ManagedNodeGroupOptions(max_size=5))
        EbsCsiDriver(self, "Ebs", cluster=existing)
    """

    _construct_type = "ImportedEksCluster"

    def __init__(self, scope: Construct, construct_id: str, *, attributes: EksClusterAttributes) -> None:
        """Import the cluster.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            attributes: What is known about the cluster.

        Raises:
            ValueError: Listing every invalid attribute.
        """
        problems = Problems("ImportedEksCluster", construct_path(scope, construct_id))
        version = ""
        if problems.check_type("attributes", attributes, EksClusterAttributes):
            version = attributes._check(problems, "attributes")
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self._init_base()
        self.attributes = attributes
        """The attributes the cluster was imported with."""
        self.vpc = attributes.vpc
        """The cluster's VPC."""
        self.node_subnets = attributes.node_subnets or ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
        )
        """Private subnets for nodes, Fargate pods and the kubectl handler."""
        self.version = version
        """The Kubernetes version as `"1.xx"`."""
        self.kubernetes_version = eks.KubernetesVersion.of(version)
        """The cluster's Kubernetes version."""
        self.has_ec2_capacity = attributes.has_ec2_capacity
        """Whether the cluster has EC2 nodes (existing ones, or node groups added here)."""
        self.has_fargate_capacity = False
        """True once a Fargate profile is added here."""
        self._pod_identity_agent_preinstalled = attributes.pod_identity_agent
        self.cluster: eks.ICluster = eks.Cluster.from_cluster_attributes(
            self,
            "Cluster",
            cluster_name=attributes.cluster_name,
            vpc=attributes.vpc,
            cluster_security_group_id=attributes.cluster_security_group_id,
            cluster_endpoint=attributes.cluster_endpoint,
            cluster_certificate_authority_data=attributes.cluster_certificate_authority_data,
            open_id_connect_provider=attributes.open_id_connect_provider,
            kubectl_provider=attributes.kubectl_provider,
        )
        """The `aws_eks_v2.ICluster` of the existing cluster."""
        self.cluster_name: str = attributes.cluster_name
        """The cluster's name in EKS."""
        self.cluster_security_group: ec2.ISecurityGroup = ec2.SecurityGroup.from_security_group_id(
            self, "ClusterSecurityGroup", attributes.cluster_security_group_id
        )
        """The cluster security group."""

    @property
    def _icluster(self) -> eks.ICluster:
        return self.cluster

    @property
    def open_id_connect_provider(self) -> iam.IOpenIdConnectProvider:
        """The cluster's IAM OIDC provider, as imported."""
        provider = self.attributes.open_id_connect_provider
        if provider is None:
            raise ValueError(
                f"ImportedEksCluster '{self.node.path}': "
                "attributes.open_id_connect_provider=None is invalid: "
                "IRSA needs the cluster's existing IAM OIDC provider "
                "(iam.OidcProviderNative.from_oidc_provider_arn(...))"
            )
        return provider

    def _create_kubectl_handler(self) -> KubectlHandler:
        if self.attributes.kubectl_provider is None:
            return super()._create_kubectl_handler()
        return KubectlHandler(cluster=self.cluster, access=None)

    def _join_attributes(self, problems: Problems) -> JoinAttributes:
        a = self.attributes
        for name in ("cluster_endpoint", "cluster_certificate_authority_data", "service_ipv4_cidr"):
            if getattr(a, name) is None:
                problems.add(
                    f"cluster (imported: {name})",
                    None,
                    f"self-managed nodes write it into their NodeConfig: import the cluster with {name}=...",
                )
        return JoinAttributes(
            cluster_name=a.cluster_name,
            endpoint=a.cluster_endpoint or "",
            certificate_authority=a.cluster_certificate_authority_data or "",
            service_cidr=a.service_ipv4_cidr or "",
        )
