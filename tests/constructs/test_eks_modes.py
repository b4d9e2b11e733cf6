"""EksCluster in its less common shapes: Fargate only, a public endpoint, Bottlerocket nodes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack, Validations
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from cdk_containers.constructs.eks import (
    EksCluster,
    FargateProfile,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroup,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroup,
    SelfManagedNodeGroupOptions,
    Taint,
    _ami,
)
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import make_app
from tests.support import make_vpc

COREDNS_SELECTOR = FargateSelector(namespace="kube-system", labels={"eks.amazonaws.com/component": "coredns"})


def _resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


@pytest.fixture(scope="module")
def fargate_only() -> SynthResult:
    """A cluster whose only capacity is Fargate, with a public endpoint open to everyone."""
    app = make_app()
    stack = Stack(app, "FargateOnly")
    cluster = EksCluster(
        stack,
        "Eks",
        vpc=make_vpc(stack),
        public_access_cidrs=["0.0.0.0/0"],
        allow_public_endpoint_from_anywhere=True,
    )
    cluster.add_fargate_profile("System", FargateProfileOptions(selectors=[COREDNS_SELECTOR]))
    cluster.add_fargate_profile("Apps", FargateProfileOptions(selectors=[FargateSelector(namespace="apps")]))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return synthesize(app)


def _addon(result: SynthResult, stack: str, name: str) -> dict[str, Any]:
    addons = _resources_of_type(result.template_json(stack), "AWS::EKS::Addon")
    (addon,) = [a for a in addons.values() if a["Properties"]["AddonName"] == name]
    return dict(addon)


def test_coredns_runs_on_fargate_when_the_cluster_has_only_fargate(fargate_only: SynthResult) -> None:
    coredns = _addon(fargate_only, "FargateOnly", "coredns")
    assert json.loads(coredns["Properties"]["ConfigurationValues"]) == {"computeType": "Fargate"}
    profiles = _resources_of_type(fargate_only.template_json("FargateOnly"), "AWS::EKS::FargateProfile")
    assert set(coredns["DependsOn"]) >= set(profiles)


def test_a_public_endpoint_from_anywhere_is_acknowledged_only_when_opted_in(
    fargate_only: SynthResult,
) -> None:
    template = fargate_only.template("FargateOnly")
    template.has_resource_properties(
        "AWS::EKS::Cluster",
        {
            "ResourcesVpcConfig": {
                "EndpointPublicAccess": True,
                "EndpointPrivateAccess": True,
                "PublicAccessCidrs": ["0.0.0.0/0"],
            }
        },
    )
    cluster_findings = [
        v
        for v in fargate_only.violations_of("AwsSolutions", severities=("error", "warning"))
        if any(path.startswith("FargateOnly/Eks/") for path in v.construct_paths)
    ]
    assert cluster_findings == []
    eks1 = [a for a in fargate_only.acknowledgements if a.rule.endswith("AwsSolutions-EKS1")]
    assert len(eks1) == 1
    assert "allow_public_endpoint_from_anywhere=True" in eks1[0].reason


def test_a_restricted_public_endpoint_passes_the_nag_pack_without_acknowledging_eks1() -> None:
    app = make_app()
    stack = Stack(app, "Restricted")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack), public_access_cidrs=["203.0.113.0/24"])
    cluster.add_self_managed_node_group("Nodes")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    result = synthesize(app)
    result.template("Restricted").has_resource_properties(
        "AWS::EKS::Cluster",
        {"ResourcesVpcConfig": {"EndpointPublicAccess": True, "PublicAccessCidrs": ["203.0.113.0/24"]}},
    )
    findings = [
        v
        for v in result.violations_of("AwsSolutions", severities=("error", "warning"))
        if any(path.startswith("Restricted/Eks/") for path in v.construct_paths)
    ]
    assert findings == []
    assert not [a for a in result.acknowledgements if "EKS1" in a.rule]


def test_a_fargate_only_cluster_without_a_coredns_profile_fails_synthesis_clearly() -> None:
    app = make_app()
    stack = Stack(app, "NoCoreDnsProfile")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack))
    cluster.add_fargate_profile("Apps", FargateProfileOptions(selectors=[FargateSelector(namespace="apps")]))
    with pytest.raises(RuntimeError, match=r"CoreDNS must run on Fargate: add a Fargate profile"):
        Template.from_stack(stack)


@pytest.fixture(scope="module")
def bottlerocket() -> Template:
    app = make_app()
    stack = Stack(app, "Bottlerocket")
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack), version="1.35")
    cluster.add_self_managed_node_group(
        "Arm",
        SelfManagedNodeGroupOptions(
            ami_type=eks.NodegroupAmiType.BOTTLEROCKET_ARM_64,
            instance_types=["m7g.large"],
            labels={"team": "web"},
            taints=[Taint(key="dedicated", value="batch", effect=eks.TaintEffect.NO_EXECUTE)],
            cluster_autoscaler_tags=False,
        ),
    )
    # Every node group is tainted NoExecute: CoreDNS runs on Fargate.
    cluster.add_fargate_profile("System", FargateProfileOptions(selectors=[COREDNS_SELECTOR]))
    return Template.from_stack(stack)


def _user_data(template: Template, token: str | None = None) -> str:
    """The user data text; CloudFormation values as JSON, or as `token` when given."""
    (launch_template,) = template.find_resources("AWS::EC2::LaunchTemplate").values()
    user_data = launch_template["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]
    parts = user_data["Fn::Join"][1] if isinstance(user_data, dict) else [user_data]
    return "".join(p if isinstance(p, str) else token or json.dumps(p, sort_keys=True) for p in parts)


def test_bottlerocket_nodes_get_toml_settings_that_join_the_cluster(bottlerocket: Template) -> None:
    text = _user_data(bottlerocket)
    assert text.startswith('[settings.kubernetes]\ncluster-name = "')
    assert 'api-server = "' in text
    assert 'cluster-certificate = "' in text
    assert 'cluster-dns-ip = "172.20.0.10"' in text
    assert '[settings.kubernetes.node-labels]\n"team" = "web"' in text
    assert '[settings.kubernetes.node-taints]\n"dedicated" = ["batch:NoExecute"]' in text
    assert "nodeadm" not in text
    assert "NodeConfig" not in text


def test_bottlerocket_nodes_boot_the_bottlerocket_ami_of_the_cluster_version(bottlerocket: Template) -> None:
    parameters = bottlerocket.to_json()["Parameters"]
    defaults = [p.get("Default") for p in parameters.values()]
    assert "/aws/service/bottlerocket/aws-k8s-1.35/arm64/latest/image_id" in defaults


def test_cluster_autoscaler_tags_can_be_turned_off(bottlerocket: Template) -> None:
    (asg,) = bottlerocket.find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    keys = json.dumps([tag["Key"] for tag in asg["Properties"]["Tags"]])
    assert "kubernetes.io/cluster/" in keys
    assert "cluster-autoscaler" not in keys


@pytest.fixture(scope="module")
def standalone() -> dict[str, Any]:
    """Standalone capacity constructs, a Spot mixed-instances group, admin roles and a configured add-on."""
    app = make_app()
    stack = Stack(app, "Standalone")
    ops = iam.Role(stack, "Ops", assumed_by=iam.AccountRootPrincipal())
    cluster = EksCluster(stack, "Eks", vpc=make_vpc(stack), admin_roles=[ops])
    ManagedNodeGroup(
        stack,
        "Managed",
        cluster=cluster,
        options=ManagedNodeGroupOptions(
            ami_type=eks.NodegroupAmiType.BOTTLEROCKET_ARM_64, instance_types=["m7g.large"], max_unavailable=2
        ),
    )
    SelfManagedNodeGroup(
        stack,
        "Spot",
        cluster=cluster,
        options=SelfManagedNodeGroupOptions(
            capacity_type=eks.CapacityType.SPOT,
            instance_types=["c7i.large", "c6i.large"],
            on_demand_base_capacity=1,
            max_size=5,
        ),
    )
    FargateProfile(
        stack,
        "Fargate",
        cluster=cluster,
        options=FargateProfileOptions(selectors=[FargateSelector(namespace="jobs")]),
    )
    cluster.add_addon("metrics-server", version="v0.8.0-eksbuild.1", configuration={"replicas": 2})
    template: dict[str, Any] = dict(Template.from_stack(stack).to_json())
    return template


def test_standalone_capacity_constructs_join_the_add_on_ordering(standalone: dict[str, Any]) -> None:
    addons = {
        a["Properties"]["AddonName"]: a for a in _resources_of_type(standalone, "AWS::EKS::Addon").values()
    }
    compute = {
        k
        for k, r in standalone["Resources"].items()
        if r["Type"]
        in ("AWS::EKS::Nodegroup", "AWS::AutoScaling::AutoScalingGroup", "AWS::EKS::FargateProfile")
    }
    assert len(compute) == 3
    for name in ("coredns", "metrics-server"):
        assert compute <= set(addons[name]["DependsOn"]), name
    before = {
        k
        for k, a in _resources_of_type(standalone, "AWS::EKS::Addon").items()
        if a["Properties"]["AddonName"] in ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
    }
    for capacity in compute:
        assert before <= set(standalone["Resources"][capacity]["DependsOn"]), capacity


def test_add_addon_passes_its_version_and_configuration(standalone: dict[str, Any]) -> None:
    (addon,) = [
        a
        for a in _resources_of_type(standalone, "AWS::EKS::Addon").values()
        if a["Properties"]["AddonName"] == "metrics-server"
    ]
    assert addon["Properties"]["AddonVersion"] == "v0.8.0-eksbuild.1"
    assert json.loads(addon["Properties"]["ConfigurationValues"]) == {"replicas": 2}


def test_admin_roles_get_cluster_admin_access_entries(standalone: dict[str, Any]) -> None:
    entries = list(_resources_of_type(standalone, "AWS::EKS::AccessEntry").values())
    (admin,) = [
        e for e in entries if e["Properties"]["PrincipalArn"] == {"Fn::GetAtt": ["OpsA097D252", "Arn"]}
    ]
    assert admin["Properties"]["AccessPolicies"] == [
        {
            "AccessScope": {"Type": "cluster"},
            "PolicyArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                    ],
                ]
            },
        }
    ]
    # EKS creates the managed group's and the Fargate profile's entries; only the self-managed role needs one.
    assert sorted(e["Properties"].get("Type", "STANDARD") for e in entries) == ["EC2_LINUX", "STANDARD"]


def test_a_managed_group_takes_max_unavailable_and_keeps_instance_types_and_ami_off_its_launch_template(
    standalone: dict[str, Any],
) -> None:
    (nodegroup,) = _resources_of_type(standalone, "AWS::EKS::Nodegroup").values()
    properties = nodegroup["Properties"]
    assert properties["UpdateConfig"] == {"MaxUnavailable": 2}
    assert properties["AmiType"] == "BOTTLEROCKET_ARM_64"
    assert properties["InstanceTypes"] == ["m7g.large"]
    launch_template_id = properties["LaunchTemplate"]["Id"]["Ref"]
    data = standalone["Resources"][launch_template_id]["Properties"]["LaunchTemplateData"]
    # EKS refuses an instance type or AMI in both places, and merges its own bootstrap when no AMI is set.
    assert not {"InstanceType", "ImageId", "UserData", "IamInstanceProfile"} & set(data)
    assert data["MetadataOptions"] == {"HttpPutResponseHopLimit": 1, "HttpTokens": "required"}
    # Bottlerocket: images and pods on the data volume, both it and the OS volume encrypted.
    volumes = {m["DeviceName"]: m["Ebs"] for m in data["BlockDeviceMappings"]}
    assert set(volumes) == {"/dev/xvda", "/dev/xvdb"}
    assert volumes["/dev/xvdb"]["VolumeSize"] == 50
    assert all(ebs["Encrypted"] is True for ebs in volumes.values())


def test_a_spot_self_managed_group_is_a_mixed_instances_group_above_an_on_demand_base(
    standalone: dict[str, Any],
) -> None:
    (asg,) = _resources_of_type(standalone, "AWS::AutoScaling::AutoScalingGroup").values()
    policy = asg["Properties"]["MixedInstancesPolicy"]
    assert policy["InstancesDistribution"] == {
        "OnDemandBaseCapacity": 1,
        "OnDemandPercentageAboveBaseCapacity": 0,
        "SpotAllocationStrategy": "price-capacity-optimized",
    }
    assert policy["LaunchTemplate"]["Overrides"] == [
        {"InstanceType": "c7i.large"},
        {"InstanceType": "c6i.large"},
    ]
    assert asg["Properties"]["CapacityRebalance"] is True
    assert "LaunchTemplate" not in asg["Properties"]
    launch_template_id = policy["LaunchTemplate"]["LaunchTemplateSpecification"]["LaunchTemplateId"]["Ref"]
    data = standalone["Resources"][launch_template_id]["Properties"]["LaunchTemplateData"]
    assert "InstanceType" not in data  # the overrides choose it


@pytest.mark.parametrize(
    ("ami_type", "parameter"),
    [
        (
            eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/image_id",
        ),
        (
            eks.NodegroupAmiType.AL2023_ARM_64_STANDARD,
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/arm64/standard/recommended/image_id",
        ),
        (
            eks.NodegroupAmiType.AL2023_X86_64_NVIDIA,
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/nvidia/recommended/image_id",
        ),
        (
            eks.NodegroupAmiType.AL2023_ARM_64_NVIDIA,
            "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/arm64/nvidia/recommended/image_id",
        ),
        (
            eks.NodegroupAmiType.BOTTLEROCKET_X86_64,
            "/aws/service/bottlerocket/aws-k8s-1.36/x86_64/latest/image_id",
        ),
        (
            eks.NodegroupAmiType.BOTTLEROCKET_ARM_64,
            "/aws/service/bottlerocket/aws-k8s-1.36/arm64/latest/image_id",
        ),
    ],
)
def test_each_ami_type_reads_the_public_ssm_parameter_eks_publishes(
    ami_type: eks.NodegroupAmiType, parameter: str
) -> None:
    assert _ami.ssm_parameter(ami_type, "1.36") == parameter


def test_bottlerocket_nodes_encrypt_both_their_os_and_their_data_volume(bottlerocket: Template) -> None:
    (launch_template,) = bottlerocket.find_resources("AWS::EC2::LaunchTemplate").values()
    mappings = launch_template["Properties"]["LaunchTemplateData"]["BlockDeviceMappings"]
    by_device = {m["DeviceName"]: m["Ebs"] for m in mappings}
    assert set(by_device) == {"/dev/xvda", "/dev/xvdb"}
    assert all(ebs["Encrypted"] is True and ebs["VolumeType"] == "gp3" for ebs in by_device.values())
    assert "VolumeSize" not in by_device["/dev/xvda"], "the OS volume keeps the AMI snapshot's size"
    assert by_device["/dev/xvdb"]["VolumeSize"] == 50


DOCUMENTED_SETTINGS = Path(__file__).resolve().parents[1] / "data" / "bottlerocket_settings.txt"


def _flatten(table: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in table.items():
        if isinstance(value, dict):
            keys += _flatten(value, f"{prefix}{key}.")
        else:
            keys.append(f"{prefix}{key}")
    return keys


def test_bottlerocket_settings_use_only_documented_keys(bottlerocket: Template) -> None:
    documented = [
        line
        for line in DOCUMENTED_SETTINGS.read_text(encoding="utf-8").splitlines()
        if not line.startswith("#")
    ]
    # Tokens become placeholders: the TOML must parse with any value CloudFormation puts there.
    settings = tomllib.loads(_user_data(bottlerocket, token="TOKEN"))
    keys = _flatten(settings)
    assert "settings.cloudformation.should-signal" in keys
    unknown = [
        key
        for key in keys
        if key not in documented and not any(d.endswith(".*") and key.startswith(d[:-1]) for d in documented)
    ]
    assert unknown == []


def test_bottlerocket_nodes_signal_cloudformation_with_their_own_settings(bottlerocket: Template) -> None:
    text = _user_data(bottlerocket)
    assert "[settings.cloudformation]\nshould-signal = true\n" in text
    (asg_id,) = bottlerocket.find_resources("AWS::AutoScaling::AutoScalingGroup")
    assert f'logical-resource-id = "{asg_id}"' in text
