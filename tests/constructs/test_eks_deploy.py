"""What a first real deploy of an EksCluster needs (issue 11), on synthesized templates.

Where the API allows, the tests build the cluster through calls the previous release
had too, so each one also ran against the old template (and failed there).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match, Template

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
)
from tests.conftest import make_app
from tests.support import make_vpc, resources_of_type


@pytest.fixture(scope="module")
def deployable() -> tuple[Stack, dict[str, Any]]:
    """A cluster with a self-managed group of one node, a Fargate profile and an IRSA account."""
    stack = Stack(make_app(), "Deploy")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group("Managed")
    cluster.add_self_managed_node_group("Nodes", SelfManagedNodeGroupOptions(min_size=1))
    cluster.add_fargate_profile("Jobs", FargateProfileOptions(selectors=[FargateSelector(namespace="jobs")]))
    cluster.add_irsa_service_account("JobsIdentity", namespace="jobs", service_account="worker")
    cluster.allow_pull_through(["ecr-public", "k8s"])
    template: dict[str, Any] = dict(Template.from_stack(stack).to_json())
    return stack, template


def _one(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    (found,) = resources_of_type(template, resource_type).items()
    return found


# -- item 8: the control-plane log group is ours --------------------------------------------


def test_the_control_plane_log_group_exists_first_with_retention_and_a_customer_key() -> None:
    stack = Stack(make_app(), "Logs")
    EksCluster(stack, "Eks", vpc=make_vpc(stack), cluster_name="payments")
    template = Template.from_stack(stack)
    groups = template.find_resources(
        "AWS::Logs::LogGroup", {"Properties": {"LogGroupName": "/aws/eks/payments/cluster"}}
    )
    ((group_id, group),) = groups.items()
    assert group["Properties"]["RetentionInDays"] == 365
    assert group["DeletionPolicy"] == "Retain"
    key_id = group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    key = template.to_json()["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    (cluster,) = template.find_resources("AWS::EKS::Cluster").values()
    assert group_id in cluster["DependsOn"]
    assert cluster["Properties"]["Name"] == "payments"


def test_the_logs_key_lets_cloudwatch_logs_use_it_for_this_log_group_only() -> None:
    stack = Stack(make_app(), "LogsKey")
    EksCluster(stack, "Eks", vpc=make_vpc(stack), cluster_name="payments")
    keys = Template.from_stack(stack).find_resources(
        "AWS::KMS::Key", {"Properties": {"Description": Match.string_like_regexp("control-plane logs")}}
    )
    (key,) = keys.values()
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    (logs,) = [s for s in statements if "logs." in json.dumps(s.get("Principal", {}))]
    arn = json.dumps(logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])
    assert ":log-group:/aws/eks/payments/cluster" in arn


# -- item 7: self-managed nodes that never join fail the deploy -----------------------------


def test_a_self_managed_group_waits_for_its_nodes_to_signal_a_healthy_kubelet(
    deployable: tuple[Stack, dict[str, Any]],
) -> None:
    _, template = deployable
    asg_id, asg = _one(template, "AWS::AutoScaling::AutoScalingGroup")
    assert asg["CreationPolicy"] == {"ResourceSignal": {"Count": 1, "Timeout": "PT15M"}}
    rolling = asg["UpdatePolicy"]["AutoScalingRollingUpdate"]
    assert (rolling["WaitOnResourceSignals"], rolling["PauseTime"]) == (True, "PT15M")
    (launch_template,) = [
        r
        for r in resources_of_type(template, "AWS::EC2::LaunchTemplate").values()
        if "UserData" in r["Properties"]["LaunchTemplateData"]
    ]
    user_data = json.dumps(launch_template["Properties"]["LaunchTemplateData"]["UserData"])
    assert "http://localhost:10248/healthz" in user_data
    assert "aws cloudformation signal-resource" in user_data
    assert f"--logical-resource-id {asg_id}" in user_data


def test_the_node_role_may_signal_only_its_own_stack(deployable: tuple[Stack, dict[str, Any]]) -> None:
    _, template = deployable
    statements = [
        s
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "cloudformation:SignalResource"
    ]
    (statement,) = statements
    assert statement["Resource"] == {"Ref": "AWS::StackId"}


@pytest.mark.parametrize(
    "options",
    [SelfManagedNodeGroupOptions(join_timeout=None), SelfManagedNodeGroupOptions(min_size=0)],
    ids=["no-timeout", "no-node-to-wait-for"],
)
def test_a_group_without_a_timeout_or_a_node_to_wait_for_has_no_creation_policy(
    options: SelfManagedNodeGroupOptions,
) -> None:
    stack = Stack(make_app(), "NoWait")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_self_managed_node_group("Nodes", options)
    template = Template.from_stack(stack)
    (asg,) = template.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    assert "CreationPolicy" not in asg
    assert "signal-resource" not in json.dumps(template.to_json())


# -- item 6: Fargate pods get credentials through IRSA ---------------------------------------


def test_irsa_uses_a_native_oidc_provider_and_no_extra_lambda_for_it(
    deployable: tuple[Stack, dict[str, Any]],
) -> None:
    _, template = deployable
    provider_id, provider = _one(template, "AWS::IAM::OIDCProvider")
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    assert not resources_of_type(template, "Custom::AWSCDKOpenIdConnectProvider")
    (role,) = [
        r
        for r in resources_of_type(template, "AWS::IAM::Role").values()
        if r["Properties"].get("Description") == "IRSA role of jobs/worker"
    ]
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"] == {"Federated": {"Ref": provider_id}}


def test_the_irsa_service_account_is_annotated_with_its_role(
    deployable: tuple[Stack, dict[str, Any]],
) -> None:
    _, template = deployable
    manifests = resources_of_type(template, "Custom::AWSCDK-EKS-KubernetesResource").values()
    (account,) = [m for m in manifests if "ServiceAccount" in json.dumps(m["Properties"]["Manifest"])]
    assert "eks.amazonaws.com/role-arn" in json.dumps(account["Properties"]["Manifest"])


def test_pod_identity_for_a_namespace_only_fargate_serves_fails_synthesis() -> None:
    stack = Stack(make_app(), "PodIdentityOnFargate")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group("Nodes")
    cluster.add_fargate_profile("Jobs", FargateProfileOptions(selectors=[FargateSelector(namespace="jobs")]))
    cluster.add_pod_identity("Worker", namespace="jobs", service_account="worker")
    with pytest.raises(
        RuntimeError,
        match=r"Pod Identity 'PodIdentityOnFargate/Eks/Worker' \(namespace 'jobs'\) cannot work: a Fargate "
        r"profile selects every pod of namespace 'jobs', and Pod Identity does not run on Fargate",
    ):
        Template.from_stack(stack)


def test_pod_identity_beside_a_labelled_fargate_selector_is_accepted() -> None:
    stack = Stack(make_app(), "PodIdentityBeside")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group("Nodes")
    selector = FargateSelector(namespace="jobs", labels={"runtime": "fargate"})
    cluster.add_fargate_profile("Jobs", FargateProfileOptions(selectors=[selector]))
    cluster.add_pod_identity("Worker", namespace="jobs", service_account="worker")
    Template.from_stack(stack).resource_count_is("AWS::EKS::PodIdentityAssociation", 1)


# -- item 4: pulls through a cache can create the cached repository ---------------------------


def test_every_node_kind_may_create_repositories_under_the_cache_prefixes_only(
    deployable: tuple[Stack, dict[str, Any]],
) -> None:
    _, template = deployable
    granted = [
        (policy["Properties"]["Roles"], s)
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:CreateRepository" in s["Action"]
    ]
    assert len(granted) == 3  # managed node role, self-managed node role, Fargate pod-execution role
    for _, statement in granted:
        assert "ecr:BatchImportUpstreamImage" in statement["Action"]
        resources = json.dumps(statement["Resource"])
        assert ":repository/ecr-public/*" in resources
        assert ":repository/k8s/*" in resources
        assert '"*"' not in resources


def test_capacity_added_after_allow_pull_through_gets_the_grant_too() -> None:
    stack = Stack(make_app(), "Later")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.allow_pull_through(["k8s"])
    cluster.add_managed_node_group("Nodes")
    policies = Template.from_stack(stack).find_resources("AWS::IAM::Policy")
    assert any("ecr:CreateRepository" in json.dumps(p) for p in policies.values())


# -- item 5: somebody can reach the cluster --------------------------------------------------


def test_a_cluster_without_an_admin_principal_warns_at_synthesis() -> None:
    stack = Stack(make_app(), "NoAdmin")
    EksCluster(stack, "Eks", vpc=make_vpc(stack))
    Annotations.from_stack(stack).has_warning(
        "/NoAdmin/Eks", Match.string_like_regexp("EksCluster has no admin principal")
    )


def test_a_cluster_with_an_admin_principal_does_not_warn() -> None:
    stack = Stack(make_app(), "Admin")
    admin = iam.Role.from_role_arn(stack, "Ops", "arn:aws:iam::111122223333:role/ops")
    EksCluster(stack, "Eks", vpc=make_vpc(stack), admin_roles=[admin])
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp("no admin principal"))


# -- item 9: CoreDNS on Fargate, as AWS's docs select it --------------------------------------


@pytest.mark.parametrize(
    "labels",
    [{"k8s-app": "kube-dns"}, {"eks.amazonaws.com/component": "coredns"}, None],
    ids=["k8s-app", "component", "whole-namespace"],
)
def test_a_fargate_only_cluster_accepts_every_coredns_selector_aws_documents(
    labels: dict[str, str] | None,
) -> None:
    stack = Stack(make_app(), "CoreDnsOnFargate")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    selector = FargateSelector(namespace="kube-system", labels=labels)
    cluster.add_fargate_profile("System", FargateProfileOptions(selectors=[selector]))
    addons = Template.from_stack(stack).find_resources(
        "AWS::EKS::Addon", {"Properties": {"AddonName": "coredns"}}
    )
    (coredns,) = addons.values()
    assert json.loads(coredns["Properties"]["ConfigurationValues"]) == {"computeType": "Fargate"}


# -- item 10: the control plane needs two Availability Zones ---------------------------------


def test_node_subnets_in_one_availability_zone_are_refused_naming_the_argument() -> None:
    stack = Stack(make_app(), "OneZone")
    vpc = make_vpc(stack)
    one_zone = ec2.SubnetSelection(
        subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, availability_zones=[vpc.availability_zones[0]]
    )
    with pytest.raises(
        ValueError,
        match=r"EksCluster 'OneZone/Eks': node_subnets='SubnetSelection\(subnet_type=PRIVATE_WITH_EGRESS\)' "
        r"is invalid: subnets in at least 2 Availability Zones",
    ):
        EksCluster(stack, "Eks", vpc=vpc, node_subnets=one_zone)


def test_a_managed_group_on_arm_uses_the_nodegroup_ami_type_of_aws_cdk_lib() -> None:
    stack = Stack(make_app(), "Arm")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group(
        "Arm",
        ManagedNodeGroupOptions(
            ami_type=eks.NodegroupAmiType.AL2023_ARM_64_STANDARD, instance_types=["m7g.large"]
        ),
    )
    Template.from_stack(stack).has_resource_properties(
        "AWS::EKS::Nodegroup", {"AmiType": "AL2023_ARM_64_STANDARD", "InstanceTypes": ["m7g.large"]}
    )


def test_a_kube_system_profile_whose_labels_coredns_pods_lack_does_not_count_for_coredns() -> None:
    # The previous check accepted any single label; CoreDNS pods would have stayed Pending.
    stack = Stack(make_app(), "NotCoreDns")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    selector = FargateSelector(namespace="kube-system", labels={"app": "web"})
    cluster.add_fargate_profile("System", FargateProfileOptions(selectors=[selector]))
    with pytest.raises(RuntimeError, match=r"CoreDNS must run on Fargate: add a Fargate profile"):
        Template.from_stack(stack)


def test_self_managed_groups_use_a_launch_template_even_where_the_app_flag_is_off() -> None:
    # New accounts refuse launch configurations (field notes). Every other test app reads
    # cdk.json, whose generateLaunchTemplateInsteadOfLaunchConfig flag would make aws-cdk-lib
    # write a launch template by itself; an adopter's older app may not set it.
    app = make_app(**{"@aws-cdk/aws-autoscaling:generateLaunchTemplateInsteadOfLaunchConfig": False})
    stack = Stack(app, "NoFlag")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_self_managed_node_group("One", SelfManagedNodeGroupOptions(min_size=1))
    cluster.add_self_managed_node_group(
        "Mixed", SelfManagedNodeGroupOptions(min_size=1, instance_types=["m7i.large", "m6i.large"])
    )
    template = Template.from_stack(stack).to_json()
    assert resources_of_type(template, "AWS::AutoScaling::LaunchConfiguration") == {}
    groups = resources_of_type(template, "AWS::AutoScaling::AutoScalingGroup")
    assert len(groups) == 2
    templates = set(resources_of_type(template, "AWS::EC2::LaunchTemplate"))
    for group in groups.values():
        props = group["Properties"]
        assert "LaunchConfigurationName" not in props
        spec = (
            props.get("LaunchTemplate")
            or props["MixedInstancesPolicy"]["LaunchTemplate"]["LaunchTemplateSpecification"]
        )
        assert spec["LaunchTemplateId"]["Ref"] in templates
