"""EksCluster: an EKS cluster on the native ``AWS::EKS::Cluster``, private and logged by default."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import jsii
from aws_cdk import Acknowledgment, CfnElement, IStableStringProducer, Lazy, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, IConstruct, IValidation

from cdk_containers._validation import Problems, construct_path, is_token
from cdk_containers.constructs.eks._pod_identity import PodIdentity, pod_identity_principal
from cdk_containers.constructs.eks._subnets import selection_kwargs
from cdk_containers.constructs.eks._versions import (
    KUBECTL_LAYERS,
    kubectl_layer_for,
    minor_of,
    version_string,
)
from cdk_containers.constructs.eks.options import (
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
)

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.fargate import FargateProfile
    from cdk_containers.constructs.eks.managed import ManagedNodeGroup
    from cdk_containers.constructs.eks.self_managed import SelfManagedNodeGroup

__all__ = ["BEFORE_COMPUTE_ADDONS", "DEFAULT_SERVICE_CIDR", "EksCluster"]

#: Add-ons that must run before any node can become Ready (networking, credentials).
BEFORE_COMPUTE_ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
_ALL_LOG_TYPES = [
    eks.ClusterLoggingTypes.API,
    eks.ClusterLoggingTypes.AUDIT,
    eks.ClusterLoggingTypes.AUTHENTICATOR,
    eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
    eks.ClusterLoggingTypes.SCHEDULER,
]
DEFAULT_SERVICE_CIDR = "172.20.0.0/16"
_COREDNS_FARGATE_LABEL = ("eks.amazonaws.com/component", "coredns")


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def _literal_vpc_cidr(vpc: ec2.IVpc) -> str | None:
    """The VPC's primary CIDR when it is known at synthesis (a VPC of this app or a lookup)."""
    if not is_token(vpc.vpc_cidr_block):
        return vpc.vpc_cidr_block
    cfn_vpc = vpc.node.default_child
    if (
        isinstance(cfn_vpc, ec2.CfnVPC)
        and isinstance(cfn_vpc.cidr_block, str)
        and not is_token(cfn_vpc.cidr_block)
    ):
        return cfn_vpc.cidr_block
    return None


@jsii.implements(IStableStringProducer)
class _CoreDnsConfiguration:
    """CoreDNS runs on Fargate when, at synthesis, the cluster has Fargate capacity only."""

    def __init__(self, cluster: EksCluster) -> None:
        self._cluster = cluster

    def produce(self) -> str | None:
        if self._cluster.has_fargate_capacity and not self._cluster.has_ec2_capacity:
            return json.dumps({"computeType": "Fargate"})
        return None


@jsii.implements(IValidation)
class _FargateOnlyCoreDnsNeedsAProfile:
    def __init__(self, cluster: EksCluster) -> None:
        self._cluster = cluster

    def validate(self) -> list[str]:
        c = self._cluster
        if not c.has_fargate_capacity or c.has_ec2_capacity:
            return []
        key, value = _COREDNS_FARGATE_LABEL
        for selector in c.fargate_selectors:
            labels = dict(selector.labels or {})
            if selector.namespace == "kube-system" and labels.get(key, value) == value and len(labels) <= 1:
                return []
        return [
            "the cluster has Fargate capacity only, so CoreDNS must run on Fargate: add a Fargate profile "
            "with FargateSelector(namespace='kube-system', labels={'eks.amazonaws.com/component': 'coredns'})"
        ]


