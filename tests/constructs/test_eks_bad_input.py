"""Bad input to the EKS family and its stacks, class by class (issue 14): the message we promise.

Every case names the construct type and path, the argument, the value and what is allowed;
nothing reaches the user as an AttributeError, a TypeError or a jsii error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk.assertions import Template

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    NodeRole,
    SelfManagedNodeGroupOptions,
    Taint,
)
from cdk_containers.stacks import EksClusterStack, NetworkStack
from tests.conftest import make_app
from tests.support import make_vpc


@pytest.fixture(scope="module")
def cluster() -> EksCluster:
    stack = Stack(make_app(), "Bad")
    return EksCluster(stack, "Eks", vpc=make_vpc(stack))


def _cluster_kwargs(**kwargs: Any) -> Callable[[], object]:
    def build() -> object:
        stack = Stack(make_app(), "C")
        values = {"vpc": make_vpc(stack), **kwargs}
        return EksCluster(stack, "Eks", **values)

    return build


# -- class 1: a wrong type where a collection or an object is expected -----------------------

WRONG_KINDS = [
    (
        "labels as a list of pairs",
        lambda c: c.add_managed_node_group("G", ManagedNodeGroupOptions(labels=[("team", "a")])),
        r"ManagedNodeGroup 'Bad/Eks/G': options.labels=\[\('team', 'a'\)\] is invalid: expected a mapping "
        r"of str to str, got a list",
    ),
    (
        "a taint not in a list",
        lambda c: c.add_self_managed_node_group("G", SelfManagedNodeGroupOptions(taints=Taint(key="gpu"))),
        r"SelfManagedNodeGroup 'Bad/Eks/G': options.taints=Taint\(.*\) is invalid: expected a list of Taint, "
        r"got a Taint",
    ),
    (
        "a selector not in a list",
        lambda c: c.add_fargate_profile("F", FargateProfileOptions(selectors=FargateSelector(namespace="a"))),
        r"FargateProfile 'Bad/Eks/F': options.selectors=FargateSelector\(.*\) is invalid: expected a list",
    ),
    (
        "options as a dict",
        lambda c: c.add_managed_node_group("G", {"min_size": 1}),
        r"ManagedNodeGroup 'Bad/Eks/G': options=\{'min_size': 1\} is invalid: "
        r"expected ManagedNodeGroupOptions, "
        r"got a dict",
    ),
    (
        "a label value that is a number",
        lambda c: c.add_managed_node_group("G", ManagedNodeGroupOptions(labels={"tier": 1})),
        r"options.labels\['tier'\]=1 is invalid: expected str, got an int",
    ),
    (
        "a role given as an ARN string",
        lambda c: c.add_pod_identity("P", namespace="a", service_account="b", role="arn:aws:iam::1:role/x"),
        r"EksCluster 'Bad/Eks/P': role='arn:aws:iam::1:role/x' is invalid: expected an iam.IRole, got a str "
        r"\(import it with the from_\* methods",
    ),
    (
        "Fargate subnets not a SubnetSelection",
        lambda c: c.add_fargate_profile(
            "F", FargateProfileOptions(selectors=[FargateSelector(namespace="a")], subnets=["subnet-1"])
        ),
        r"FargateProfile 'Bad/Eks/F': options.subnets=\['subnet-1'\] is invalid: expected SubnetSelection, "
        r"got a list",
    ),
    (
        "a Helm release name that is a number",
        lambda c: c.add_helm_chart(
            "H", chart="c", repository="https://charts.example.com", namespace="a", release=1.5
        ),
        r"EksCluster 'Bad/Eks/H': release=1.5 is invalid: expected str, got a float",
    ),
    (
        "a Helm chart version given as a list",
        lambda c: c.add_helm_chart(
            "H", chart="c", repository="https://charts.example.com", namespace="a", version=["1.0"]
        ),
        r"EksCluster 'Bad/Eks/H': version=\['1.0'\] is invalid: expected str, got a list",
    ),
    (
        "a repository given as a name",
        lambda c: c.allow_pull(["api"]),
        r"EksCluster 'Bad/Eks': allow_pull\(repositories\)\[0\]='api' is invalid: "
        r"expected an ecr.IRepository",
    ),
]


@pytest.mark.parametrize(("case", "call", "message"), WRONG_KINDS, ids=[c[0] for c in WRONG_KINDS])
def test_a_wrong_kind_of_value_is_refused_by_name(
    cluster: EksCluster, case: str, call: Callable[[EksCluster], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(cluster)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"admin_roles": ["arn:aws:iam::111122223333:role/x"]},
            r"admin_roles\[0\]='arn:aws:iam::111122223333:role/x' is invalid: "
            r"expected an iam.IRole, got a str",
        ),
        ({"vpc": "vpc-0123"}, r"vpc='vpc-0123' is invalid: expected an ec2.IVpc, got a str"),
        (
            {"secrets_encryption_key": "alias/x"},
            r"secrets_encryption_key='alias/x' is invalid: expected an kms.IKey",
        ),
        (
            {"node_subnets": "private"},
            r"node_subnets='private' is invalid: expected SubnetSelection, got a str",
        ),
        ({"log_retention": 30}, r"log_retention=30 is invalid: one of ONE_DAY"),
    ],
)
def test_a_wrong_kind_of_cluster_argument_is_refused_by_name(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"EksCluster 'C/Eks'.*" + message):
        _cluster_kwargs(**kwargs)()


def test_a_repository_name_for_pull_repositories_of_the_stack_is_refused() -> None:
    app = make_app()
    vpc = NetworkStack(app, "Net").vpc
    with pytest.raises(
        ValueError,
        match=r"EksClusterStack 'Eks': pull_repositories='api' is invalid: expected a list of object, got a "
        r"single string",
    ):
        EksClusterStack(app, "Eks", vpc=vpc, pull_repositories="api")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"admin_role_arns": None}, r"admin_role_arns=None is invalid: a list of str is required"),
        (
            {"pull_through_prefixes": None},
            r"pull_through_prefixes=None is invalid: a list of str is required",
        ),
        (
            {"admin_roles": ["arn:aws:iam::111122223333:role/x"]},
            r"admin_roles\[0\]='arn:aws:iam::111122223333:role/x' is invalid: "
            r"expected an iam.IRole, got a str",
        ),
        (
            {"pull_repositories": ["api"]},
            r"pull_repositories\[0\]='api' is invalid: expected an ecr.IRepository, got a str",
        ),
    ],
    ids=["admin_role_arns None", "pull_through_prefixes None", "admin_roles ARN", "pull_repositories name"],
)
def test_a_wrong_kind_of_stack_argument_is_refused_by_the_stack(kwargs: dict[str, Any], message: str) -> None:
    """By the stack and its argument's name, not by the cluster inside it under another name."""
    app = make_app()
    vpc = NetworkStack(app, "Net").vpc
    with pytest.raises(ValueError, match=r"^EksClusterStack 'Eks': " + message):
        EksClusterStack(app, "Eks", vpc=vpc, **kwargs)


