"""The IAM role of EC2 nodes (managed and self-managed) and its reviewed findings."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers.constructs.eks.options import AmiType

__all__ = ["node_role", "node_volumes"]

_PARTITION = "arn:<AWS::Partition>:iam::aws:policy"


def node_role(scope: Construct, construct_id: str) -> iam.Role:
    """A node role with the two policies every EKS node needs (no CNI policy: the CNI has its own role)."""
    role = iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal("ec2.amazonaws.com"),
        description="EKS worker node role",
        managed_policies=[
            iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEKSWorkerNodePolicy"),
            iam.ManagedPolicy.from_aws_managed_policy_name("AmazonEC2ContainerRegistryPullOnly"),
        ],
    )
    acknowledge = Validations.of(role).acknowledge
    acknowledge(
        Acknowledgment(
            id=f"AwsSolutions-IAM4[Policy::{_PARTITION}/AmazonEKSWorkerNodePolicy]",
            reason="Every EKS node needs it to register with the cluster (eks:DescribeCluster, "
            "instance metadata calls); AWS keeps it current with new EKS features",
        )
    )
    acknowledge(
        Acknowledgment(
            id=f"AwsSolutions-IAM4[Policy::{_PARTITION}/AmazonEC2ContainerRegistryPullOnly]",
            reason="Add-on images (vpc-cni, kube-proxy, coredns, pod identity agent) come from AWS-owned "
            "ECR registries whose account differs per region, and ecr:GetAuthorizationToken takes no "
            "resource; the policy allows pulls from any repository the node can reach, but no push, "
            "delete or repository change",
        )
    )
    return role


def acknowledge_pull_grants(role: iam.IRole) -> None:
    """``grant_pull`` adds ``ecr:GetAuthorizationToken`` on ``*``, which has no resource scope."""
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason="ecr:GetAuthorizationToken supports no resource-level permission (AWS service "
            "authorization reference) and only issues a registry login token; the role's AWS managed "
            "pull policy already allows it, so this statement of grant_pull adds no access",
        )
    )


def node_volumes(ami_type: AmiType, size_gib: int) -> list[ec2.BlockDevice]:
    """Encrypted gp3 volumes for a node: the one that holds images and pods gets ``size_gib``.

    Bottlerocket boots from a small OS volume (``/dev/xvda``) and keeps images and pods on
    its data volume (``/dev/xvdb``): both are encrypted, and the OS volume keeps the size of
    the AMI's snapshot (no size given), since a smaller one fails to launch.
    """
    volumes = [
        ec2.BlockDevice(
            device_name=ami_type.root_device_name,
            volume=ec2.BlockDeviceVolume.ebs(
                size_gib,
                volume_type=ec2.EbsDeviceVolumeType.GP3,
                encrypted=True,
                delete_on_termination=True,
            ),
        )
    ]
    if ami_type.is_bottlerocket:
        os_volume = ec2.BlockDeviceVolume(
            ebs_device=ec2.EbsDeviceProps(
                volume_type=ec2.EbsDeviceVolumeType.GP3, encrypted=True, delete_on_termination=True
            )
        )
        volumes.insert(0, ec2.BlockDevice(device_name="/dev/xvda", volume=os_volume))
    return volumes
