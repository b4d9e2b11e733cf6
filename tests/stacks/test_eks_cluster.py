"""EksClusterStack: the example cluster with one node group of each kind."""

from __future__ import annotations

import email
import inspect
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from aws_cdk.assertions import Annotations, Match, Template

from cdk_containers.example_app import build_example_app
from cdk_containers.stacks import EksClusterStack
from cdk_containers.testing import SynthResult
from tests.conftest import make_app
from tests.support import resources_of_type


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
    # The entry's type alone gives the node its Kubernetes permissions; access policies are for
    # STANDARD entries (field notes: node types take none), so none may be attached
    assert ec2_linux[0].get("AccessPolicies", []) == []
    role_id = ec2_linux[0]["PrincipalArn"]["Fn::GetAtt"][0]
    asg_profile = [r for r in resources.values() if r["Type"] == "AWS::IAM::InstanceProfile"]
    assert asg_profile[0]["Properties"]["Roles"] == [{"Ref": role_id}]


def test_every_node_kind_may_pull_from_the_registry_repositories(resources: dict[str, Any]) -> None:
    policies = [json.dumps(r["Properties"]) for r in resources.values() if r["Type"] == "AWS::IAM::Policy"]
    pulls = [p for p in policies if "ecr:BatchGetImage" in p and "RegistryStack" in p]
    assert len(pulls) == 3  # managed node role, self-managed node role, Fargate pod execution role


# -- what a first deploy needs (issue 11) ---------------------------------------------------

CRD = Path(__file__).resolve().parents[1] / "data" / "nodeadm_nodeconfig_crd.yaml"


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """The CRD's structural schema as JSON Schema, refusing unknown fields like nodeadm's strict decoder."""
    schema = {k: v for k, v in schema.items() if not k.startswith("x-kubernetes")}
    if "properties" in schema:
        schema["properties"] = {k: _strict(v) for k, v in schema["properties"].items()}
        schema.setdefault("additionalProperties", False)
    elif isinstance(schema.get("additionalProperties"), dict):
        schema["additionalProperties"] = _strict(schema["additionalProperties"])
    if isinstance(schema.get("items"), dict):
        schema["items"] = _strict(schema["items"])
    if schema.get("format") == "byte":
        del schema["format"]  # tokens stand in for the base64 CA below
    return schema


