"""Storage drivers together: capacity checks and StorageClass bookkeeping per cluster.

Also holds the small builders the other ``test_storage_*`` files share.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
)
from cdk_containers.constructs.storage import (
    CsiDriver,
    EbsCsiDriver,
    EbsStorageClassOptions,
    EfsCsiDriver,
    EfsStorageClassOptions,
    FsxLustreCsiDriver,
    FsxOntapCsiDriver,
    OntapStorageClassOptions,
)
from tests.support import make_stack, make_vpc, resources_of_type


def storage_stack(*, ec2_nodes: bool = True, fargate: bool = False) -> tuple[Stack, EksCluster]:
    """A stack with a two-AZ VPC and an EksCluster with the capacity asked for."""
    stack = make_stack("Storage")
    vpc = make_vpc(stack)
    cluster = EksCluster(stack, "Eks", vpc=vpc)
    if ec2_nodes:
        cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions())
    if fargate:
        cluster.add_fargate_profile(
            "Serverless", FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")])
        )
    return stack, cluster


def logical_id(template: dict[str, Any], resource_type: str, path_fragment: str) -> str:
    """The one resource of ``resource_type`` whose logical id contains ``path_fragment``
    (a construct path without the slashes, as CDK builds logical ids)."""
    fragment = path_fragment.replace("/", "")
    found = [
        key
        for key, resource in template["Resources"].items()
        if resource["Type"] == resource_type and fragment in key
    ]
    assert len(found) == 1, f"{resource_type} matching {path_fragment!r}: {found}"
    return found[0]


def _source(rule: dict[str, Any], own_group: str) -> str:
    source = rule.get("SourceSecurityGroupId", rule.get("DestinationSecurityGroupId", rule.get("CidrIp")))
    if source == {"Fn::GetAtt": [own_group, "GroupId"]}:
        return "self"
    if (
        isinstance(source, dict)
        and "Fn::GetAtt" in source
        and source["Fn::GetAtt"][1] == "ClusterSecurityGroupId"
    ):
        return "cluster"
    return str(source)


def security_group_rules(
    template: dict[str, Any], group: str, *, egress: bool = False
) -> set[tuple[Any, ...]]:
    """(protocol, from, to, peer) of every ingress (or egress) rule of ``group``; peer is
    ``self``, ``cluster`` (the EKS cluster security group) or the literal value."""
    inline = "SecurityGroupEgress" if egress else "SecurityGroupIngress"
    rule_type = "AWS::EC2::SecurityGroupEgress" if egress else "AWS::EC2::SecurityGroupIngress"
    rules = list(template["Resources"][group]["Properties"].get(inline, []))
    for resource in template["Resources"].values():
        if resource["Type"] == rule_type and resource["Properties"]["GroupId"] == {
            "Fn::GetAtt": [group, "GroupId"]
        }:
            rules.append(resource["Properties"])
    return {(r["IpProtocol"], r.get("FromPort"), r.get("ToPort"), _source(r, group)) for r in rules}


@pytest.fixture(scope="module")
def fargate_only() -> EksCluster:
    return storage_stack(ec2_nodes=False, fargate=True)[1]


@pytest.mark.parametrize(
    ("driver", "what"),
    [
        (EbsCsiDriver, "EBS volumes"),
        (FsxLustreCsiDriver, "FSx for Lustre"),
        (FsxOntapCsiDriver, "FSx for NetApp ONTAP"),
    ],
)
def test_ebs_and_fsx_are_refused_on_a_cluster_whose_only_capacity_is_fargate(
    fargate_only: EksCluster, driver: Any, what: str
) -> None:
    with pytest.raises(
        ValueError, match=rf"{driver.__name__} 'Storage/Driver': cluster='Storage/Eks'"
    ) as error:
        driver(fargate_only.node.scope, "Driver", cluster=fargate_only)
    assert f"only capacity is Fargate, and Fargate pods cannot mount {what}" in str(error.value)


def test_ebs_is_refused_on_a_cluster_without_any_capacity_yet() -> None:
    _, cluster = storage_stack(ec2_nodes=False)
    with pytest.raises(
        ValueError, match=r"has no EC2 capacity yet; add a managed or self-managed node group"
    ):
        EbsCsiDriver(cluster.node.scope, "Ebs", cluster=cluster)


def test_efs_on_a_fargate_only_cluster_creates_the_file_system_but_no_add_on(
    fargate_only: EksCluster,
) -> None:
    efs_driver = EfsCsiDriver(fargate_only.node.scope, "Efs", cluster=fargate_only)
    assert efs_driver.addon is None
    assert efs_driver.role is None
    assert "aws-efs-csi-driver" not in fargate_only.addons


def test_efs_dynamic_provisioning_is_refused_on_a_fargate_only_cluster(fargate_only: EksCluster) -> None:
    efs_driver = EfsCsiDriver(fargate_only.node.scope, "EfsDynamic", cluster=fargate_only)
    with pytest.raises(
        ValueError,
        match=r"EfsStorageClass 'Storage/EfsDynamic/Efs': driver='Storage/EfsDynamic' is invalid: an EFS "
        r"driver on a cluster with EC2 nodes",
    ):
        efs_driver.add_storage_class("Efs", EfsStorageClassOptions(name="efs"))


@pytest.fixture(scope="module")
def cluster_with_ebs() -> tuple[EksCluster, EbsCsiDriver, EfsCsiDriver]:
    _, cluster = storage_stack()
    ebs = EbsCsiDriver(cluster.node.scope, "Ebs", cluster=cluster)
    efs_driver = EfsCsiDriver(cluster.node.scope, "Efs", cluster=cluster)
    return cluster, ebs, efs_driver


def test_a_second_default_storage_class_on_one_cluster_is_refused(
    cluster_with_ebs: tuple[EksCluster, EbsCsiDriver, EfsCsiDriver],
) -> None:
    _, _, efs_driver = cluster_with_ebs
    with pytest.raises(
        ValueError,
        match=r"EfsStorageClass 'Storage/Efs/Shared': options.default=True is invalid: at most one default "
        r"StorageClass per cluster; 'gp3' \(Storage/Ebs/DefaultStorageClass\) is already the default",
    ):
        efs_driver.add_storage_class("Shared", EfsStorageClassOptions(name="shared", default=True))


def test_a_second_default_from_the_same_driver_is_refused_too(
    cluster_with_ebs: tuple[EksCluster, EbsCsiDriver, EfsCsiDriver],
) -> None:
    _, ebs, _ = cluster_with_ebs
    with pytest.raises(ValueError, match=r"at most one default StorageClass per cluster"):
        ebs.add_storage_class("Fast", EbsStorageClassOptions(name="gp3-fast", throughput=500, default=True))


def test_a_storage_class_name_used_twice_on_one_cluster_is_refused(
    cluster_with_ebs: tuple[EksCluster, EbsCsiDriver, EfsCsiDriver],
) -> None:
    _, _, efs_driver = cluster_with_ebs
    with pytest.raises(
        ValueError,
        match=r"options.name='gp3' is invalid: .*already belongs to Storage/Ebs/DefaultStorageClass",
    ):
        efs_driver.add_storage_class("Gp3", EfsStorageClassOptions(name="gp3"))


def test_the_default_class_can_be_moved_by_opting_out_of_the_ebs_default() -> None:
    _, cluster = storage_stack()
    ebs = EbsCsiDriver(cluster.node.scope, "Ebs", cluster=cluster, create_default_storage_class=False)
    ontap = FsxOntapCsiDriver(cluster.node.scope, "Ontap", cluster=cluster)
    ontap.add_storage_class("Ontap", OntapStorageClassOptions(name="ontap", default=True))
    assert ebs.storage_classes == {}
    annotations = ontap.storage_classes["ontap"].document["metadata"]["annotations"]
    assert annotations == {"storageclass.kubernetes.io/is-default-class": "true"}


#: driver -> (add-on, namespace, service account, association id, role path)
DRIVER_WIRING: dict[type[CsiDriver], tuple[str, str, str, str, str]] = {
    EbsCsiDriver: (
        "aws-ebs-csi-driver",
        "kube-system",
        "ebs-csi-controller-sa",
        "EbsCsiController",
        "Ebs/ControllerRole",
    ),
    EfsCsiDriver: (
        "aws-efs-csi-driver",
        "kube-system",
        "efs-csi-controller-sa",
        "EfsCsiController",
        "Efs/ControllerRole",
    ),
    FsxLustreCsiDriver: (
        "aws-fsx-csi-driver",
        "kube-system",
        "fsx-csi-controller-sa",
        "FsxCsiController",
        "Lustre/ControllerRole",
    ),
    FsxOntapCsiDriver: (
        "netapp_trident-operator",
        "trident",
        "trident-controller",
        "TridentController",
        "Ontap/TridentRole",
    ),
}


@pytest.fixture(scope="module")
def four_drivers() -> dict[str, Any]:
    stack, cluster = storage_stack()
    for driver, construct_id in zip(DRIVER_WIRING, ("Ebs", "Efs", "Lustre", "Ontap"), strict=True):
        driver(stack, construct_id, cluster=cluster)
    return Template.from_stack(stack).to_json()


@pytest.mark.parametrize("driver", list(DRIVER_WIRING), ids=lambda d: d.__name__)
def test_each_driver_s_add_on_waits_for_the_node_group_and_the_controller_s_pod_identity(
    four_drivers: dict[str, Any], driver: type[CsiDriver]
) -> None:
    addon_name, _, _, association_id, _ = DRIVER_WIRING[driver]
    (addon,) = [
        a
        for a in resources_of_type(four_drivers, "AWS::EKS::Addon").values()
        if a["Properties"]["AddonName"] == addon_name
    ]
    assert logical_id(four_drivers, "AWS::EKS::Nodegroup", "Nodes") in addon["DependsOn"]
    assert logical_id(four_drivers, "AWS::EKS::PodIdentityAssociation", association_id) in addon["DependsOn"]


@pytest.mark.parametrize("driver", list(DRIVER_WIRING), ids=lambda d: d.__name__)
def test_each_controller_service_account_is_bound_to_the_driver_s_role(
    four_drivers: dict[str, Any], driver: type[CsiDriver]
) -> None:
    _, namespace, service_account, association_id, role_path = DRIVER_WIRING[driver]
    association = four_drivers["Resources"][
        logical_id(four_drivers, "AWS::EKS::PodIdentityAssociation", association_id)
    ]["Properties"]
    role_id = logical_id(four_drivers, "AWS::IAM::Role", role_path)
    assert (association["Namespace"], association["ServiceAccount"]) == (namespace, service_account)
    assert association["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