@pytest.mark.parametrize("version", ["", "latest", "1"], ids=["empty", "latest", "no dots"])
def test_an_add_on_version_eks_would_refuse_is_refused_by_name(cluster: EksCluster, version: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"EksCluster 'Bad/Eks': add_addon\(version\)='{version}' is invalid: "
        r"an EKS add-on version such as 'v1.48.0-eksbuild.1'",
    ):
        cluster.add_addon("metrics-server", version=version)


@pytest.mark.parametrize(
    ("argument", "allowed"), [("chart", "a chart name"), ("repository", "a chart repository URL")]
)
def test_an_empty_helm_chart_or_repository_is_refused_by_name(
    cluster: EksCluster, argument: str, allowed: str
) -> None:
    kwargs = {"chart": "c", "repository": "https://charts.example.com", argument: ""}
    with pytest.raises(ValueError, match=rf"EksCluster 'Bad/Eks/H': {argument}='' is invalid: {allowed}"):
        cluster.add_helm_chart("H", namespace="a", **kwargs)


# -- class 2: a string where a list is meant -------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            _cluster_kwargs(public_access_cidrs="203.0.113.0/24"),
            r"EksCluster 'C/Eks': public_access_cidrs='203.0.113.0/24' is invalid: "
            r"expected a list of str, got "
            r"a single string; wrap it in a list: \['203.0.113.0/24'\]",
        ),
        (
            lambda: _cluster_kwargs()().add_managed_node_group(  # type: ignore[attr-defined]
                "G", ManagedNodeGroupOptions(instance_types="m7i.large")
            ),
            r"options.instance_types='m7i.large' is invalid: "
            r"expected a list of str or InstanceType, got a single "
            r"string",
        ),
        (
            lambda: _cluster_kwargs()().allow_pull_through("k8s"),  # type: ignore[attr-defined]
            r"allow_pull_through\(prefixes\)='k8s' is invalid: expected a list of str, got a single string",
        ),
    ],
    ids=["public_access_cidrs", "instance_types", "allow_pull_through"],
)
def test_a_string_for_a_list_is_refused_not_split_into_characters(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as error:
        call()
    assert "[0]=" not in str(error.value)  # not one error per character


# -- class 3: deploy-time values --------------------------------------------------------------


def test_tokens_cloudformation_can_take_at_deploy_time_are_accepted() -> None:
    stack = Stack(make_app(), "Tokens")
    cidr = CfnParameter(stack, "AdminCidr").value_as_string
    size = CfnParameter(stack, "MaxNodes", type="Number").value_as_number
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack), public_access_cidrs=[cidr])
    cluster.add_self_managed_node_group("Nodes", SelfManagedNodeGroupOptions(max_size=size))  # type: ignore[arg-type]
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::EKS::Cluster", {"ResourcesVpcConfig": {"PublicAccessCidrs": [{"Ref": "AdminCidr"}]}}
    )
    template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MaxSize": {"Ref": "MaxNodes"}})


