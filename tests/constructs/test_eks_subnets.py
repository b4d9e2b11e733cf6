"""The one subnet-selection helper of the EKS family (cdk_containers.constructs.eks._subnets)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2

from cdk_containers.constructs.eks._subnets import select_subnets
from tests.support import make_stack, make_vpc

PRIVATE = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
PUBLIC = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)


def _ids(selected: ec2.SelectedSubnets) -> list[str]:
    return [subnet.node.path for subnet in selected.subnets]


def test_each_vpc_and_selection_gets_its_own_subnets_however_often_it_is_asked() -> None:
    # The answer of each VPC is kept per selection: a second VPC (of another app) asked for the
    # same selection, or the same VPC asked for another, must never get a kept answer.
    first = make_vpc(make_stack("First"))
    second = ec2.Vpc(
        make_stack("Second"),
        "Vpc",
        max_azs=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Nodes", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ],
    )
    for _ in range(2):
        assert _ids(select_subnets(first, PRIVATE)) == [
            "First/Vpc/PrivateSubnet1",
            "First/Vpc/PrivateSubnet2",
        ]
        assert _ids(select_subnets(first, PUBLIC)) == ["First/Vpc/PublicSubnet1", "First/Vpc/PublicSubnet2"]
        assert _ids(select_subnets(second, PRIVATE)) == ["Second/Vpc/NodesSubnet1"]
    # An equal selection built anew is the same question.
    again = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
    assert select_subnets(first, again) is select_subnets(first, PRIVATE)
