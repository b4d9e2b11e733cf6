"""NetworkStack: the shared VPC."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pytest
from aws_cdk import CfnParameter, Environment, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from cdk_containers.stacks import NetworkStack
from cdk_containers.testing import SynthResult
from tests.conftest import make_app


@pytest.fixture(scope="module")
def template(example_synth: SynthResult) -> Template:
    return example_synth.template("NetworkStack")


def test_network_stack_matches_its_snapshot(example_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert example_synth.template_json("NetworkStack") == cdk_snapshot


def test_vpc_spans_two_zones_with_public_and_private_subnets(template: Template) -> None:
    template.resource_count_is("AWS::EC2::VPC", 1)
    template.resource_count_is("AWS::EC2::Subnet", 4)
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert sorted(k for k in subnets if "PublicSubnet" in k) == [
        "VpcPublicSubnet1Subnet5C2D37C4",
        "VpcPublicSubnet2Subnet691E08A3",
    ]


def test_no_subnet_gives_what_is_launched_into_it_a_public_address(template: Template) -> None:
    # NIST/HIPAA/PCI VPCSubnetAutoAssignPublicIpDisabled and Control Tower CT.EC2.PR.11: the NAT
    # gateways have Elastic IPs and internet-facing load balancers their own addresses.
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert {k: s["Properties"].get("MapPublicIpOnLaunch") for k, s in subnets.items()} == dict.fromkeys(
        subnets, False
    )
    template.has_resource_properties(
        "AWS::EC2::NatGateway", {"AllocationId": {"Fn::GetAtt": [Match.any_value(), "AllocationId"]}}
    )


def test_one_nat_gateway_by_default(template: Template) -> None:
    template.resource_count_is("AWS::EC2::NatGateway", 1)


def test_public_subnets_are_tagged_for_internet_facing_load_balancers(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::Subnet",
        {
            "Tags": Match.array_with(
                [
                    {"Key": "kubernetes.io/role/elb", "Value": "1"},
                    {"Key": "Name", "Value": Match.string_like_regexp("PublicSubnet")},
                ]
            ),
        },
    )


def test_private_subnets_are_tagged_for_internal_load_balancers(template: Template) -> None:
    subnets = template.find_resources("AWS::EC2::Subnet")
    private = {k: s for k, s in subnets.items() if "PrivateSubnet" in k}
    assert len(private) == 2
    for subnet in private.values():
        assert {"Key": "kubernetes.io/role/internal-elb", "Value": "1"} in subnet["Properties"]["Tags"]


def test_the_flow_log_group_is_encrypted_with_a_rotating_retained_customer_key(template: Template) -> None:
    (group,) = template.find_resources("AWS::Logs::LogGroup").values()
    key_id = group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    key = template.to_json()["Resources"][key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert key["DeletionPolicy"] == "Retain"
    logs_statement = [
        st for st in key["Properties"]["KeyPolicy"]["Statement"] if "logs." in json.dumps(st.get("Principal"))
    ]
    assert len(logs_statement) == 1


def test_flow_logs_capture_all_traffic_into_a_retained_log_group(template: Template) -> None:
    template.has_resource_properties(
        "AWS::EC2::FlowLog",
        {"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs"},
    )
    template.has_resource(
        "AWS::Logs::LogGroup",
        {"Properties": {"RetentionInDays": 365}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"},
    )


def test_default_security_group_is_stripped_of_all_rules(template: Template) -> None:
    template.resource_count_is("Custom::VpcRestrictDefaultSG", 1)


def test_nat_gateway_count_is_configurable() -> None:
    stack = NetworkStack(make_app(), "Net", nat_gateways=2)
    Template.from_stack(stack).resource_count_is("AWS::EC2::NatGateway", 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nat_gateways": 0}, r"nat_gateways=0 is invalid: an integer from 1 to max_azs \(2\)"),
        ({"nat_gateways": 3}, r"nat_gateways=3 is invalid"),
        ({"nat_gateways": "1"}, r"nat_gateways='1' is invalid: an integer from 1 to max_azs"),
        ({"max_azs": 2.0}, r"max_azs=2.0 is invalid: an integer from 2 to 6"),
        ({"max_azs": 1}, r"max_azs=1 is invalid: an integer from 2 to 6"),
        ({"cidr": "10.0.0.0/8"}, r"cidr='10.0.0.0/8' is invalid: a private IPv4 CIDR block from /16 to /24"),
        ({"cidr": "not-a-cidr"}, r"cidr='not-a-cidr' is invalid"),
        ({"cidr": "8.8.0.0/16"}, r"cidr='8.8.0.0/16' is invalid"),
        (
            {"cidr": "10.0.0.0/20", "max_azs": 3},
            r"cidr='10.0.0.0/20' is invalid: a block of at least 16384 addresses for 3 zones "
            r".*\(a /18 or larger\)",
        ),
        (
            {"flow_log_retention": 7},
            r"flow_log_retention=7 is invalid: one of ONE_DAY, THREE_DAYS, FIVE_DAYS, ONE_WEEK",
        ),
        ({"max_azs": "3"}, r"max_azs='3' is invalid: an integer from 2 to 6"),
        ({"cidr": ["10.0.0.0/16"]}, r"cidr=\['10.0.0.0/16'\] is invalid: expected str, got a list"),
        (
            {"flow_log_encryption_key": "alias/logs"},
            r"flow_log_encryption_key='alias/logs' is invalid: a kms.IKey",
        ),
        ({"tags": 7}, r"tags=7 is invalid: expected a mapping of str to str, got an int"),
        ({"tags": [("team", "a")]}, r"tags=\[\('team', 'a'\)\] is invalid: expected a mapping of str to str"),
        ({"tags": {"team": 1}}, r"tags\['team'\]=1 is invalid: expected str, got an int"),
    ],
)
def test_bad_network_arguments_are_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"NetworkStack 'Net': " + message):
        NetworkStack(make_app(), "Net", **kwargs)


def test_a_key_arn_parameter_for_the_flow_log_key_is_refused_by_name() -> None:
    app = make_app()
    arn = CfnParameter(Stack(app, "Parameters"), "KeyArn").value_as_string
    with pytest.raises(
        ValueError,
        match=r"NetworkStack 'Net': flow_log_encryption_key='\$\{Token\[TOKEN\.\d+\]\}' is invalid: "
        r"a kms.IKey \(kms.Key, or kms.Key.from_key_arn for an existing key\)",
    ):
        NetworkStack(app, "Net", flow_log_encryption_key=arn)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"has 2 invalid arguments") as error:
        NetworkStack(make_app(), "Net", max_azs=1, cidr="bad")
    assert "max_azs=1" in str(error.value)
    assert "cidr='bad'" in str(error.value)


def test_only_flow_logs_of_this_account_and_region_may_assume_the_flow_log_role(template: Template) -> None:
    # Confused-deputy conditions from the VPC user guide's flow-log role page.
    roles = template.find_resources(
        "AWS::IAM::Role",
        {
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Statement": [{"Principal": {"Service": "vpc-flow-logs.amazonaws.com"}}]
                }
            }
        },
    )
    (role,) = roles.values()
    (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}},
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":ec2:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":vpc-flow-log/*",
                    ],
                ]
            }
        },
    }


def test_an_environment_agnostic_stack_spans_every_zone_max_azs_asks_for() -> None:
    # Stack.availability_zones gives two tokens when the region is unknown; max_azs=3 used to give 2.
    template = Template.from_stack(NetworkStack(make_app(), "Net", max_azs=3, nat_gateways=3))
    subnets = template.find_resources("AWS::EC2::Subnet")
    assert len(subnets) == 6
    zones = {json.dumps(s["Properties"]["AvailabilityZone"], sort_keys=True) for s in subnets.values()}
    assert zones == {json.dumps({"Fn::Select": [i, {"Fn::GetAZs": ""}]}, sort_keys=True) for i in range(3)}


def test_a_stack_with_a_known_region_uses_the_region_s_zones() -> None:
    stack = NetworkStack(
        make_app(), "Net", max_azs=2, env=Environment(account="111122223333", region="eu-west-1")
    )
    zones = {s.availability_zone for s in stack.vpc.private_subnets}
    assert zones == {"dummy1a", "dummy1b"}  # the context provider's placeholders without credentials


def test_the_stack_takes_typed_keyword_arguments_with_defaults() -> None:
    parameters = inspect.signature(NetworkStack).parameters
    assert not [p for p in parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert parameters["flow_log_retention"].default == logs.RetentionDays.ONE_YEAR
    assert parameters["env"].default is None
