"""The drivers on an imported cluster: any object with the members of `StorageCluster` (issue 12).

`ImportedCluster` below is the smallest such object: an `aws_eks_v2` cluster imported by name with a
kubectl provider imported by its service token, a VPC and the cluster security group imported by id.
It has no `EksCluster` behind it, so the drivers can only use what the protocol names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from constructs import Construct

from cdk_containers.constructs.eks import PodIdentity
from cdk_containers.constructs.storage import (
    EbsCsiDriver,
    EfsCsiDriver,
    FsxLustreCsiDriver,
    FsxLustreStorageClassOptions,
    FsxOntapCsiDriver,
    OntapStorageClassOptions,
    StorageCluster,
)
from tests.constructs.test_storage_common import logical_id, security_group_rules
from tests.support import kubernetes_objects, make_stack, make_vpc, resources_of_type


class ImportedCluster(Construct):
    """A cluster this app did not create, wrapped with the members the storage drivers use."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc) -> None:
        super().__init__(scope, construct_id)
        provider = eks.KubectlProvider.from_kubectl_provider_attributes(
            self,
            "Kubectl",
            service_token="arn:aws:lambda:eu-west-1:111111111111:function:kubectl-provider",
            role=iam.Role.from_role_arn(self, "KubectlRole", "arn:aws:iam::111111111111:role/kubectl"),
        )
        self.cluster: eks.ICluster = eks.Cluster.from_cluster_attributes(
            self, "Cluster", cluster_name="existing", kubectl_provider=provider, vpc=vpc
        )
        self.vpc = vpc
        self.node_subnets = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.cluster_security_group = ec2.SecurityGroup.from_security_group_id(
            self, "ClusterSecurityGroup", "sg-0123456789abcdef0"
        )
        self.has_ec2_capacity = True
        self.has_fargate_capacity = False

    def add_addon(
        self, name: str, *, version: str | None = None, configuration: Mapping[str, Any] | None = None
    ) -> eks.Addon:
        return eks.Addon(
            self,
            f"Addon-{name}",
            cluster=self.cluster,
            addon_name=name,
            addon_version=version,
            configuration_values=dict(configuration) if configuration is not None else None,
        )

    def add_pod_identity(
        self, construct_id: str, *, namespace: str, service_account: str, role: iam.IRole | None = None
    ) -> PodIdentity:
        assert role is not None
        association = eks.CfnPodIdentityAssociation(
            self,
            construct_id,
            cluster_name=self.cluster.cluster_name,
            namespace=namespace,
            service_account=service_account,
            role_arn=role.role_arn,
        )
        return PodIdentity(role=role, association=association)

    def add_manifest(self, construct_id: str, *manifests: Mapping[str, Any]) -> eks.KubernetesManifest:
        return eks.KubernetesManifest(
            self, construct_id, cluster=self.cluster, manifest=[dict(m) for m in manifests]
        )


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    stack = make_stack("Adopter")
    cluster = ImportedCluster(stack, "Existing", vpc=make_vpc(stack))
    storage_cluster: StorageCluster = cluster
    EbsCsiDriver(stack, "Ebs", cluster=storage_cluster)
    EfsCsiDriver(stack, "Efs", cluster=storage_cluster)
    lustre = FsxLustreCsiDriver(stack, "Lustre", cluster=storage_cluster)
    lustre.add_storage_class("Lustre", FsxLustreStorageClassOptions(name="lustre"))
    ontap = FsxOntapCsiDriver(stack, "Ontap", cluster=storage_cluster)
    ontap.add_storage_class("OntapNas", OntapStorageClassOptions(name="ontap-nas"))
    return Template.from_stack(Stack.of(cluster)).to_json()


def test_all_four_drivers_install_their_add_ons_on_the_imported_cluster(template: dict[str, Any]) -> None:
    addons = {
        a["Properties"]["AddonName"]: a for a in resources_of_type(template, "AWS::EKS::Addon").values()
    }
    assert set(addons) == {
        "aws-ebs-csi-driver",
        "aws-efs-csi-driver",
        "aws-fsx-csi-driver",
        "netapp_trident-operator",
    }
    assert all(a["Properties"]["ClusterName"] == "existing" for a in addons.values())


def test_the_controllers_are_bound_through_pod_identity_on_the_imported_cluster(
    template: dict[str, Any],
) -> None:
    associations = resources_of_type(template, "AWS::EKS::PodIdentityAssociation").values()
    assert {(a["Properties"]["ClusterName"], a["Properties"]["ServiceAccount"]) for a in associations} == {
        ("existing", "ebs-csi-controller-sa"),
        ("existing", "efs-csi-controller-sa"),
        ("existing", "fsx-csi-controller-sa"),
        ("existing", "trident-controller"),
    }


def test_storage_classes_and_the_backend_go_through_the_imported_kubectl_provider(
    template: dict[str, Any],
) -> None:
    kinds = sorted((m["kind"], m["metadata"]["name"]) for _, m in kubernetes_objects(template))
    assert kinds == [
        ("StorageClass", "gp3"),
        ("StorageClass", "lustre"),
        ("StorageClass", "ontap-nas"),
        ("TridentBackendConfig", "fsx-ontap-nas"),
    ]
    tokens = {
        r["Properties"]["ServiceToken"]
        for r in template["Resources"].values()
        if r["Type"].startswith("Custom::AWSCDK-EKS-")
    }
    assert tokens == {"arn:aws:lambda:eu-west-1:111111111111:function:kubectl-provider"}


def test_the_backend_waits_for_its_crd_through_the_imported_kubectl_provider(
    template: dict[str, Any],
) -> None:
    wait = logical_id(template, "Custom::AWSCDK-EKS-KubernetesObjectValue", "OntapBackendCrd")
    (backend,) = [k for k, m in kubernetes_objects(template) if m["kind"] == "TridentBackendConfig"]
    assert wait in template["Resources"][backend]["DependsOn"]


def test_the_storage_security_groups_admit_the_imported_cluster_security_group(
    template: dict[str, Any],
) -> None:
    efs = logical_id(template, "AWS::EC2::SecurityGroup", "Efs/SecurityGroup")
    assert security_group_rules(template, efs) == {("tcp", 2049, 2049, "sg-0123456789abcdef0")}


def test_an_object_without_the_protocol_s_members_is_refused_by_name() -> None:
    stack = make_stack("NotACluster")
    with pytest.raises(
        ValueError,
        match=r"EbsCsiDriver 'NotACluster/Ebs': cluster=.* is invalid: an EksCluster, or an object with the "
        r"members of StorageCluster \(missing: cluster, vpc, node_subnets",
    ):
        EbsCsiDriver(stack, "Ebs", cluster=object())  # type: ignore[arg-type]