def test_a_deploy_time_size_of_a_managed_group_is_refused_with_the_reason(cluster: EksCluster) -> None:
    size = CfnParameter(Stack.of(cluster), "ManagedMax", type="Number").value_as_number
    with pytest.raises(
        ValueError,
        match=r"options.max_size is a deploy-time value \(a token\), but it must be known at synth: "
        r"aws_eks_v2.Nodegroup compares the sizes",
    ):
        cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions(max_size=size))  # type: ignore[arg-type]


@pytest.mark.parametrize("group", [ManagedNodeGroupOptions, SelfManagedNodeGroupOptions])
def test_a_deploy_time_ami_type_is_refused_with_the_reason(cluster: EksCluster, group: type) -> None:
    ami_type = CfnParameter(Stack.of(cluster), f"Ami{group.__name__}").value_as_string
    add = (
        cluster.add_managed_node_group
        if group is ManagedNodeGroupOptions
        else cluster.add_self_managed_node_group
    )
    with pytest.raises(
        ValueError,
        match=r"options.ami_type is a deploy-time value \(a token\), but it must be known at synth: "
        r"it decides the nodes' architecture",
    ):
        add("Nodes", group(ami_type=ami_type))


@pytest.mark.parametrize("group", [ManagedNodeGroupOptions, SelfManagedNodeGroupOptions])
def test_a_deploy_time_metadata_hop_limit_is_refused_with_the_reason(
    cluster: EksCluster, group: type
) -> None:
    hops = CfnParameter(Stack.of(cluster), f"Hops{group.__name__}", type="Number").value_as_number
    add = (
        cluster.add_managed_node_group
        if group is ManagedNodeGroupOptions
        else cluster.add_self_managed_node_group
    )
    with pytest.raises(
        ValueError,
        match=r"NodeGroup 'Bad/Eks/Nodes': options.metadata_hop_limit is a deploy-time value \(a token\), "
        r"but it must be known at synth: aws_ec2.LaunchTemplate checks its range at synthesis",
    ):
        add("Nodes", group(metadata_hop_limit=hops))


