"""Workload identities: EKS Pod Identity on EC2 nodes, IRSA everywhere (Fargate included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import jsii
from aws_cdk import CfnJson
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct, IValidation

from cdk_containers._validation import ConstructPath, Problems, construct_path, is_dns1123_subdomain
from cdk_containers.constructs.eks._cluster_checks import check_object
from cdk_containers.constructs.eks._pod_identity import PodIdentity, pod_identity_principal

if TYPE_CHECKING:
    from cdk_containers.constructs.eks._base import ClusterBase

__all__ = ["IrsaServiceAccount", "WorkloadIdentities", "add_irsa_service_account", "add_pod_identity"]


@dataclass(frozen=True, kw_only=True)
class IrsaServiceAccount:
    """What `add_irsa_service_account` made: the role and the service account that carries it."""

    role: iam.IRole
    """The role the service account's pods get: grant it what the workload needs."""
    manifest: eks.KubernetesManifest
    """The service account object (annotated `eks.amazonaws.com/role-arn`); make a consumer depend on it."""


def _check_names(problems: Problems, namespace: object, service_account: object) -> None:
    if problems.check_str("namespace", namespace):
        problems.check(
            is_dns1123_subdomain(str(namespace)) and len(str(namespace)) <= 63,
            "namespace",
            namespace,
            "a Kubernetes namespace name (lower-case letters, digits and '-', at most 63)",
        )
    if problems.check_str("service_account", service_account):
        problems.check(
            is_dns1123_subdomain(str(service_account)),
            "service_account",
            service_account,
            "a service account name",
        )


@jsii.implements(IValidation)
class _NotOnFargateOnly:
    """Pod Identity does not run on Fargate: refuse it for a namespace no EC2 node serves."""

    def __init__(self, cluster: ClusterBase, namespace: str, path: ConstructPath) -> None:
        self._cluster = cluster
        self._namespace = namespace
        self._path = path

    def validate(self) -> list[str]:
        c = self._cluster
        whole = [s for s in c.fargate_selectors if s.namespace == self._namespace and s._whole_namespace]
        if whole or (c.has_fargate_capacity and not c.has_ec2_capacity):
            why = (
                f"a Fargate profile selects every pod of namespace '{self._namespace}'"
                if whole
                else "the cluster has Fargate capacity only"
            )
            return [
                f"Pod Identity '{self._path}' (namespace '{self._namespace}') cannot work: {why}, and Pod "
                "Identity does not run on Fargate. Use add_irsa_service_account(...) for pods on Fargate, "
                "or run them on EC2 nodes"
            ]
        return []


def add_pod_identity(
    cluster: ClusterBase, construct_id: str, *, namespace: str, service_account: str, role: iam.IRole | None
) -> PodIdentity:
    """`ClusterBase.add_pod_identity`: the role (unless given) and the association."""
    path = construct_path(cluster, construct_id)  # read only for a message
    problems = Problems(cluster._construct_type, path)
    _check_names(problems, namespace, service_account)
    check_object(problems, "role", role, "iam.IRole", optional=True)
    if not cluster._has_pod_identity_agent:
        problems.add(
            "add_pod_identity",
            construct_id,
            "a cluster with the eks-pod-identity-agent add-on: add it with "
            "add_addon('eks-pod-identity-agent', before_compute=True), or import the cluster with "
            "pod_identity_agent=True if it is installed already",
        )
    problems.raise_if_any()
    if role is None:
        role = iam.Role(
            cluster,
            f"{construct_id}Role",
            assumed_by=pod_identity_principal(
                cluster_arn=cluster._icluster.cluster_arn,
                namespace=namespace,
                service_account=service_account,
            ),
            description=f"Pod Identity role of {namespace}/{service_account}",
        )
    association = eks.CfnPodIdentityAssociation(
        cluster,
        construct_id,
        cluster_name=cluster._icluster.cluster_name,
        namespace=namespace,
        service_account=service_account,
        role_arn=role.role_arn,
    )
    cluster.node.add_validation(_NotOnFargateOnly(cluster, namespace, path))
    return PodIdentity(role=role, association=association)