def _node_configs(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every nodeadm NodeConfig in the template's launch templates, decoded from the MIME user data."""
    configs = []
    for resource in resources_of_type(template, "AWS::EC2::LaunchTemplate").values():
        user_data = resource["Properties"]["LaunchTemplateData"].get("UserData")
        if user_data is None:
            continue
        parts = user_data["Fn::Base64"]["Fn::Join"][1]
        text = "".join(p if isinstance(p, str) else f"token-{i}" for i, p in enumerate(parts))
        message = email.message_from_string(text)
        for part in message.walk():
            if part.get_content_type() == "application/node.eks.aws":
                configs.append(yaml.safe_load(part.get_payload()))
    return configs


def test_self_managed_user_data_is_a_valid_nodeadm_node_config_with_the_service_cidr(
    example_synth: SynthResult,
) -> None:
    template = example_synth.template_json("EksClusterStack")
    crd = yaml.safe_load(CRD.read_text(encoding="utf-8").split("---\n", 1)[1])
    schema = _strict(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    configs = _node_configs(template)
    assert len(configs) == 1
    (cluster,) = resources_of_type(template, "AWS::EKS::Cluster").values()
    for config in configs:
        jsonschema.validate(config, schema)
        assert (config["apiVersion"], config["kind"]) == ("node.eks.aws/v1alpha1", "NodeConfig")
        assert (
            config["spec"]["cluster"]["cidr"]
            == cluster["Properties"]["KubernetesNetworkConfig"]["ServiceIpv4Cidr"]
        )


def test_the_stack_outputs_the_cluster_name_and_the_kubeconfig_command(example_synth: SynthResult) -> None:
    outputs = example_synth.template_json("EksClusterStack")["Outputs"]
    (cluster,) = resources_of_type(
        example_synth.template_json("EksClusterStack"), "AWS::EKS::Cluster"
    ).values()
    name = cluster["Properties"]["Name"]
    assert outputs["ClusterName"]["Value"] == name
    command = json.dumps(outputs["UpdateKubeconfigCommand"]["Value"])
    assert command.startswith('{"Fn::Join": ["", ["aws eks update-kubeconfig --name ", ')
    assert json.dumps(name) in command
    assert '" --region ", {"Ref": "AWS::Region"}' in command


def test_the_example_grants_pull_through_on_the_registry_s_cache_prefixes(
    resources: dict[str, Any], example_stacks: dict[str, Any]
) -> None:
    statements = [
        s
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:CreateRepository" in s["Action"]
    ]
    assert len(statements) == 3
    prefixes = example_stacks["RegistryStack"].pull_through_cache.repository_prefixes
    assert prefixes
    for prefix in prefixes:
        assert all(f":repository/{prefix}/*" in json.dumps(s["Resource"]) for s in statements), prefix


def test_admin_role_arns_from_context_become_cluster_admins_with_the_role_in_the_command() -> None:
    app = make_app(admin_role_arns="arn:aws:iam::111122223333:role/ops, arn:aws:iam::111122223333:role/sre")
    stacks = build_example_app(app, only=["EksClusterStack"])
    template = Template.from_stack(stacks["EksClusterStack"])
    entries = template.find_resources(
        "AWS::EKS::AccessEntry",
        {"Properties": {"PrincipalArn": Match.string_like_regexp(r"^arn:aws:iam::111122223333:role/")}},
    )
    assert len(entries) == 2
    command = json.dumps(template.to_json()["Outputs"]["UpdateKubeconfigCommand"]["Value"])
    assert command.endswith(' --role-arn arn:aws:iam::111122223333:role/ops"]]}')
    Annotations.from_stack(stacks["EksClusterStack"]).has_no_warning(
        "*", Match.string_like_regexp("no admin principal")
    )


def test_the_batch_group_starts_with_a_node_that_must_join_before_the_stack_completes(
    resources: dict[str, Any],
) -> None:
    # The example installs no cluster autoscaler: a group at 0 would leave every batch pod
    # Pending, and the first deploy would never prove that a nodeadm node joins.
    (group,) = resources_of_type({"Resources": resources}, "AWS::AutoScaling::AutoScalingGroup").values()
    assert (group["Properties"]["MinSize"], group["Properties"]["MaxSize"]) == ("1", "3")
    assert group["CreationPolicy"]["ResourceSignal"] == {"Count": 1, "Timeout": "PT15M"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"batch_min_size": -1}, r"batch_min_size=-1 is invalid: an integer >= 0"),
        ({"batch_min_size": 4, "batch_max_size": 3}, r"batch_max_size=3 is invalid: an integer >= 4"),
        ({"batch_min_size": 1, "batch_max_size": 0}, r"batch_max_size=0 is invalid: an integer >= 1"),
        ({"batch_min_size": True}, r"batch_min_size=True is invalid"),
    ],
    ids=["negative", "above-max", "max-zero", "bool"],
)
def test_batch_sizes_are_checked_by_name(kwargs: dict[str, Any], message: str) -> None:
    app = make_app()
    vpc = build_example_app(app, only=["NetworkStack"])["NetworkStack"].vpc  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"^EksClusterStack 'Eks' has \d+ invalid|^EksClusterStack 'Eks': "):
        EksClusterStack(app, "Eks", vpc=vpc, **kwargs)
    with pytest.raises(ValueError, match=message):
        EksClusterStack(app, "Eks", vpc=vpc, **kwargs)


def test_a_batch_group_at_zero_does_not_wait_for_nodes() -> None:
    app = make_app()
    vpc = build_example_app(app, only=["NetworkStack"])["NetworkStack"].vpc  # type: ignore[attr-defined]
    stack = EksClusterStack(app, "Eks", vpc=vpc, batch_min_size=0)
    (group,) = Template.from_stack(stack).find_resources("AWS::AutoScaling::AutoScalingGroup").values()
    assert group["Properties"]["MinSize"] == "0"
    assert "CreationPolicy" not in group


def test_the_stack_takes_typed_keyword_arguments_with_defaults() -> None:
    parameters = inspect.signature(EksClusterStack).parameters
    assert not [p for p in parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert parameters["pull_through_prefixes"].default == ()
    assert parameters["env"].default is None