def test_a_deploy_time_max_unavailable_is_refused_with_the_reason(cluster: EksCluster) -> None:
    count = CfnParameter(Stack.of(cluster), "Unavailable", type="Number").value_as_number
    with pytest.raises(
        ValueError,
        match=r"ManagedNodeGroup 'Bad/Eks/Nodes': options.max_unavailable is a deploy-time value "
        r"\(a token\), but it must be known at synth: aws_eks_v2.Nodegroup compares it with max_size",
    ):
        cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions(max_unavailable=count))  # type: ignore[arg-type]


def test_max_unavailable_above_max_size_is_refused_by_name(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError,
        match=r"ManagedNodeGroup 'Bad/Eks/Nodes': options.max_unavailable=4 is invalid: an integer from 1 "
        r"to max_size \(3\)",
    ):
        cluster.add_managed_node_group("Nodes", ManagedNodeGroupOptions(max_size=3, max_unavailable=4))


@pytest.mark.parametrize(
    ("description", "message"),
    [
        (True, r"description=True is invalid: expected str, got a bool"),
        (["nodes"], r"description=\['nodes'\] is invalid: expected str, got a list"),
        ("x" * 1001, r"description='x{1001}' is invalid: at most 1000 characters"),
        ("nodes \u2603", r"description='nodes \u2603' is invalid: at most 1000 characters: tab, newline"),
    ],
    ids=["bool", "list", "too long", "outside IAM's characters"],
)
def test_a_node_role_description_iam_would_refuse_is_refused_by_name(description: Any, message: str) -> None:
    with pytest.raises(ValueError, match=r"^NodeRole 'R/Nodes': " + message):
        NodeRole(Stack(make_app(), "R"), "Nodes", description=description)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"node_min_size": "number"},
            r"node_min_size is a deploy-time value \(a token\), but it must be known at synth: "
            r"the managed Spot group's sizes",
        ),
        ({"node_max_size": "number"}, r"node_max_size is a deploy-time value \(a token\)"),
        (
            {"pull_through_prefixes": "list"},
            r"pull_through_prefixes is a deploy-time list \(a token\), but its items must be known at synth: "
            r"each prefix gets its own grant",
        ),
        ({"admin_role_arns": "list"}, r"admin_role_arns is a deploy-time list \(a token\)"),
    ],
    ids=["node_min_size", "node_max_size", "pull_through_prefixes", "admin_role_arns"],
)
def test_stack_tokens_that_must_be_known_at_synth_are_refused_by_the_stack(
    kwargs: dict[str, str], message: str
) -> None:
    app = make_app()
    vpc = NetworkStack(app, "Net").vpc
    parameters = Stack(app, "Parameters")
    values: dict[str, Any] = {
        name: CfnParameter(parameters, name, type="Number").value_as_number
        if kind == "number"
        else CfnParameter(parameters, name, type="CommaDelimitedList").value_as_list
        for name, kind in kwargs.items()
    }
    with pytest.raises(ValueError, match=r"^EksClusterStack 'Eks': " + message):
        EksClusterStack(app, "Eks", vpc=vpc, **values)


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        (
            "version",
            r"version is a deploy-time value \(a token\), but it must be known at synth: it selects the ",
        ),
        (
            "service_ipv4_cidr",
            r"service_ipv4_cidr is a deploy-time value \(a token\), but it must be known at ",
        ),
    ],
)
def test_tokens_that_must_be_known_at_synth_are_refused_with_the_reason(argument: str, message: str) -> None:
    stack = Stack(make_app(), "C")
    parameter = CfnParameter(stack, "P").value_as_string
    with pytest.raises(ValueError, match=r"EksCluster 'C/Eks'.*" + message):
        EksCluster(stack, "Eks", vpc=make_vpc(stack), **{argument: parameter})


