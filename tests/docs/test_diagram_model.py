"""The template -> architecture model rules, on small hand-written templates (no synthesis)."""

from __future__ import annotations

from typing import Any

from scripts.diagram_dot import to_dot
from scripts.diagram_model import Edge, Model, build_model, build_overview

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
            "Properties": {
                "Engine": "valkey",
                "SecurityGroupIds": [{"Ref": "CacheSg"}],
                "SubnetIds": [{"Fn::ImportValue": "Net:SubnetB"}],
            },
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

K8S: dict[str, Any] = {
    "Resources": {
        "Cluster": {
            "Type": "AWS::EKS::Cluster",
            "Properties": {
                "Version": "1.36",
                "ResourcesVpcConfig": {"SubnetIds": [{"Fn::ImportValue": "Net:SubnetB"}]},
            },
        },
        "Nodes": {
            "Type": "AWS::EKS::Nodegroup",
            "Properties": {
                "ClusterName": {"Ref": "Cluster"},
                "CapacityType": "SPOT",
                "InstanceTypes": ["m7i.large", "m6i.large", "m5.large"],
                "ScalingConfig": {"MinSize": 1, "MaxSize": 4, "DesiredSize": 1},
                "Subnets": [{"Fn::ImportValue": "Net:SubnetB"}],
            },
        },
        "Gp3": {
            "Type": "Custom::AWSCDK-EKS-KubernetesResource",
            "Properties": {
                "ClusterName": {"Ref": "Cluster"},
                "Manifest": '[{"kind":"StorageClass","metadata":{"name":"gp3"}}]',
            },
        },
        "Efs": {
            "Type": "Custom::AWSCDK-EKS-KubernetesResource",
            "Properties": {
                "ClusterName": {"Ref": "Cluster"},
                "Manifest": '[{"kind":"StorageClass","metadata":{"name":"efs"}}]',
            },
        },
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "Thing": {"Type": "AWS::Made::Up", "Properties": {"SubnetId": {"Fn::ImportValue": "Net:SubnetB"}}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {}},
    }
}


def model() -> Model:
    return build_model({"Net": NETWORK, "App": APP}, "App", paths=PATHS)


def k8s_model() -> Model:
    return build_model({"Net": NETWORK, "K8s": K8S}, "K8s")


def node(of: Model, title_start: str) -> Any:
    (found,) = [n for n in of.nodes if n.title.startswith(title_start)]
    return found


def test_an_imported_vpc_is_one_frame_named_for_its_stack_around_its_subnet_tiers() -> None:
    groups = {g.id: g for g in model().groups}
    vpc = groups["vpc:Net/Vpc"]
    assert vpc.label == "VPC 10.1.0.0/16 (from Net)"
    assert groups["vpc:Net/Vpc:private"].parent == vpc.id
    assert groups["vpc:Net/Vpc:private"].label == "Private subnets (2)"


def test_what_has_network_interfaces_sits_in_its_subnets_and_a_managed_service_outside() -> None:
    assert node(model(), "App Runner VPC connector").group == "vpc:Net/Vpc:private"
    assert node(model(), "ElastiCache").group == "vpc:Net/Vpc:private"
    assert node(model(), "App Runner service").group == "region"


def test_references_grants_and_security_group_rules_become_labelled_arrows() -> None:
    edges = set(model().edges)
    assert Edge("App/Api/Service", "App/Api/Connector", "egress through") in edges
    assert Edge("App/Api/Service", "registry/ecr_repository", "pull images") in edges
    assert Edge("App/Api/Connector", "App/Cache", "Redis/Valkey") in edges


def test_no_arrow_points_at_a_subnet_a_vpc_or_a_key() -> None:
    targets = {e.target for e in k8s_model().edges} | {e.target for e in model().edges}
    assert not [t for t in targets if t.startswith(("vpc:", "security"))]


def test_iam_roles_policies_and_security_groups_are_not_drawn() -> None:
    kinds = {n.kind for n in model().nodes}
    assert kinds == {"app_runner_service", "app_runner_vpc_connector", "cache", "ecr_repository"}


def test_kubernetes_objects_sit_in_the_cluster_frame_as_one_box_per_kind() -> None:
    storage_classes = node(k8s_model(), "StorageClasses (2)")
    assert storage_classes.facts == ("efs", "gp3")
    assert storage_classes.group == node(k8s_model(), "EKS control plane").group == "eks:K8s/Cluster"


def test_node_groups_are_named_by_purpose_and_key_facts() -> None:
    nodes = node(k8s_model(), "Managed node group")
    assert nodes.facts[:2] == ("Spot, m7i/m6i/m5 large", "1-4 nodes")
    assert nodes.group == "vpc:Net/Vpc:private"


def test_keys_say_what_they_encrypt_instead_of_drawing_arrows() -> None:
    cache_key = {
        **APP["Resources"],
        "CacheKey": {"Type": "AWS::KMS::Key", "Properties": {}},
        "Cache": {
            "Type": "AWS::ElastiCache::ServerlessCache",
            "Properties": {**APP["Resources"]["Cache"]["Properties"], "KmsKeyId": {"Ref": "CacheKey"}},
        },
    }
    drawn = build_model({"Net": NETWORK, "App": {"Resources": cache_key}}, "App", paths=PATHS)
    assert node(drawn, "KMS key").facts == ("for ElastiCache",)
    assert node(drawn, "KMS key").group == "security"


def test_an_unknown_resource_type_is_drawn_as_a_generic_box_in_its_subnets() -> None:
    thing = node(k8s_model(), "Made Up")
    assert thing.kind == "generic"
    assert thing.group == "vpc:Net/Vpc:private"


def test_a_broken_or_empty_template_does_not_stop_the_drawing() -> None:
    odd: dict[str, Any] = {
        "Resources": {
            "A": {"Type": "AWS::EKS::Nodegroup", "Properties": {"InstanceTypes": "not-a-list", "Subnets": 7}},
            "B": {"Type": "AWS::ECS::ExpressGatewayService"},
            "C": {"Properties": {}},
        }
    }
    drawn = build_model({"Odd": odd, "Empty": {}}, "Odd")
    assert {n.kind for n in drawn.nodes} == {"managed_node_group", "ecs_service"}
    assert build_model({"Empty": {}}, "Empty").nodes == ()


def test_the_overview_has_a_box_per_stack_and_an_arrow_for_what_crosses_between_them() -> None:
    overview = build_overview([model(), build_model({"Net": NETWORK, "App": APP}, "Net")])
    assert {n.title for n in overview.nodes} == {"App", "Net"}
    assert Edge("App", "Net", "VPC, subnets") in overview.edges


def test_the_drawing_is_deterministic() -> None:
    assert to_dot(model()) == to_dot(model())
    assert to_dot(k8s_model()) == to_dot(k8s_model())