class EksCluster(Construct):
    """An EKS cluster that is private, logged and encrypted by default, with no capacity until you add it.

    What it creates:

    * an ``AWS::EKS::Cluster`` (``aws_eks_v2``) with a private API endpoint, all five
      control-plane log types, secrets envelope-encrypted with a KMS key (rotation on),
      access-entry authentication (``API``), no Auto Mode and no default capacity;
    * the EKS managed add-ons ``vpc-cni`` (with its own Pod Identity role holding
      ``AmazonEKS_CNI_Policy``, so nodes do not carry it; created after the Pod Identity
      agent it gets credentials from), ``kube-proxy`` and ``eks-pod-identity-agent`` before
      compute, ``coredns`` after compute;
    * cluster-admin access entries for ``admin_roles``.

    Add capacity with :meth:`add_managed_node_group`, :meth:`add_self_managed_node_group`
    and :meth:`add_fargate_profile`. The kubectl handler (2 Lambda functions) exists only
    once :meth:`add_manifest` or :meth:`add_helm_chart` is called.

    Example:
        eks_cluster = EksCluster(self, "Eks", vpc=vpc, admin_roles=[ops_role])
        eks_cluster.add_managed_node_group(
            "Spot", ManagedNodeGroupOptions(capacity_type=eks.CapacityType.SPOT,
                                            instance_types=["m7i.large", "m6i.large"])
        )
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        version: str | eks.KubernetesVersion | None = None,
        cluster_name: str | None = None,
        node_subnets: ec2.SubnetSelection | None = None,
        public_access_cidrs: Sequence[str] | None = None,
        allow_public_endpoint_from_anywhere: bool = False,
        admin_roles: Sequence[iam.IRole] | None = None,
        secrets_encryption_key: kms.IKey | None = None,
        service_ipv4_cidr: str = DEFAULT_SERVICE_CIDR,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        vpc: VPC with private subnets (with egress) for the control plane ENIs and the nodes.
        version: Kubernetes version, ``"1.36"`` or ``aws_eks_v2.KubernetesVersion``. Defaults to
            the newest version that both aws-cdk-lib and an installed kubectl layer support (1.36).
        cluster_name: Name in EKS. Defaults to a generated name.
        node_subnets: Where nodes, Fargate pods and the kubectl handler go. Defaults to the
            VPC's private subnets with egress.
        public_access_cidrs: Opens a public API endpoint to these CIDRs only (the private
            endpoint stays). Defaults to no public endpoint.
        allow_public_endpoint_from_anywhere: Needed to put ``0.0.0.0/0`` in
            ``public_access_cidrs``. Defaults to ``False``.
        admin_roles: IAM roles given cluster-admin access entries. Defaults to none (only
            the kubectl handler, when it exists, gets one).
        secrets_encryption_key: KMS key for Kubernetes secrets. Defaults to a new key with
            rotation on, retained when the stack is deleted.
        service_ipv4_cidr: CIDR Kubernetes services get IPs from; must not overlap the VPC
            (checked when the VPC's CIDR is known at synthesis).
            Set explicitly because self-managed nodes need it in their NodeConfig and
            CloudFormation has no attribute to read it back from the cluster. Defaults to
            ``172.20.0.0/16`` (what EKS itself picks for a VPC in ``10.0.0.0/8``).
        """
        path = construct_path(scope, construct_id)
        problems = Problems("EksCluster", path)
        version_text = version_string(version)
        supported = ", ".join(sorted(KUBECTL_LAYERS, key=lambda v: minor_of(v) or (0, 0)))
        problems.check(
            kubectl_layer_for(version_text) is not None,
            "version",
            version_text,
            f"a Kubernetes version with an installed kubectl layer: {supported}",
        )
        open_to_world = False
        for cidr in public_access_cidrs or []:
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError:
                problems.add("public_access_cidrs", cidr, "IPv4 CIDR blocks like '203.0.113.0/24'")
                continue
            if network.version != 4:
                problems.add("public_access_cidrs", cidr, "IPv4 CIDR blocks (EKS takes no IPv6 here)")
            elif network.prefixlen == 0:
                open_to_world = True
                problems.check(
                    allow_public_endpoint_from_anywhere,
                    "public_access_cidrs",
                    cidr,
                    "restricted CIDR blocks; 0.0.0.0/0 also needs allow_public_endpoint_from_anywhere=True",
                )
        if public_access_cidrs is not None and len(public_access_cidrs) == 0:
            problems.add("public_access_cidrs", [], "at least one CIDR block, or None for a private endpoint")
        try:
            service_net = ipaddress.ip_network(service_ipv4_cidr, strict=True)
            service_ok = (
                service_net.version == 4 and 12 <= service_net.prefixlen <= 24 and service_net.is_private
            )
        except ValueError:
            service_ok = False
        problems.check(
            service_ok, "service_ipv4_cidr", service_ipv4_cidr, "a private IPv4 block from /12 to /24"
        )
        problems.check(vpc is not None, "vpc", vpc, "an ec2.IVpc with private subnets (with egress)")
        vpc_cidr = _literal_vpc_cidr(vpc) if vpc is not None else None
        if service_ok and vpc_cidr is not None:
            problems.check(
                not service_net.overlaps(ipaddress.ip_network(vpc_cidr, strict=False)),
                "service_ipv4_cidr",
                service_ipv4_cidr,
                f"a block that does not overlap the VPC's {vpc_cidr} (pods could not reach nodes)",
            )
        problems.raise_if_any()

        super().__init__(scope, construct_id)
        self.vpc: ec2.IVpc = vpc
        """The cluster's VPC."""
        self.node_subnets: ec2.SubnetSelection = node_subnets or ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
        )
        """Private subnets for nodes, Fargate pods, mount targets and the kubectl handler."""
        self.kubernetes_version: eks.KubernetesVersion = eks.KubernetesVersion.of(version_text)
        """The cluster's Kubernetes version."""
        self.version: str = version_text
        """The Kubernetes version as ``"1.xx"``."""
        self.has_ec2_capacity = False
        """True once a managed or self-managed node group exists."""
        self.has_fargate_capacity = False
        """True once a Fargate profile exists."""
        self.fargate_selectors: list[FargateSelector] = []
        """Every selector of every Fargate profile added so far."""
        self.node_roles: list[iam.IRole] = []
        """The role of every node group and Fargate pod-execution role, in order of creation."""

        self.secrets_key: kms.IKey = secrets_encryption_key or kms.Key(
            self,
            "SecretsKey",
            description=f"Envelope encryption of Kubernetes secrets of {path}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The KMS key that envelope-encrypts Kubernetes secrets."""

        if public_access_cidrs:
            endpoint = eks.EndpointAccess.PUBLIC_AND_PRIVATE.only_from(*public_access_cidrs)
        else:
            endpoint = eks.EndpointAccess.PRIVATE

        self.cluster: eks.Cluster = eks.Cluster(
            self,
            "Cluster",
            version=self.kubernetes_version,
            cluster_name=cluster_name,
            vpc=vpc,
            vpc_subnets=[self.node_subnets],
            endpoint_access=endpoint,
            cluster_logging=_ALL_LOG_TYPES,
            secrets_encryption_key=self.secrets_key,
            # Capacity is what the user adds: no Auto Mode, no default node group.
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            default_capacity=0,
            # Managed add-ons replace the self-managed vpc-cni/kube-proxy/coredns EKS would install.
            bootstrap_self_managed_addons=False,
            bootstrap_cluster_creator_admin_permissions=False,
            service_ipv4_cidr=service_ipv4_cidr,
        )
        """The ``aws_eks_v2.Cluster`` (native ``AWS::EKS::Cluster``)."""
        self.service_ipv4_cidr: str = service_ipv4_cidr
        """The CIDR Kubernetes services get IPs from."""
        Validations.of(self.cluster.role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSClusterPolicy]",
                reason="The EKS control plane needs exactly this AWS-maintained service policy to manage "
                "ENIs, load balancers and security groups; it is assumable only by eks.amazonaws.com",
            )
        )
        self._limit_cluster_role_trust(cluster_name)
        cfn_cluster = self.cluster.node.default_child
        assert isinstance(cfn_cluster, eks.CfnCluster)
        self._cfn_cluster = cfn_cluster
        cfn_cluster.add_property_override("AccessConfig.AuthenticationMode", "API")
        if open_to_world:
            Validations.of(self.cluster).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-EKS1",
                    reason="The owner opted in with allow_public_endpoint_from_anywhere=True; the API "
                    "server still authenticates every request with IAM and access entries",
                )
            )

        # jsii's Python protocols do not see that Cluster implements ICluster; mypy needs the cast.
        self.icluster: eks.ICluster = cast(eks.ICluster, self.cluster)
        """``cluster`` typed as ``aws_eks_v2.ICluster`` for props that take the interface."""

        self.cluster_security_group: ec2.ISecurityGroup = self.cluster.cluster_security_group
        """The EKS-created cluster security group, attached to every node kind."""

        for index, role in enumerate(admin_roles or []):
            self.cluster.grant_cluster_admin(f"AdminAccess{index}", role.role_arn)

        self._addons: dict[str, eks.Addon] = {}
        self._before_compute: list[IConstruct] = []
        self._after_compute: list[IConstruct] = []
        self._capacity: list[IConstruct] = []
        self._manifests: list[dict[str, Any]] = []
        self._kubectl_cluster: eks.ICluster | None = None
        self._kubectl_access: IConstruct | None = None

        self.cni_role: iam.IRole = self._cni_role()
        """The Pod Identity role of the VPC CNI (``aws-node``), holding ``AmazonEKS_CNI_Policy``."""
        cni = self.add_addon("vpc-cni", before_compute=True)
        cfn_cni = cni.node.default_child
        assert isinstance(cfn_cni, eks.CfnAddon)
        cfn_cni.add_property_override(
            "PodIdentityAssociations", [{"ServiceAccount": "aws-node", "RoleArn": self.cni_role.role_arn}]
        )
        self.add_addon("kube-proxy", before_compute=True)
        agent = self.add_addon("eks-pod-identity-agent", before_compute=True)
        # aws-node gets its credentials from the agent and crash-loops without it
        # (aws/amazon-vpc-cni-k8s#3840); EKS documents the agent as a prerequisite of add-on
        # Pod Identity associations, so the association is not created before the agent.
        cni.node.add_dependency(agent)
        coredns = self.add_addon("coredns")
        cfn_coredns = coredns.node.default_child
        assert isinstance(cfn_coredns, eks.CfnAddon)
        cfn_coredns.configuration_values = Lazy.string(_CoreDnsConfiguration(self))
        self.node.add_validation(_FargateOnlyCoreDnsNeedsAProfile(self))

    def _limit_cluster_role_trust(self, cluster_name: str | None) -> None:
        # Confused-deputy conditions the EKS user guide documents for the cluster role
        # ("Cross-service confused deputy prevention in Amazon EKS"). The cluster's own ARN
        # would be a circular reference (the cluster needs the role first), so without a
        # cluster name the ARN ends in a wildcard, still limited to this account and region.
        stack = Stack.of(self)
        cfn_role = self.cluster.role.node.default_child
        assert isinstance(cfn_role, iam.CfnRole)
        cfn_role.add_property_override(
            "AssumeRolePolicyDocument.Statement.0.Condition",
            {
                "StringEquals": {"aws:SourceAccount": stack.account},
                "ArnLike": {
                    "aws:SourceArn": stack.format_arn(
                        service="eks", resource="cluster", resource_name=cluster_name or "*"
                    )
                },
            },
        )

    # -- add-ons and identities -------------------------------------------------------------

    def _cni_role(self) -> iam.IRole:
        role = iam.Role(
            self,
            "VpcCniRole",
            assumed_by=pod_identity_principal(
                cluster_arn=self.cluster.cluster_arn, namespace="kube-system", service_account="aws-node"
            ),
            description="Pod Identity role of the VPC CNI (aws-node) so nodes need no ENI permissions",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKS_CNI_Policy")],
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy]",
                reason="AWS maintains the ENI and IP permissions the VPC CNI needs as they change with "
                "new CNI versions; the trust policy lets only Pod Identity sessions of kube-system/aws-node "
                "in this cluster assume the role",
            )
        )
        return role

    def add_addon(
        self,
        name: str,
        *,
        version: str | None = None,
        configuration: Mapping[str, Any] | None = None,
        before_compute: bool = False,
    ) -> eks.Addon:
        """Install an EKS managed add-on.

        Args:
            name: Add-on name, e.g. ``"aws-ebs-csi-driver"``.
            version: Add-on version. Defaults to EKS's default version for the cluster.
            configuration: ``configurationValues`` of the add-on. Defaults to none.
            before_compute: Create it before node groups (only for add-ons nodes need to
                become Ready). Defaults to ``False``: the add-on depends on all capacity of
                the cluster, including capacity added after this call (add-ons whose pods
                have no node to run on go DEGRADED, eksctl#5891).
        """
        problems = Problems("EksCluster", self.node.path)
        problems.check(name not in self._addons, "add_addon(name)", name, "an add-on not installed yet")
        problems.check(
            bool(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name)), "add_addon(name)", name, "an EKS add-on name"
        )
        problems.raise_if_any()
        addon = eks.Addon(
            self,
            f"{_pascal(name)}Addon",
            cluster=self.icluster,
            addon_name=name,
            addon_version=version,
            configuration_values=configuration,
        )
        self._addons[name] = addon
        if before_compute:
            self._before_compute.append(addon)
            for capacity in self._capacity:
                capacity.node.add_dependency(addon)
        else:
            self._depend_on_compute(addon)
        return addon

    @property
    def addons(self) -> dict[str, eks.Addon]:
        """Installed add-ons by name."""
        return dict(self._addons)

    def add_pod_identity(
        self,
        construct_id: str,
        *,
        namespace: str,
        service_account: str,
        role: iam.IRole | None = None,
    ) -> PodIdentity:
        """Associate an IAM role with a Kubernetes service account (EKS Pod Identity).

        Args:
            construct_id: Id of the association (and of the role, when one is created).
            namespace: Namespace of the service account.
            service_account: Service account name.
            role: Role the pods get. Defaults to a new role trusted by
                ``pods.eks.amazonaws.com`` (``sts:AssumeRole`` and ``sts:TagSession``) only for
                sessions tagged with this cluster, namespace and service account, with no
                permissions: grant it what the workload needs. A role you pass keeps its own
                trust policy: limit it the same way.

        Pod Identity needs the ``eks-pod-identity-agent`` add-on (installed before compute)
        and EC2 nodes: Fargate pods use IRSA instead.

        Returns:
            The role and the association (``PodIdentity``): grant the role what the
            workload needs, and make whatever starts the pods depend on the association.
        """
        problems = Problems("EksCluster", f"{self.node.path}/{construct_id}")
        from cdk_containers._validation import is_dns1123_subdomain

        problems.check(is_dns1123_subdomain(namespace), "namespace", namespace, "a Kubernetes namespace name")
        problems.check(
            is_dns1123_subdomain(service_account),
            "service_account",
            service_account,
            "a service account name",
        )
        problems.raise_if_any()
        if role is None:
            role = iam.Role(
                self,
                f"{construct_id}Role",
                assumed_by=pod_identity_principal(
                    cluster_arn=self.cluster.cluster_arn, namespace=namespace, service_account=service_account
                ),
                description=f"Pod Identity role of {namespace}/{service_account}",
            )
        association = eks.CfnPodIdentityAssociation(
            self,
            construct_id,
            cluster_name=self.cluster.cluster_name,
            namespace=namespace,
            service_account=service_account,
            role_arn=role.role_arn,
        )
        return PodIdentity(role=role, association=association)

    # -- capacity -------------------------------------------------------------------------

    def add_managed_node_group(
        self, construct_id: str, options: ManagedNodeGroupOptions | None = None
    ) -> ManagedNodeGroup:
        """Add an EKS managed node group. See :class:`ManagedNodeGroup`."""
        from cdk_containers.constructs.eks.managed import ManagedNodeGroup

        return ManagedNodeGroup(self, construct_id, cluster=self, options=options)

    def add_self_managed_node_group(
        self, construct_id: str, options: SelfManagedNodeGroupOptions | None = None
    ) -> SelfManagedNodeGroup:
        """Add a self-managed node group (Auto Scaling group). See :class:`SelfManagedNodeGroup`."""
        from cdk_containers.constructs.eks.self_managed import SelfManagedNodeGroup

        return SelfManagedNodeGroup(self, construct_id, cluster=self, options=options)

    def add_fargate_profile(
        self,
        construct_id: str,
        *,
        selectors: Sequence[FargateSelector],
        fargate_profile_name: str | None = None,
        subnets: ec2.SubnetSelection | None = None,
    ) -> FargateProfile:
        """Add a Fargate profile. See :class:`FargateProfile`."""
        from cdk_containers.constructs.eks.fargate import FargateProfile

        return FargateProfile(
            self,
            construct_id,
            cluster=self,
            selectors=selectors,
            fargate_profile_name=fargate_profile_name,
            subnets=subnets,
        )

    def _register_capacity(self, capacity: IConstruct, *, role: iam.IRole, fargate: bool) -> None:
        """Called by the capacity constructs: wire add-on ordering and remember the role."""
        if fargate:
            self.has_fargate_capacity = True
        else:
            self.has_ec2_capacity = True
        self.node_roles.append(role)
        self._capacity.append(capacity)
        for before in self._before_compute:
            capacity.node.add_dependency(before)
        for after in self._after_compute:
            after.node.add_dependency(capacity)

    def _depend_on_compute(self, dependent: IConstruct) -> None:
        self._after_compute.append(dependent)
        for capacity in self._capacity:
            dependent.node.add_dependency(capacity)

    # -- Kubernetes objects ---------------------------------------------------------------

    def _kubectl(self) -> eks.ICluster:
        """A view of the cluster with a kubectl handler, created on first use."""
        if self._kubectl_cluster is not None:
            return self._kubectl_cluster
        spec = kubectl_layer_for(self.version)
        assert spec is not None  # the constructor refused versions without a layer
        scope = Construct(self, "Kubectl")
        provider = eks.KubectlProvider(
            scope,
            "Provider",
            cluster=self.icluster,
            kubectl_layer=spec.create(scope, "KubectlLayer"),
            # The endpoint is private: the handler runs in the node subnets.
            private_subnets=self.vpc.select_subnets(**selection_kwargs(self.node_subnets)).subnets,
            security_groups=[self.cluster_security_group],
        )
        assert provider.role is not None
        access = eks.AccessEntry(
            scope,
            "AdminAccess",
            cluster=self.icluster,
            principal=provider.role.role_arn,
            access_policies=[
                eks.AccessPolicy.from_access_policy_name(
                    "AmazonEKSClusterAdminPolicy", access_scope_type=eks.AccessScopeType.CLUSTER
                )
            ],
        )
        _acknowledge_kubectl_handler(scope, provider)
        self._kubectl_access = access
        self._kubectl_cluster = eks.Cluster.from_cluster_attributes(
            scope,
            "View",
            cluster_name=self.cluster.cluster_name,
            kubectl_provider=provider,
            vpc=self.vpc,
        )
        return self._kubectl_cluster

    def add_manifest(self, construct_id: str, *manifests: Mapping[str, Any]) -> eks.KubernetesManifest:
        """Apply Kubernetes manifests with the kubectl handler (created on first use).

        The manifests depend on all compute of the cluster (they need a node or Fargate pod
        to run anything), including capacity added later.
        """
        cluster = self._kubectl()
        manifest = eks.KubernetesManifest(
            self, construct_id, cluster=cluster, manifest=[dict(m) for m in manifests]
        )
        assert self._kubectl_access is not None
        manifest.node.add_dependency(self._kubectl_access)
        self._depend_on_compute(manifest)
        self._manifests.extend(json.loads(json.dumps(m)) for m in manifests)
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
        """
        chart_construct = eks.HelmChart(
            self,
            construct_id,
            cluster=self._kubectl(),
            chart=chart,
            repository=repository,
            namespace=namespace,
            version=version,
            release=release,
            values=values,
        )
        assert self._kubectl_access is not None
        chart_construct.node.add_dependency(self._kubectl_access)
        self._depend_on_compute(chart_construct)
        return chart_construct

    @property
    def manifests(self) -> list[dict[str, Any]]:
        """Every manifest passed to :meth:`add_manifest` so far, as plain dicts."""
        return [json.loads(json.dumps(m)) for m in self._manifests]

    @property
    def has_kubectl_handler(self) -> bool:
        """Whether the kubectl handler (2 Lambda functions) exists."""
        return self._kubectl_cluster is not None


def _acknowledge_kubectl_handler(scope: Construct, provider: eks.KubectlProvider) -> None:
    """The kubectl handler is aws-cdk-lib's; these findings are its design, reviewed here once."""
    stack = Stack.of(scope)
    handler = provider.node.find_child("Handler")
    handler_id = stack.resolve(cast(CfnElement, handler.node.default_child).logical_id)
    condition_id = stack.resolve(cast(CfnElement, handler.node.find_child("HasEcrPublic")).logical_id)
    public_policy = json.dumps(
        {
            "Fn::If": [
                condition_id,
                {
                    "Fn::Join": [
                        "",
                        [
                            "arn:",
                            {"Ref": "AWS::Partition"},
                            ":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly",
                        ],
                    ]
                },
                {"Ref": "AWS::NoValue"},
            ]
        },
        separators=(",", ":"),
    )
    managed = "arn:<AWS::Partition>:iam::aws:policy"
    reasons = {
        f"AwsSolutions-IAM4[Policy::{managed}/service-role/AWSLambdaBasicExecutionRole]": (
            "aws-cdk-lib's kubectl handler and its provider framework only write their own CloudWatch "
            "logs with this AWS managed policy"
        ),
        f"AwsSolutions-IAM4[Policy::{managed}/service-role/AWSLambdaVPCAccessExecutionRole]": (
            "the kubectl handler must run inside the VPC because the cluster endpoint is private; "
            "this AWS managed policy only manages the Lambda's own network interfaces"
        ),
        f"AwsSolutions-IAM4[Policy::{managed}/AmazonEC2ContainerRegistryReadOnly]": (
            "aws-cdk-lib's kubectl handler pulls Helm charts stored as OCI artifacts from ECR; read-only "
            "registry access is attached by aws_eks_v2 itself and cannot be narrowed from outside"
        ),
        f"AwsSolutions-IAM4[Policy::{public_policy}]": (
            "aws-cdk-lib's kubectl handler reads public Helm charts from ECR Public (read-only, only in "
            "the aws partition); attached by aws_eks_v2 itself"
        ),
        f"AwsSolutions-IAM5[Resource::<{handler_id}.Arn>:*]": (
            "the provider framework may invoke any version of the kubectl handler function it fronts, "
            "and nothing else; the wildcard is the version qualifier"
        ),
        "AwsSolutions-L1": (
            "the Lambda runtimes of the kubectl handler and its provider framework are chosen by "
            "aws-cdk-lib and move forward with its releases; they are not configurable here"
        ),
    }
    for rule, reason in reasons.items():
        Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))