# -- class 4: names and identifiers AWS or Kubernetes will refuse ----------------------------

NAMES = [
    (
        _cluster_kwargs(cluster_name="my cluster!"),
        r"cluster_name='my cluster!' is invalid: 1-100 letters, digits, '-' and '_'",
    ),
    (
        lambda: _cluster_kwargs()().add_managed_node_group(  # type: ignore[attr-defined]
            "G", ManagedNodeGroupOptions(nodegroup_name="web nodes")
        ),
        r"options.nodegroup_name='web nodes' is invalid: a name of 1-63 letters",
    ),
    (
        lambda: _cluster_kwargs()().add_fargate_profile(  # type: ignore[attr-defined]
            "F", FargateProfileOptions(selectors=[FargateSelector(namespace="a")], fargate_profile_name="x/y")
        ),
        r"options.fargate_profile_name='x/y' is invalid",
    ),
    (
        lambda: _cluster_kwargs()().add_managed_node_group(  # type: ignore[attr-defined]
            "G", ManagedNodeGroupOptions(instance_types=["m7i.lrge"])
        ),
        r"options.instance_types\[0\]='m7i.lrge' is invalid: a size EC2 uses after 'm7i.'",
    ),
    (
        lambda: _cluster_kwargs()().add_managed_node_group(  # type: ignore[attr-defined]
            "G", ManagedNodeGroupOptions(instance_types=["m7i"])
        ),
        r"options.instance_types\[0\]='m7i' is invalid: an EC2 instance type of the shape family.size",
    ),
    (
        lambda: _cluster_kwargs()().add_managed_node_group(  # type: ignore[attr-defined]
            "G", ManagedNodeGroupOptions(instance_types=["mm7i.large"])
        ),
        r"options.instance_types\[0\]='mm7i.large' is invalid: an instance family aws-cdk-lib knows",
    ),
    (
        lambda: _cluster_kwargs()().add_helm_chart(  # type: ignore[attr-defined]
            "Chart", chart="c", repository="https://charts.example.com", namespace="My_Apps"
        ),
        r"namespace='My_Apps' is invalid: a Kubernetes namespace name",
    ),
    (
        lambda: _cluster_kwargs()().add_fargate_profile(  # type: ignore[attr-defined]
            "F", FargateProfileOptions(selectors=[FargateSelector(namespace="Jobs")])
        ),
        r"options.selectors\[0\].namespace='Jobs' is invalid: a Kubernetes namespace name",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"), NAMES, ids=[m.split("=")[0].split("'")[0][:40] for _, m in NAMES]
)
def test_names_aws_or_kubernetes_would_refuse_are_refused_at_synth(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_a_newer_instance_family_passes_as_an_ec2_instance_type(cluster: EksCluster) -> None:
    cluster.add_managed_node_group(
        "Newer", ManagedNodeGroupOptions(instance_types=[ec2.InstanceType("m9i.large")])
    )


def test_node_subnets_in_one_availability_zone_are_refused() -> None:
    stack = Stack(make_app(), "C")
    vpc = make_vpc(stack)
    selection = ec2.SubnetSelection(subnets=[vpc.private_subnets[0]])
    with pytest.raises(
        ValueError, match=r"node_subnets=.* is invalid: subnets in at least 2 Availability Zones"
    ):
        EksCluster(stack, "Eks", vpc=vpc, node_subnets=selection)


# -- class 5: footguns the docs describe -------------------------------------------------------


def test_every_ec2_group_tainted_no_schedule_fails_synthesis_clearly() -> None:
    stack = Stack(make_app(), "Tainted")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group("Gpu", ManagedNodeGroupOptions(taints=[Taint(key="gpu")]))
    cluster.add_self_managed_node_group(
        "Batch", SelfManagedNodeGroupOptions(taints=[Taint(key="batch", effect=eks.TaintEffect.NO_EXECUTE)])
    )
    with pytest.raises(RuntimeError, match=r"every EC2 node group carries a NoSchedule or NoExecute taint"):
        Template.from_stack(stack)


def test_one_untainted_or_prefer_no_schedule_group_is_enough() -> None:
    stack = Stack(make_app(), "Prefer")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_managed_node_group(
        "Spot", ManagedNodeGroupOptions(taints=[Taint(key="spot", effect=eks.TaintEffect.PREFER_NO_SCHEDULE)])
    )
    cluster.add_self_managed_node_group("Batch", SelfManagedNodeGroupOptions(taints=[Taint(key="batch")]))
    Template.from_stack(stack).resource_count_is("AWS::EKS::Nodegroup", 1)


# -- class 6: errors that blamed the wrong argument or none ------------------------------------


def test_a_public_only_vpc_is_blamed_on_vpc_with_the_construct_path() -> None:
    stack = Stack(make_app(), "C")
    vpc = ec2.Vpc(
        stack,
        "Public",
        max_azs=2,
        subnet_configuration=[ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC)],
    )
    with pytest.raises(
        ValueError,
        match=r"EksCluster 'C/Eks': vpc='SubnetSelection\(subnet_type=PRIVATE_WITH_EGRESS\)' is invalid: a "
        r"selection of the control plane's network interfaces and the nodes this VPC has \(There are no "
        r"'Private' subnet groups",
    ):
        EksCluster(stack, "Eks", vpc=vpc)


def test_public_node_subnets_are_blamed_on_node_subnets() -> None:
    with pytest.raises(
        ValueError,
        match=r"EksCluster 'C/Eks': node_subnets='SubnetSelection\(subnet_type=PUBLIC\)' is invalid: private "
        r"subnets for the control plane's network interfaces and the nodes",
    ):
        _cluster_kwargs(node_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))()


