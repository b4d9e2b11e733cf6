"""EKS argument validation and the nodeadm user data builder (no synthesis needed)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)
from cdk_containers.constructs.eks._instance_types import _known_families, instance_type_problem
from cdk_containers.constructs.eks._user_data import nodeadm_user_data
from tests.conftest import make_app


@pytest.fixture(scope="module")
def cluster() -> EksCluster:
    stack = Stack(make_app(), "V")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    return EksCluster(stack, "Eks", vpc=vpc)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"min_size": 3, "max_size": 2},
            r"options.max_size=2 is invalid: an integer >= 1 and >= min_size \(3\)",
        ),
        (
            {"min_size": 1, "max_size": 3, "desired_size": 5},
            r"options.desired_size=5 is invalid: an integer from min_size",
        ),
        ({"instance_types": []}, r"options.instance_types=\[\] is invalid: at least 1 items are allowed"),
        (
            {"instance_types": ["m6i.large"], "ami_type": eks.NodegroupAmiType.AL2023_ARM_64_STANDARD},
            r"options.instance_types\[0\]='m6i.large' is invalid: it is x86_64",
        ),
        ({"instance_types": ["m7g.large"]}, r"'m7g.large' is invalid: it is ARM64 \(Graviton\)"),
        (
            {"ami_type": eks.NodegroupAmiType.AL2023_X86_64_NVIDIA},
            r"'m7i.large' is invalid: ami_type AL2023_X86_64_NVIDIA needs an NVIDIA GPU",
        ),
        (
            {"taints": [Taint(key="gpu", effect="NoScheduleAtAll")]},  # type: ignore[arg-type]
            r"options.taints\[0\].effect='NoScheduleAtAll' is invalid: one of NO_SCHEDULE",
        ),
        ({"labels": {"bad key!": "x"}}, r"options.labels key='bad key!' is invalid: label keys"),
        ({"labels": {"team": "not ok"}}, r"options.labels\['team'\]='not ok' is invalid: a label value"),
        (
            {"labels": {"node-role.kubernetes.io/worker": ""}},
            r"labels key=.node-role.kubernetes.io/worker. is invalid: a key outside the kubernetes.io",
        ),
        ({"labels": {"example.k8s.io/x": "y"}}, r"labels key='example.k8s.io/x' is invalid: a key outside"),
        ({"min_size": "1"}, r"options.min_size='1' is invalid: an integer >= 0, got a str"),
        ({"max_size": 2.5}, r"options.max_size=2.5 is invalid: an integer >= 1, got a float"),
        ({"root_volume_size": True}, r"options.root_volume_size=True is invalid: GiB from 20 to 16384"),
        (
            {"ami_type": eks.NodegroupAmiType.AL2_X86_64},
            r"options.ami_type='AL2_X86_64' is invalid: AL2023 or Bottlerocket: EKS publishes no AL2 AMIs",
        ),
    ],
)
def test_bad_node_group_options_are_refused_with_a_clear_error(
    cluster: EksCluster, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=r"ManagedNodeGroup 'V/Eks/Bad'.*" + message):
        cluster.add_managed_node_group("Bad", ManagedNodeGroupOptions(**options))
    with pytest.raises(ValueError, match=r"SelfManagedNodeGroup 'V/Eks/Bad'.*" + message):
        cluster.add_self_managed_node_group("Bad", SelfManagedNodeGroupOptions(**options))


def test_a_gpu_ami_on_a_gpu_instance_is_accepted(cluster: EksCluster) -> None:
    cluster.add_managed_node_group(
        "Gpu",
        ManagedNodeGroupOptions(
            ami_type=eks.NodegroupAmiType.AL2023_X86_64_NVIDIA, instance_types=["g5.xlarge"]
        ),
    )


@pytest.mark.parametrize(
    ("selectors", "message"),
    [
        ([], r"options.selectors=\[\] is invalid: 1 to 5 items are allowed, got 0"),
        ([FargateSelector(namespace=f"ns{i}") for i in range(6)], r"selectors=.* is invalid: 1 to 5 items"),
    ],
)
def test_a_fargate_profile_needs_one_to_five_selectors(
    cluster: EksCluster, selectors: list[FargateSelector], message: str
) -> None:
    with pytest.raises(ValueError, match=r"FargateProfile 'V/Eks/Bad'.*" + message):
        cluster.add_fargate_profile("Bad", FargateProfileOptions(selectors=selectors))


def test_fargate_pods_cannot_go_to_public_subnets(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError,
        match=r"options.subnets='SubnetSelection\(subnet_type=PUBLIC\)' is invalid: private subnets",
    ):
        cluster.add_fargate_profile(
            "Bad",
            FargateProfileOptions(
                selectors=[FargateSelector(namespace="apps")],
                subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            ),
        )


def test_a_self_managed_group_with_a_string_size_is_refused_with_a_clear_error(cluster: EksCluster) -> None:
    options = SelfManagedNodeGroupOptions(max_size="3", on_demand_base_capacity="1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"options.max_size='3' is invalid: an integer") as error:
        cluster.add_self_managed_node_group("BadTypes", options)
    assert "options.on_demand_base_capacity='1' is invalid: an integer" in str(error.value)


def test_a_missing_vpc_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"EksCluster 'C/Eks': vpc=None is invalid: an ec2.IVpc is required"):
        EksCluster(Stack(make_app(), "C"), "Eks", vpc=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"version": "1.30"},
            r"version=.1.30. is invalid: a Kubernetes version with an installed kubectl layer: 1.34, 1.35, 1.36",  # noqa: E501
        ),
        ({"version": eks.KubernetesVersion.V1_33}, r"version='1.33' is invalid"),
        (
            {"public_access_cidrs": ["not-a-cidr"]},
            r"public_access_cidrs\[0\]='not-a-cidr' is invalid: IPv4 CIDR blocks",
        ),
        ({"public_access_cidrs": ["10.0.0.1/16"]}, r"public_access_cidrs\[0\]='10.0.0.1/16' is invalid"),
        (
            {"public_access_cidrs": ["0.0.0.0/0"]},
            r"public_access_cidrs\[0\]='0.0.0.0/0' is invalid: .*allow_public_endpoint_from_anywhere=True",
        ),
        ({"service_ipv4_cidr": "8.8.0.0/16"}, r"service_ipv4_cidr='8.8.0.0/16' is invalid"),
        (
            {"service_ipv4_cidr": "10.0.128.0/20"},
            r"service_ipv4_cidr='10.0.128.0/20' is invalid: a block that does not overlap the VPC's 10.0.0.0/16",  # noqa: E501
        ),
    ],
)
def test_bad_cluster_arguments_are_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    stack = Stack(make_app(), "C")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    with pytest.raises(ValueError, match=r"EksCluster 'C/Eks'.*" + message):
        EksCluster(stack, "Eks", vpc=vpc, **kwargs)


def test_the_nodeadm_user_data_is_a_mime_multipart_node_config() -> None:
    stack = Stack(make_app(), "U")
    cfn = ec2.CfnVPC(stack, "X", cidr_block="10.0.0.0/16")  # any resource gives a token to resolve
    text = nodeadm_user_data(
        cluster_name="demo",
        api_server_endpoint="https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        certificate_authority=cfn.attr_cidr_block,
        service_cidr="172.20.0.0/16",
        labels={"team": "web", "tier": "front"},
        taints=[
            Taint(key="dedicated", value="batch"),
            Taint(key="spot", effect=eks.TaintEffect.PREFER_NO_SCHEDULE),
        ],
    )
    resolved = stack.resolve(text)
    assert resolved == {
        "Fn::Join": [
            "",
            [
                'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="//"\n\n--//\n'
                "Content-Type: application/node.eks.aws\n\n---\napiVersion: node.eks.aws/v1alpha1\n"
                "kind: NodeConfig\nspec:\n  cluster:\n    name: demo\n"
                "    apiServerEndpoint: https://ABC.gr7.eu-west-1.eks.amazonaws.com\n"
                "    certificateAuthority: ",
                {"Fn::GetAtt": ["X", "CidrBlock"]},
                "\n    cidr: 172.20.0.0/16\n  kubelet:\n    flags:\n"
                "      - --node-labels=team=web,tier=front\n"
                "      - --register-with-taints=dedicated=batch:NoSchedule,spot:PreferNoSchedule\n"
                "\n--//--\n",
            ],
        ]
    }


def test_labels_the_kubelet_sets_itself_are_accepted(cluster: EksCluster) -> None:
    options = ManagedNodeGroupOptions(
        labels={"node.kubernetes.io/lifecycle": "spot", "topology.kubernetes.io/zone": "eu-west-1a"}
    )
    cluster.add_managed_node_group("KubeletLabels", options)


def test_a_label_too_long_for_the_cluster_autoscaler_node_template_tag_is_refused(
    cluster: EksCluster,
) -> None:
    key = "platform.team.example.com/" + "a" * 63  # 89 characters: the tag key would be 135 > 128
    with pytest.raises(
        ValueError,
        match=r"SelfManagedNodeGroup 'V/Eks/Bad': options.labels key='platform.team.example.com/a+' "
        r"is invalid: "
        r"a key of at most 82 characters, so the cluster autoscaler's node-template tag fits the "
        r"128-character tag key limit; or cluster_autoscaler_tags=False",
    ):
        cluster.add_self_managed_node_group("Bad", SelfManagedNodeGroupOptions(labels={key: "x"}))
    cluster.add_self_managed_node_group(
        "LongLabel", SelfManagedNodeGroupOptions(labels={key: "x"}, cluster_autoscaler_tags=False)
    )


def test_max_unavailable_of_a_managed_group_is_from_1_to_100(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError,
        match=r"ManagedNodeGroup 'V/Eks/Bad': options.max_unavailable=0 is invalid: an integer from 1 to 100",
    ):
        cluster.add_managed_node_group("Bad", ManagedNodeGroupOptions(max_unavailable=0))


def test_the_on_demand_base_of_a_self_managed_group_fits_in_max_size(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError,
        match=r"SelfManagedNodeGroup 'V/Eks/Bad': options.on_demand_base_capacity=4 is invalid: "
        r"an integer from 0 to "
        r"max_size \(3\)",
    ):
        cluster.add_self_managed_node_group("Bad", SelfManagedNodeGroupOptions(on_demand_base_capacity=4))


def test_every_problem_of_one_group_is_listed_in_one_error(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError, match=r"ManagedNodeGroup 'V/Eks/Bad' has 3 invalid arguments:\n  - "
    ) as error:
        cluster.add_managed_node_group(
            "Bad", ManagedNodeGroupOptions(min_size=-1, root_volume_size=5, metadata_hop_limit=3)
        )
    assert "options.min_size=-1" in str(error.value)
    assert "options.root_volume_size=5" in str(error.value)
    assert "options.metadata_hop_limit=3" in str(error.value)


@pytest.mark.parametrize(
    ("name", "known"),
    [
        ("m7i.large", True),
        ("m7i-flex.large", True),  # a member spelled like the family (M7I_FLEX)
        ("u-6tb1.metal", True),  # U_6TB1
        ("mac2-m2pro.metal", True),  # MAC2_M2PRO
        ("mm7i.large", False),  # a typo
        ("standard7-intel.large", False),  # the long member name of m7i is not a family
    ],
)
def test_the_instance_family_check_is_the_set_aws_cdk_lib_names(name: str, known: bool) -> None:
    # instance_type_problem checks one member per family (two jsii round trips) instead of
    # building the whole set (about 640); both ways must agree.
    family = name.split(".")[0]
    assert (family in _known_families()) is known
    assert (instance_type_problem(name) is None) is known
