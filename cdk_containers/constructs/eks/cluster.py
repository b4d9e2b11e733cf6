"""EksCluster: an EKS cluster on the native `AWS::EKS::Cluster`, private and logged by default."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from aws_cdk import Acknowledgment, Annotations, Aws, Fn, Names, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services
from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks._base import ClusterBase, JoinAttributes
from cdk_containers.constructs.eks._cluster_checks import check_cluster_arguments, check_public_access
from cdk_containers.constructs.eks._cluster_parts import add_default_addons, cluster_role, control_plane_logs

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.imported import EksClusterAttributes, ImportedEksCluster

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


def _default_name(scope: Construct) -> str:
    # arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<uuid>: the uuid's last group.
    stack_uuid = Fn.select(2, Fn.split("/", Aws.STACK_ID))
    suffix = Fn.select(4, Fn.split("-", stack_uuid))
    return Fn.join("-", [Names.unique_resource_name(scope, max_length=87, separator="-"), suffix])


class EksCluster(ClusterBase):
    """An EKS cluster that is private, logged and encrypted by default, with no capacity until you add it.

    What it creates:

    - an `AWS::EKS::Cluster` (`aws_eks_v2`) with a private API endpoint, all five
      control-plane log types into a log group created first (`/aws/eks/<name>/cluster`,
      with a retention and a customer KMS key), secrets envelope-encrypted with a KMS key
      (rotation on), access-entry authentication (`API`), no Auto Mode, no default capacity,
      and a cluster role trusted by EKS for this account and region only;
    - the EKS managed add-ons `vpc-cni` (with its own Pod Identity role holding
      `AmazonEKS_CNI_Policy`, created after the Pod Identity agent it gets credentials from),
      `kube-proxy` and `eks-pod-identity-agent` before compute, `coredns` after compute;
    - cluster-admin access entries for `admin_roles`; a synth-time warning when there is none.

    Add capacity with `add_managed_node_group`, `add_self_managed_node_group` and
    `add_fargate_profile`. The kubectl handler (2 Lambda functions) exists only once
    `add_manifest`, `add_helm_chart` or `add_irsa_service_account` is called. Use an existing
    cluster with `EksCluster.from_cluster_attributes`.

    Example:
        eks_cluster = EksCluster(self, "Eks", vpc=vpc, admin_roles=[ops_role])
        eks_cluster.add_managed_node_group(
            "Spot", ManagedNodeGroupOptions(capacity_type=eks.CapacityType.SPOT,
                                            instance_types=["m7i.large", "m6i.large"])
        )
    """

    _construct_type = "EksCluster"

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
        logs_encryption_key: kms.IKey | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        service_ipv4_cidr: str = DEFAULT_SERVICE_CIDR,
    ) -> None:
        """Create the cluster.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            vpc: VPC with private subnets (with egress) in at least two Availability Zones, for
                the control plane's network interfaces and the nodes.
            version: Kubernetes version, `"1.36"` or `aws_eks_v2.KubernetesVersion`. Defaults to
                the newest version that both aws-cdk-lib and an installed kubectl layer support (1.36).
            cluster_name: Name in EKS (1-100 letters, digits, `-` and `_`). The control-plane
                log group is named after it and created before the cluster, so the name is fixed
                before the cluster exists. Defaults to the construct path plus the last part of
                the stack's id (`EksClusterStack-Eks-<12 hex digits>`): stable for the life of the
                stack, new when the stack is deleted and created again, so the retained log group
                of a deleted cluster never blocks a redeploy.
            node_subnets: Where the control plane's network interfaces, nodes, Fargate pods and
                the kubectl handler go: private subnets in at least two Availability Zones.
                Defaults to the VPC's private subnets with egress.
            public_access_cidrs: Opens a public API endpoint to these CIDRs only (the private
                endpoint stays). Defaults to no public endpoint.
            allow_public_endpoint_from_anywhere: Needed to put `0.0.0.0/0` in
                `public_access_cidrs`. Defaults to `False`.
            admin_roles: IAM roles given cluster-admin access entries. Defaults to none (only
                the kubectl handler, when it exists, gets one; synthesis warns).
            secrets_encryption_key: KMS key for Kubernetes secrets. Defaults to a new key with
                rotation on, retained when the stack is deleted.
            logs_encryption_key: KMS key of the control-plane log group. Defaults to a new key with
                rotation on, retained, usable by CloudWatch Logs of this account and region.
            log_retention: How long control-plane logs are kept. Defaults to one year.
            service_ipv4_cidr: CIDR Kubernetes services get IPs from; must not overlap the VPC
                (checked when the VPC's CIDR is known at synthesis). Set explicitly because
                self-managed nodes need it in their NodeConfig and CloudFormation has no
                attribute to read it back from the cluster. Defaults to `172.20.0.0/16`.

        Raises:
            ValueError: Listing every invalid argument.
        """
        path = construct_path(scope, construct_id)
        problems = Problems("EksCluster", path)
        version_text = check_cluster_arguments(
            problems,
            scope=scope,
            vpc=vpc,
            version=version,
            cluster_name=cluster_name,
            node_subnets=node_subnets,
            public_access_cidrs=public_access_cidrs,
            allow_public_endpoint_from_anywhere=allow_public_endpoint_from_anywhere,
            admin_roles=admin_roles,
            secrets_encryption_key=secrets_encryption_key,
            logs_encryption_key=logs_encryption_key,
            log_retention=log_retention,
            service_ipv4_cidr=service_ipv4_cidr,
        )
        problems.raise_if_any()

        super().__init__(scope, construct_id)
        self._init_base()
        self.vpc = vpc
        """The cluster's VPC."""
        self.node_subnets = node_subnets or ec2.SubnetSelection(
            subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
        )
        """Private subnets for the control plane's interfaces, nodes, Fargate pods and the kubectl handler."""
        self.version = version_text
        """The Kubernetes version as `"1.xx"`."""
        self.kubernetes_version = eks.KubernetesVersion.of(version_text)
        """The cluster's Kubernetes version."""
        self.has_ec2_capacity = False
        """True once a managed or self-managed node group exists."""
        self.has_fargate_capacity = False
        """True once a Fargate profile exists."""
        self.service_ipv4_cidr: str = service_ipv4_cidr
        """The CIDR Kubernetes services get IPs from."""
        self.cluster_name: str = cluster_name or _default_name(self)
        """The cluster's name in EKS (a deploy-time value unless `cluster_name` was given)."""

        self.secrets_encryption_key: kms.IKey = secrets_encryption_key or limit_grants_to_aws_services(
            kms.Key(
                self,
                "SecretsKey",
                description=f"Envelope encryption of Kubernetes secrets of {path}",
                enable_key_rotation=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
        )
        """The KMS key that envelope-encrypts Kubernetes secrets."""
        logs_key, log_group = control_plane_logs(self, logs_encryption_key, log_retention)
        self.logs_encryption_key: kms.IKey = logs_key
        """The KMS key of the control-plane log group."""
        self.log_group: logs.ILogGroup = log_group
        """The control-plane log group, `/aws/eks/<name>/cluster`, created before the cluster."""

        endpoint = (
            eks.EndpointAccess.PUBLIC_AND_PRIVATE.only_from(*public_access_cidrs)
            if public_access_cidrs
            else eks.EndpointAccess.PRIVATE
        )
        self.cluster: eks.Cluster = eks.Cluster(
            self,
            "Cluster",
            version=self.kubernetes_version,
            cluster_name=self.cluster_name,
            role=cluster_role(self, self.cluster_name),
            vpc=vpc,
            vpc_subnets=[self.node_subnets],
            endpoint_access=endpoint,
            cluster_logging=_ALL_LOG_TYPES,
            secrets_encryption_key=self.secrets_encryption_key,
            # Capacity is what the user adds: no Auto Mode, no default node group.
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            default_capacity=0,
            # Managed add-ons replace the self-managed vpc-cni/kube-proxy/coredns EKS would install.
            bootstrap_self_managed_addons=False,
            bootstrap_cluster_creator_admin_permissions=False,
            service_ipv4_cidr=service_ipv4_cidr,
        )
        """The `aws_eks_v2.Cluster` (native `AWS::EKS::Cluster`)."""
        self.cluster.node.add_dependency(self.log_group)
        if check_public_access(public_access_cidrs):
            Validations.of(self.cluster).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-EKS1",
                    reason="The owner opted in with allow_public_endpoint_from_anywhere=True; the API "
                    "server still authenticates every request with IAM and access entries",
                )
            )
        self.cluster_security_group: ec2.ISecurityGroup = self.cluster.cluster_security_group
        """The EKS-created cluster security group, attached to every node kind."""
        self._oidc_provider: iam.IOpenIdConnectProvider | None = None

        for index, role in enumerate(admin_roles or []):
            self.cluster.grant_cluster_admin(f"AdminAccess{index}", role.role_arn)
        if not admin_roles:
            Annotations.of(self).add_warning_v2(
                "cdk-containers:eks-no-admin",
                "EksCluster has no admin principal: after deploy only the kubectl handler can reach the "
                "API server. Pass admin_roles=[...] (the example app reads the admin_role_arns context); "
                "see docs/deploy.md",
            )
        self.cni_role: iam.IRole = add_default_addons(self)
        """The Pod Identity role of the VPC CNI (`aws-node`), holding `AmazonEKS_CNI_Policy`."""

    @property
    def _icluster(self) -> eks.ICluster:
        # jsii's Python protocols do not see that Cluster implements ICluster; mypy needs the cast.
        return cast(eks.ICluster, self.cluster)

    @staticmethod
    def from_cluster_attributes(
        scope: Construct, construct_id: str, attributes: EksClusterAttributes
    ) -> ImportedEksCluster:
        """Use a cluster this app did not create (like `aws_eks_v2.Cluster.from_cluster_attributes`).

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            attributes: What is known about the cluster; `ImportedEksCluster` says what each
                feature needs.

        Returns:
            An `ImportedEksCluster`: node groups, Fargate profiles, add-ons, identities and the
            storage drivers work on it as on an `EksCluster`.
        """
        from cdk_containers.constructs.eks.imported import ImportedEksCluster

        return ImportedEksCluster(scope, construct_id, attributes=attributes)

    def _join_attributes(self, problems: Problems) -> JoinAttributes:
        return JoinAttributes(
            cluster_name=self.cluster.cluster_name,
            endpoint=self.cluster.cluster_endpoint,
            certificate_authority=self.cluster.cluster_certificate_authority_data,
            service_cidr=self.service_ipv4_cidr,
        )

    @property
    def open_id_connect_provider(self) -> iam.IOpenIdConnectProvider:
        """The cluster's IAM OIDC provider (a native `AWS::IAM::OIDCProvider`), created on first use."""
        if self._oidc_provider is None:
            self._oidc_provider = eks.OidcProviderNative(
                self, "OidcProvider", url=self.cluster.cluster_open_id_connect_issuer_url
            )
        return self._oidc_provider