def test_a_retention_in_days_is_blamed_on_flow_log_retention() -> None:
    with pytest.raises(
        ValueError, match=r"NetworkStack 'Net': flow_log_retention=7 is invalid: one of ONE_DAY"
    ):
        NetworkStack(make_app(), "Net", flow_log_retention=7)  # type: ignore[arg-type]


def test_add_on_configuration_as_a_json_string_is_blamed_on_configuration(cluster: EksCluster) -> None:
    with pytest.raises(
        ValueError,
        match=r"EksCluster 'Bad/Eks': add_addon\(configuration\)='\{\"replicas\": 2\}' is invalid: "
        r"a mapping such "
        r"as \{'replicas': 2\}, not a JSON string",
    ):
        cluster.add_addon("metrics-server", configuration='{"replicas": 2}')  # type: ignore[arg-type]


@pytest.mark.parametrize("group", [ManagedNodeGroupOptions, SelfManagedNodeGroupOptions])
def test_no_taints_is_an_empty_list_not_none(cluster: EksCluster, group: type) -> None:
    add = (
        cluster.add_managed_node_group
        if group is ManagedNodeGroupOptions
        else cluster.add_self_managed_node_group
    )
    with pytest.raises(ValueError, match=r"options\.taints=None is invalid: a list of Taint is required"):
        add("NoneTaints", group(taints=None))


def test_a_deploy_time_taint_effect_is_refused_with_the_reason(cluster: EksCluster) -> None:
    effect = CfnParameter(Stack.of(cluster), "Effect").value_as_string
    with pytest.raises(ValueError, match=r"options\.taints\[0\]\.effect is a deploy-time value \(a token\)"):
        cluster.add_managed_node_group(
            "TokenEffect",
            ManagedNodeGroupOptions(taints=[Taint(key="k", effect=effect)]),  # type: ignore[arg-type]
        )
