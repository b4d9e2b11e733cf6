"""EksCluster and its three kinds of capacity, on synthesized templates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
    default_version,
)
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import make_app
from tests.support import make_vpc

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}


@pytest.fixture(scope="module")
def vpc_stack() -> tuple[Stack, ec2.Vpc]:
    """A stack with a VPC for clusters that are only constructed (validation tests)."""
    stack = Stack(make_app(), "Validation")
    return stack, make_vpc(stack)


@pytest.fixture(scope="module")
def full() -> tuple[SynthResult, EksCluster]:
    """One cluster with every capacity kind, a manifest and the nag pack: synthesized once."""
    app = make_app()
    stack = Stack(app, "Full")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group(
        "Managed",
        ManagedNodeGroupOptions(
            capacity_type=eks.CapacityType.SPOT,
            instance_types=["m7i.large", "m6i.large"],
            labels={"capacity": "spot"},
            taints=[Taint(key="spot", value="true", effect=eks.TaintEffect.PREFER_NO_SCHEDULE)],
        ),
    )
    cluster.add_fargate_profile(
        "Serverless", FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")])
    )
    cluster.add_manifest("Apps", NAMESPACE)
    # Capacity added after the manifest and coredns still orders before them.
    cluster.add_self_managed_node_group(
        "SelfManaged",
        SelfManagedNodeGroupOptions(
            labels={"team": "web"},
            taints=[Taint(key="dedicated", value="batch")],
        ),
    )
    cluster.add_pod_identity("Ebs", namespace="kube-system", service_account="ebs-csi-controller-sa")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return synthesize(app), cluster


@pytest.fixture(scope="module")
def template(full: tuple[SynthResult, EksCluster]) -> Template:
    return full[0].template("Full")


@pytest.fixture(scope="module")
def resources(full: tuple[SynthResult, EksCluster]) -> dict[str, Any]:
    found: dict[str, Any] = full[0].template_json("Full")["Resources"]
    return found


def _one(resources: dict[str, Any], resource_type: str, **properties: Any) -> tuple[str, dict[str, Any]]:
    matches = [
        (logical_id, r)
        for logical_id, r in resources.items()
        if r["Type"] == resource_type and all(r["Properties"].get(k) == v for k, v in properties.items())
    ]
    assert len(matches) == 1, f"{len(matches)} {resource_type} match {properties}"
    return matches[0]


def _ids(resources: dict[str, Any], resource_type: str) -> set[str]:
    return {logical_id for logical_id, r in resources.items() if r["Type"] == resource_type}


# -- the cluster ---------------------------------------------------------------------------


def test_the_cluster_with_every_capacity_kind_passes_the_aws_solutions_pack(
    full: tuple[SynthResult, EksCluster],
) -> None:
    findings = [
        v
        for v in full[0].violations_of("AwsSolutions", severities=("error", "warning"))
        if any(path.startswith("Full/Eks/") for path in v.construct_paths)  # the test VPC is not ours
    ]
    assert findings == [], "\n".join(map(str, findings))
    assert full[0].violations_of("CloudFormation Validate", severities=("error", "warning")) == []


def test_the_endpoint_is_private_by_default(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "ResourcesVpcConfig": Match.object_like(
                {"EndpointPrivateAccess": True, "EndpointPublicAccess": False}
            )
        },
    )


def test_all_five_control_plane_log_types_are_on(template: Template) -> None:
    types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    template.has_resource_properties(
        "AWS::EKS::Cluster", {"Logging": {"ClusterLogging": {"EnabledTypes": [{"Type": t} for t in types]}}}
    )


def test_secrets_are_encrypted_with_a_rotating_retained_kms_key(
    template: Template, resources: dict[str, Any]
) -> None:
    ((key_id, key),) = [
        (k, r)
        for k, r in resources.items()
        if r["Type"] == "AWS::KMS::Key" and "Kubernetes secrets" in r["Properties"]["Description"]
    ]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "EncryptionConfig": [
                {"Provider": {"KeyArn": {"Fn::GetAtt": [key_id, "Arn"]}}, "Resources": ["secrets"]}
            ]
        },
    )


def test_authentication_uses_access_entries_without_auto_mode_or_creator_admin(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "AccessConfig": {"AuthenticationMode": "API", "BootstrapClusterCreatorAdminPermissions": False},
            "ComputeConfig": {"Enabled": False},
            "BootstrapSelfManagedAddons": False,
            "KubernetesNetworkConfig": Match.object_like({"ServiceIpv4Cidr": "172.20.0.0/16"}),
        },
    )


def test_the_default_version_is_the_newest_with_a_kubectl_layer(template: Template) -> None:
    assert default_version() == "1.36"
    template.has_resource_properties("AWS::EKS::Cluster", {"Version": "1.36"})


# -- add-ons ordering ---------------------------------------------------------------------


def test_networking_and_identity_add_ons_come_before_every_node_group(resources: dict[str, Any]) -> None:
    before = {
        _one(resources, "AWS::EKS::Addon", AddonName=name)[0]
        for name in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
    }
    nodegroup = next(iter(_ids(resources, "AWS::EKS::Nodegroup")))
    asg = next(iter(_ids(resources, "AWS::AutoScaling::AutoScalingGroup")))
    profile = next(iter(_ids(resources, "AWS::EKS::FargateProfile")))
    for capacity in (nodegroup, asg, profile):
        assert before <= set(resources[capacity].get("DependsOn", [])), capacity


def test_coredns_depends_on_all_compute_even_capacity_added_later(resources: dict[str, Any]) -> None:
    _, coredns = _one(resources, "AWS::EKS::Addon", AddonName="coredns")
    depends = set(coredns["DependsOn"])
    compute = (
        _ids(resources, "AWS::EKS::Nodegroup")
        | _ids(resources, "AWS::AutoScaling::AutoScalingGroup")
        | _ids(resources, "AWS::EKS::FargateProfile")
    )
    assert len(compute) == 3
    assert compute <= depends
    assert "ConfigurationValues" not in coredns["Properties"]  # EC2 capacity exists: coredns runs on nodes


def test_the_vpc_cni_gets_its_own_pod_identity_role_instead_of_the_nodes(resources: dict[str, Any]) -> None:
    _, cni = _one(resources, "AWS::EKS::Addon", AddonName="vpc-cni")
    association = cni["Properties"]["PodIdentityAssociations"][0]
    assert association["ServiceAccount"] == "aws-node"
    role = resources[association["RoleArn"]["Fn::GetAtt"][0]]
    assert "AmazonEKS_CNI_Policy" in json.dumps(role["Properties"]["ManagedPolicyArns"])
    node_roles = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Role" and "ec2.amazonaws.com" in json.dumps(r)
    ]
    assert len(node_roles) == 2
    for node_role in node_roles:
        policies = json.dumps(node_role["Properties"]["ManagedPolicyArns"])
        assert "AmazonEKS_CNI_Policy" not in policies
        assert "AmazonEKSWorkerNodePolicy" in policies
        assert "AmazonEC2ContainerRegistryPullOnly" in policies


def _pod_identity_trust(cluster_id: str, namespace: str, service_account: str) -> list[dict[str, Any]]:
    return [
        {
            "Action": ["sts:AssumeRole", "sts:TagSession"],
            "Condition": {
                "StringEquals": {
                    "aws:RequestTag/eks-cluster-arn": {"Fn::GetAtt": [cluster_id, "Arn"]},
                    "aws:RequestTag/kubernetes-namespace": namespace,
                    "aws:RequestTag/kubernetes-service-account": service_account,
                }
            },
            "Effect": "Allow",
            "Principal": {"Service": "pods.eks.amazonaws.com"},
        }
    ]


def test_pod_identity_roles_trust_only_their_service_account_of_this_cluster(
    resources: dict[str, Any],
) -> None:
    (cluster_id,) = _ids(resources, "AWS::EKS::Cluster")
    _, association = _one(
        resources,
        "AWS::EKS::PodIdentityAssociation",
        Namespace="kube-system",
        ServiceAccount="ebs-csi-controller-sa",
    )
    role = resources[association["Properties"]["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
    assert role["Description"] == "Pod Identity role of kube-system/ebs-csi-controller-sa"
    assert role["AssumeRolePolicyDocument"]["Statement"] == _pod_identity_trust(
        cluster_id, "kube-system", "ebs-csi-controller-sa"
    )
    (cni,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::EKS::Addon" and r["Properties"]["AddonName"] == "vpc-cni"
    ]
    cni_role = resources[cni["Properties"]["PodIdentityAssociations"][0]["RoleArn"]["Fn::GetAtt"][0]]
    assert cni_role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == _pod_identity_trust(
        cluster_id, "kube-system", "aws-node"
    )


def test_the_cluster_role_trusts_eks_only_for_this_cluster_of_this_account_and_region(
    resources: dict[str, Any],
) -> None:
    (cluster_id,) = _ids(resources, "AWS::EKS::Cluster")
    name = resources[cluster_id]["Properties"]["Name"]
    # The construct path and the last group of the stack's uuid: new when the stack is recreated.
    assert name["Fn::Join"][1][0] == "Full-Eks-993C19BE"
    assert "AWS::StackId" in json.dumps(name["Fn::Join"][1][1])
    role_id = resources[cluster_id]["Properties"]["RoleArn"]["Fn::GetAtt"][0]
    (statement,) = resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "eks.amazonaws.com"}
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":eks:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":cluster/",
                        name,
                    ],
                ]
            }
        },
    }


def test_a_named_cluster_s_role_trusts_eks_only_for_that_cluster() -> None:
    app = make_app()
    stack = Stack(app, "Named")
    EksCluster(stack, "Eks", vpc=make_vpc(stack), cluster_name="payments")
    roles = Template.from_stack(stack).find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Principal": {"Service": "eks.amazonaws.com"}}]}
            }
        },
    )
    (role,) = roles.values()
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] == ":cluster/payments"


# -- manifests and the kubectl handler ------------------------------------------------------


def test_a_manifest_brings_exactly_two_lambda_functions_running_in_the_vpc(resources: dict[str, Any]) -> None:
    functions = [  # the test VPC's own default-SG custom resource is not counted
        r for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function" and k.startswith("Eks")
    ]
    assert len(functions) == 2
    assert all("VpcConfig" in f["Properties"] for f in functions)


def test_manifests_wait_for_compute_and_the_handler_s_access_entry(
    resources: dict[str, Any], full: tuple[SynthResult, EksCluster]
) -> None:
    _manifest_id, manifest = next(
        (k, r) for k, r in resources.items() if r["Type"] == "Custom::AWSCDK-EKS-KubernetesResource"
    )
    depends = set(manifest["DependsOn"])
    assert (
        _ids(resources, "AWS::EKS::Nodegroup") | _ids(resources, "AWS::AutoScaling::AutoScalingGroup")
        <= depends
    )
    admin_entries = [
        k
        for k, r in resources.items()
        if r["Type"] == "AWS::EKS::AccessEntry"
        and "AccessPolicies" in r["Properties"]
        and r["Properties"]["AccessPolicies"]
    ]
    assert set(admin_entries) <= depends
    (applied,) = json.loads(manifest["Properties"]["Manifest"])
    assert (applied["kind"], applied["metadata"]["name"]) == ("Namespace", "apps")


def test_the_kubectl_layer_matches_the_cluster_version(resources: dict[str, Any]) -> None:
    descriptions = [
        r["Properties"].get("Description", "")
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::LayerVersion"
    ]
    assert any(d.startswith("/opt/kubectl/kubectl 1.36.") for d in descriptions), descriptions


# -- self-managed specifics ---------------------------------------------------------------


def _asg_tags(resources: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    (asg,) = [r for r in resources.values() if r["Type"] == "AWS::AutoScaling::AutoScalingGroup"]
    tags = {}
    for tag in asg["Properties"]["Tags"]:
        key = tag["Key"]
        if isinstance(key, dict):  # the cluster name is a reference: Fn::Join ["", [prefix, {Ref}]]
            prefix, ref = key["Fn::Join"][1]
            key = f"{prefix}<{ref['Ref'].split('Cluster')[0]}Cluster>"
        tags[key] = (tag["Value"], tag["PropagateAtLaunch"])
    return tags


def test_the_self_managed_group_is_tagged_for_cluster_autoscaler_discovery_and_scale_from_zero(
    resources: dict[str, Any],
) -> None:
    assert _asg_tags(resources) == {
        "kubernetes.io/cluster/<EksCluster>": ("owned", True),
        "k8s.io/cluster-autoscaler/enabled": ("true", False),
        "k8s.io/cluster-autoscaler/<EksCluster>": ("owned", False),
        "k8s.io/cluster-autoscaler/node-template/label/team": ("web", False),
        "k8s.io/cluster-autoscaler/node-template/taint/dedicated": ("batch:NoSchedule", False),
    }


def test_self_managed_nodes_boot_only_after_their_ec2_linux_access_entry_exists(
    resources: dict[str, Any],
) -> None:
    entry_id, _ = _one(resources, "AWS::EKS::AccessEntry", Type="EC2_LINUX")
    (asg,) = [r for r in resources.values() if r["Type"] == "AWS::AutoScaling::AutoScalingGroup"]
    assert entry_id in asg["DependsOn"]


def test_an_unset_desired_size_is_min_size_for_managed_groups_and_absent_for_self_managed_ones(
    resources: dict[str, Any],
) -> None:
    (nodegroup,) = [r for r in resources.values() if r["Type"] == "AWS::EKS::Nodegroup"]
    # EKS takes all three sizes or none at creation: the documented caveat of managed groups.
    assert nodegroup["Properties"]["ScalingConfig"] == {"DesiredSize": 1, "MaxSize": 3, "MinSize": 1}
    (asg,) = [r for r in resources.values() if r["Type"] == "AWS::AutoScaling::AutoScalingGroup"]
    assert "DesiredCapacity" not in asg["Properties"]
    assert (asg["Properties"]["MinSize"], asg["Properties"]["MaxSize"]) == ("1", "3")


def test_the_vpc_cni_is_created_after_the_pod_identity_agent_it_gets_credentials_from(
    resources: dict[str, Any],
) -> None:
    agent_id, _ = _one(resources, "AWS::EKS::Addon", AddonName="eks-pod-identity-agent")
    _, cni = _one(resources, "AWS::EKS::Addon", AddonName="vpc-cni")
    assert cni["DependsOn"] == [agent_id]
