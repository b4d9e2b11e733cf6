"""EksClusterStack: the example cluster with one node group of each kind."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template

from cdk_containers.testing import SynthResult


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> Template:
    return example_synth.template("EksClusterStack")


@pytest.fixture(scope="module")
def resources(example_synth: SynthResult) -> dict[str, Any]:
    found: dict[str, Any] = example_synth.template_json("EksClusterStack")["Resources"]
    return found


def test_eks_cluster_stack_matches_its_snapshot(example_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert example_synth.template_json("EksClusterStack") == cdk_snapshot


def test_no_launch_configuration_anywhere(example_synth: SynthResult) -> None:
    for name in example_synth.template_files:
        assert '"AWS::AutoScaling::LaunchConfiguration"' not in json.dumps(example_synth.template_json(name))


def test_one_capacity_of_each_kind(template: Template) -> None:
    template.resource_count_is("AWS::EKS::Nodegroup", 1)
    template.resource_count_is("AWS::AutoScaling::AutoScalingGroup", 1)
    template.resource_count_is("AWS::EKS::FargateProfile", 1)
    template.has_resource_properties(
        "AWS::EKS::Nodegroup",
        {
            "CapacityType": "SPOT",
            "AmiType": "AL2023_x86_64_STANDARD",
            "InstanceTypes": ["m7i.large", "m6i.large", "m5.large"],
        },
    )


def test_the_only_lambda_functions_are_the_kubectl_handler_and_its_provider(
    resources: dict[str, Any],
) -> None:
    functions = {k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 2  # the storage classes are manifests: they need the handler
    assert all(k.startswith("EksKubectlProvider") for k in functions), functions


def test_the_self_managed_launch_template_requires_imdsv2_and_encrypts_its_gp3_root(
    resources: dict[str, Any],
) -> None:
    templates = [
        r["Properties"]["LaunchTemplateData"]
        for r in resources.values()
        if r["Type"] == "AWS::EC2::LaunchTemplate"
    ]
    assert len(templates) == 2
    for data in templates:
        assert data["MetadataOptions"]["HttpTokens"] == "required"
        ebs = data["BlockDeviceMappings"][0]["Ebs"]
        assert ebs["Encrypted"] is True
        assert ebs["VolumeType"] == "gp3"
    self_managed = next(d for d in templates if "UserData" in d)
    assert "ImageId" in self_managed
    user_data = json.dumps(self_managed["UserData"])
    assert "kind: NodeConfig" in user_data
    assert "application/node.eks.aws" in user_data
    assert '"Ref": "EksCluster' in user_data  # names the cluster by reference
    assert "--register-with-taints=workload=batch:NoSchedule" in user_data


def test_the_self_managed_ami_comes_from_the_eks_al2023_ssm_parameter(example_synth: SynthResult) -> None:
    parameters = example_synth.template_json("EksClusterStack")["Parameters"]
    defaults = {p.get("Default") for p in parameters.values()}
    assert (
        "/aws/service/eks/optimized-ami/1.36/amazon-linux-2023/x86_64/standard/recommended/image_id"
        in defaults
    )


def test_the_self_managed_role_has_an_ec2_linux_access_entry(resources: dict[str, Any]) -> None:
    entries = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::EKS::AccessEntry"]
    ec2_linux = [e for e in entries if e.get("Type") == "EC2_LINUX"]
    assert len(ec2_linux) == 1
    role_id = ec2_linux[0]["PrincipalArn"]["Fn::GetAtt"][0]
    asg_profile = [r for r in resources.values() if r["Type"] == "AWS::IAM::InstanceProfile"]
    assert asg_profile[0]["Properties"]["Roles"] == [{"Ref": role_id}]


def test_every_node_kind_may_pull_from_the_registry_repositories(resources: dict[str, Any]) -> None:
    policies = [json.dumps(r["Properties"]) for r in resources.values() if r["Type"] == "AWS::IAM::Policy"]
    pulls = [p for p in policies if "ecr:BatchGetImage" in p and "RegistryStack" in p]
    assert len(pulls) == 3  # managed node role, self-managed node role, Fargate pod execution role
