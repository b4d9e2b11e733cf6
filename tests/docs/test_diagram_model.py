"""The template -> architecture model rules, on small hand-written templates (no synthesis)."""

from __future__ import annotations

from typing import Any

from scripts.diagram_model import Edge, Model, build_model
from scripts.docs_gen import _stamp_png, model_digest, png_model_digest

NETWORK: dict[str, Any] = {
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.1.0.0/16"}},
        "PrivateA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {
                "VpcId": {"Ref": "Vpc"},
                "Tags": [{"Key": "aws-cdk:subnet-type", "Value": "Private"}],
            },
        },
        "PrivateB": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "Vpc"}, "MapPublicIpOnLaunch": False},
        },
    },
    "Outputs": {
        "SubnetA": {"Value": {"Ref": "PrivateA"}},
        "SubnetB": {"Value": {"Ref": "PrivateB"}, "Export": {"Name": "Net:SubnetB"}},
    },
}

APP: dict[str, Any] = {
    "Resources": {
        "Repo": {"Type": "AWS::ECR::Repository", "Properties": {"RepositoryName": "api"}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
        "Pull": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "Roles": [{"Ref": "Role"}],
                "PolicyDocument": {
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                            "Resource": {"Fn::GetAtt": ["Repo", "Arn"]},
                        }
                    ]
                },
            },
        },
        "ConnectorSg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
        "CacheSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 6379,
                        "ToPort": 6379,
                        "SourceSecurityGroupId": {"Fn::GetAtt": ["ConnectorSg", "GroupId"]},
                    }
                ]
            },
        },
        "Connector": {
            "Type": "AWS::AppRunner::VpcConnector",
            "Properties": {
                "SecurityGroups": [{"Fn::GetAtt": ["ConnectorSg", "GroupId"]}],
                "Subnets": [
                    {"Fn::GetStackOutput": {"StackName": "Net", "OutputName": "SubnetA"}},
                    {"Fn::ImportValue": "Net:SubnetB"},
                ],
            },
        },
        "Cache": {
            "Type": "AWS::ElastiCache::ServerlessCache",
            "Properties": {"Engine": "valkey", "SecurityGroupIds": [{"Ref": "CacheSg"}]},
        },
        "Service": {
            "Type": "AWS::AppRunner::Service",
            "Properties": {
                "AccessRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
                "VpcConnectorArn": {"Fn::Sub": "${Connector.VpcConnectorArn}"},
            },
        },
    }
}

PATHS = {"App": {"Service": "App/Api/Service/Resource", "Connector": "App/Api/Connector/Resource"}}


def model() -> Model:
    return build_model({"Net": NETWORK, "App": APP}, "App", paths=PATHS)


def test_subnets_of_another_stack_are_one_node_per_kind_inside_a_frame_naming_that_stack() -> None:
    subnets = [n for n in model().nodes if n.kind == "private_subnets"]
    assert len(subnets) == 1
    assert subnets[0].external == "Net"
    assert "2 subnets" in subnets[0].label
    (group,) = model().groups
    assert subnets[0].group == group.id
    assert group.label == "VPC 10.1.0.0/16 (from Net)"


def test_references_become_labelled_arrows_named_by_construct_path() -> None:
    edges = set(model().edges)
    assert Edge("App/Api/Service", "App/Api/Connector", "egress via") in edges
    assert Edge("App/Api/Connector", "Net/Vpc/private-subnets", "") in edges


def test_a_role_s_grants_become_arrows_from_what_uses_the_role() -> None:
    assert Edge("App/Api/Service", "App/Repo", "pulls images") in set(model().edges)


def test_security_group_rules_become_arrows_with_the_port() -> None:
    assert Edge("App/Api/Connector", "App/Cache", "tcp/6379") in set(model().edges)


def test_iam_roles_policies_and_security_groups_are_not_drawn() -> None:
    kinds = {n.kind for n in model().nodes}
    assert kinds == {
        "app_runner_service",
        "app_runner_vpc_connector",
        "database",
        "ecr_repository",
        "private_subnets",
    }


def test_the_model_is_deterministic_and_round_trips_through_json() -> None:
    text = model().to_json()
    assert text == model().to_json()
    assert Model.from_json(text).to_json() == text


def test_a_picture_carries_the_digest_of_the_model_it_was_drawn_from() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 13 + b"\x00\x00\x00\x00"
    assert png_model_digest(png) is None
    digest = model_digest(model().to_json())
    assert png_model_digest(_stamp_png(png, digest)) == digest
