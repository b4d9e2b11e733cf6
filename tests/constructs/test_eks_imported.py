"""An existing cluster imported with EksCluster.from_cluster_attributes (issue 12)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import (
    EksCluster,
    EksClusterAttributes,
    FargateProfileOptions,
    FargateSelector,
    ImportedEksCluster,
    SelfManagedNodeGroupOptions,
)
from cdk_containers.constructs.storage import EbsCsiDriver
from tests.conftest import make_app
from tests.support import make_vpc, resources_of_type

SECURITY_GROUP = "sg-0123456789abcdef0"


def _attributes(vpc: ec2.IVpc, /, **overrides: Any) -> EksClusterAttributes:
    values: dict[str, Any] = {
        "cluster_name": "payments",
        "vpc": vpc,
        "version": "1.35",
        "cluster_security_group_id": SECURITY_GROUP,
        "cluster_endpoint": "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        "cluster_certificate_authority_data": "Q0E=",
        "service_ipv4_cidr": "172.20.0.0/16",
        "pod_identity_agent": True,
        **overrides,
    }
    return EksClusterAttributes(**values)


@pytest.fixture(scope="module")
def imported() -> dict[str, Any]:
    """An imported cluster with every kind of capacity, an add-on and the EBS CSI driver."""
    stack = Stack(make_app(), "Brownfield")
    vpc = make_vpc(stack)
    existing = EksCluster.from_cluster_attributes(stack, "Existing", _attributes(vpc))
    existing.add_managed_node_group("Managed")
    existing.add_self_managed_node_group("SelfManaged", SelfManagedNodeGroupOptions(min_size=1))
    existing.add_fargate_profile("Jobs", FargateProfileOptions(selectors=[FargateSelector(namespace="jobs")]))
    existing.add_addon("metrics-server")
    EbsCsiDriver(stack, "Ebs", cluster=existing)
    template: dict[str, Any] = dict(Template.from_stack(stack).to_json())
    return template


def test_an_imported_cluster_creates_no_cluster_and_no_default_add_on(imported: dict[str, Any]) -> None:
    assert not resources_of_type(imported, "AWS::EKS::Cluster")
    names = {a["Properties"]["AddonName"] for a in resources_of_type(imported, "AWS::EKS::Addon").values()}
    assert names == {"metrics-server", "aws-ebs-csi-driver"}


def test_capacity_of_every_kind_joins_the_imported_cluster_by_name(imported: dict[str, Any]) -> None:
    (nodegroup,) = resources_of_type(imported, "AWS::EKS::Nodegroup").values()
    (profile,) = resources_of_type(imported, "AWS::EKS::FargateProfile").values()
    assert nodegroup["Properties"]["ClusterName"] == "payments"
    assert profile["Properties"]["ClusterName"] == "payments"
    (entry,) = [
        e
        for e in resources_of_type(imported, "AWS::EKS::AccessEntry").values()
        if e["Properties"].get("Type")
    ]
    assert (entry["Properties"]["ClusterName"], entry["Properties"]["Type"]) == ("payments", "EC2_LINUX")


def test_self_managed_nodes_of_an_imported_cluster_get_its_endpoint_ca_and_service_cidr(
    imported: dict[str, Any],
) -> None:
    (launch_template,) = [
        r
        for r in resources_of_type(imported, "AWS::EC2::LaunchTemplate").values()
        if "UserData" in r["Properties"]["LaunchTemplateData"]
    ]
    text = json.dumps(launch_template["Properties"]["LaunchTemplateData"]["UserData"])
    assert "name: payments" in text
    assert "apiServerEndpoint: https://ABC.gr7.eu-west-1.eks.amazonaws.com" in text
    assert "cidr: 172.20.0.0/16" in text
    groups = launch_template["Properties"]["LaunchTemplateData"]["SecurityGroupIds"]
    assert SECURITY_GROUP in json.dumps(groups)


def test_the_ebs_driver_on_an_imported_cluster_gets_a_pod_identity_association(
    imported: dict[str, Any],
) -> None:
    associations = resources_of_type(imported, "AWS::EKS::PodIdentityAssociation").values()
    assert [(a["Properties"]["ClusterName"], a["Properties"]["ServiceAccount"]) for a in associations] == [
        ("payments", "ebs-csi-controller-sa")
    ]


def test_the_kubectl_handler_of_an_imported_cluster_gets_its_own_admin_access_entry(
    imported: dict[str, Any],
) -> None:
    manifests = resources_of_type(imported, "Custom::AWSCDK-EKS-KubernetesResource")
    assert manifests, "the EBS driver's StorageClass goes through the kubectl handler"
    admin = [
        e
        for e in resources_of_type(imported, "AWS::EKS::AccessEntry").values()
        if e["Properties"].get("AccessPolicies")
    ]
    assert len(admin) == 1


def test_self_managed_nodes_need_the_join_attributes_of_an_imported_cluster() -> None:
    stack = Stack(make_app(), "Partial")
    existing = EksCluster.from_cluster_attributes(
        stack, "Existing", _attributes(make_vpc(stack), cluster_endpoint=None, service_ipv4_cidr=None)
    )
    with pytest.raises(
        ValueError, match=r"SelfManagedNodeGroup 'Partial/Existing/Nodes' has 2 invalid"
    ) as error:
        existing.add_self_managed_node_group("Nodes")
    assert "import the cluster with cluster_endpoint=..." in str(error.value)
    assert "import the cluster with service_ipv4_cidr=..." in str(error.value)


def test_pod_identity_on_an_imported_cluster_without_the_agent_says_how_to_get_it() -> None:
    stack = Stack(make_app(), "NoAgent")
    existing = EksCluster.from_cluster_attributes(
        stack, "Existing", _attributes(make_vpc(stack), pod_identity_agent=False)
    )
    with pytest.raises(ValueError, match=r"add_addon\('eks-pod-identity-agent', before_compute=True\)"):
        existing.add_pod_identity("App", namespace="apps", service_account="app")


def test_irsa_on_an_imported_cluster_uses_its_existing_oidc_provider() -> None:
    stack = Stack(make_app(), "Irsa")
    provider = iam.OidcProviderNative.from_oidc_provider_arn(
        stack, "Provider", "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12"
    )
    existing = EksCluster.from_cluster_attributes(
        stack, "Existing", _attributes(make_vpc(stack), open_id_connect_provider=provider)
    )
    existing.add_irsa_service_account("Jobs", namespace="jobs", service_account="worker")
    template = Template.from_stack(stack).to_json()
    assert not resources_of_type(template, "AWS::IAM::OIDCProvider")
    (role,) = [
        r
        for r in resources_of_type(template, "AWS::IAM::Role").values()
        if r["Properties"].get("Description") == "IRSA role of jobs/worker"
    ]
    principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
    assert "oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/AB12" in json.dumps(principal)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"version": "1.30"},
            r"version='1.30' is invalid: a Kubernetes version with an installed kubectl layer",
        ),
        ({"vpc": "vpc-0123"}, r"attributes.vpc='vpc-0123' is invalid: expected an ec2.IVpc, got a str"),
        ({"cluster_security_group_id": None}, r"attributes.cluster_security_group_id=None is invalid"),
        ({"service_ipv4_cidr": "not-a-cidr"}, r"attributes.service_ipv4_cidr='not-a-cidr' is invalid"),
    ],
)
def test_bad_attributes_are_refused_with_a_clear_error(overrides: dict[str, Any], message: str) -> None:
    stack = Stack(make_app(), "Bad")
    with pytest.raises(ValueError, match=r"ImportedEksCluster 'Bad/Existing'.*" + message):
        ImportedEksCluster(stack, "Existing", attributes=_attributes(make_vpc(stack), **overrides))