def add_irsa_service_account(
    cluster: ClusterBase, construct_id: str, *, namespace: str, service_account: str
) -> IrsaServiceAccount:
    """`ClusterBase.add_irsa_service_account`: a web-identity role and its service account."""
    problems = Problems(cluster._construct_type, construct_path(cluster, construct_id))
    _check_names(problems, namespace, service_account)
    problems.raise_if_any()
    provider = cluster.open_id_connect_provider
    issuer = provider.open_id_connect_provider_issuer
    # The condition keys start with the issuer, a deploy-time value: CloudFormation takes no
    # intrinsic function as a key, so CfnJson renders them (what aws_eks_v2.ServiceAccount does).
    conditions = CfnJson(
        cluster,
        f"{construct_id}Conditions",
        value={
            f"{issuer}:aud": "sts.amazonaws.com",
            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
        },
    )
    role = iam.Role(
        cluster,
        f"{construct_id}Role",
        assumed_by=iam.OpenIdConnectPrincipal(provider, conditions={"StringEquals": conditions}),
        description=f"IRSA role of {namespace}/{service_account}",
    )
    manifest = cluster.add_manifest(
        construct_id,
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": service_account,
                "namespace": namespace,
                "annotations": {"eks.amazonaws.com/role-arn": role.role_arn},
            },
        },
    )
    return IrsaServiceAccount(role=role, manifest=manifest)


class WorkloadIdentities(Construct):
    """The part of a cluster that gives pods AWS credentials (a base of `ClusterBase`)."""

    def add_pod_identity(
        self, construct_id: str, *, namespace: str, service_account: str, role: iam.IRole | None = None
    ) -> PodIdentity:
        """Associate an IAM role with a Kubernetes service account (EKS Pod Identity).

        Pod Identity needs the `eks-pod-identity-agent` add-on and EC2 nodes: it does not
        run on Fargate, so a namespace that only Fargate serves is refused at synthesis
        (use `add_irsa_service_account` there).

        Args:
            construct_id: Id of the association (and of the role, when one is created).
            namespace: Namespace of the service account.
            service_account: Service account name.
            role: Role the pods get. Defaults to a new role trusted by `pods.eks.amazonaws.com`
                (`sts:AssumeRole` and `sts:TagSession`) only for sessions tagged with this
                cluster, namespace and service account, with no permissions. A role you pass
                keeps its own trust policy: limit it the same way.

        Returns:
            The role and the association (`PodIdentity`): grant the role what the workload
            needs, and make whatever starts the pods depend on the association.
        """
        return add_pod_identity(
            cast("ClusterBase", self),
            construct_id,
            namespace=namespace,
            service_account=service_account,
            role=role,
        )

    def add_irsa_service_account(
        self, construct_id: str, *, namespace: str, service_account: str
    ) -> IrsaServiceAccount:
        """A Kubernetes service account with an IAM role through IRSA (works on Fargate too).

        Creates the cluster's OIDC provider on first use (a native `AWS::IAM::OIDCProvider`),
        a role trusted only by that service account's web identity, and the service account
        (annotated with the role) through the kubectl handler.

        Args:
            construct_id: Id of the role and of the service account manifest.
            namespace: Namespace of the service account (it must exist, or be created by a
                manifest the service account depends on).
            service_account: Service account name.

        Returns:
            The role (grant it what the workload needs) and the service account manifest.
        """
        return add_irsa_service_account(
            cast("ClusterBase", self), construct_id, namespace=namespace, service_account=service_account
        )

    @property
    def open_id_connect_provider(self) -> iam.IOpenIdConnectProvider:
        """The cluster's IAM OIDC provider, for IRSA."""
        raise NotImplementedError
