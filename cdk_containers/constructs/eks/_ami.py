"""What the node-group constructs need to know about an `aws_eks_v2.NodegroupAmiType`.

The choice itself is aws-cdk-lib's enum (`eks.NodegroupAmiType`); this module
only answers the questions the library asks of it: which architecture, which
public SSM parameter holds the AMI id, which device holds images and pods.
"""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks

__all__ = [
    "SUPPORTED_AMI_TYPES",
    "arch_path",
    "architecture",
    "is_al2",
    "is_bottlerocket",
    "is_gpu",
    "node_volumes",
    "root_device_name",
    "ssm_parameter",
]

_T = eks.NodegroupAmiType

#: AMI types both node-group constructs build (Linux, with a public SSM parameter for the AMI).
SUPPORTED_AMI_TYPES: tuple[eks.NodegroupAmiType, ...] = (
    _T.AL2023_X86_64_STANDARD,
    _T.AL2023_ARM_64_STANDARD,
    _T.AL2023_X86_64_NVIDIA,
    _T.AL2023_ARM_64_NVIDIA,
    _T.BOTTLEROCKET_X86_64,
    _T.BOTTLEROCKET_ARM_64,
    _T.BOTTLEROCKET_X86_64_NVIDIA,
    _T.BOTTLEROCKET_ARM_64_NVIDIA,
)


def architecture(ami_type: eks.NodegroupAmiType) -> ec2.InstanceArchitecture:
    """ARM_64 for Graviton images, X86_64 otherwise."""
    return ec2.InstanceArchitecture.ARM_64 if "ARM_64" in ami_type.name else ec2.InstanceArchitecture.X86_64


def arch_path(ami_type: eks.NodegroupAmiType) -> str:
    """The architecture as the EKS and Bottlerocket SSM parameter paths spell it."""
    return "arm64" if architecture(ami_type) == ec2.InstanceArchitecture.ARM_64 else "x86_64"


def is_gpu(ami_type: eks.NodegroupAmiType) -> bool:
    """Whether the image carries the NVIDIA driver (and so needs a GPU instance)."""
    return ami_type.name.endswith(("NVIDIA", "GPU"))


def is_bottlerocket(ami_type: eks.NodegroupAmiType) -> bool:
    """Whether the image is Bottlerocket (TOML settings instead of nodeadm)."""
    return ami_type.name.startswith("BOTTLEROCKET")


def is_al2(ami_type: eks.NodegroupAmiType) -> bool:
    """Whether the image is Amazon Linux 2 (no AMIs from Kubernetes 1.33 on)."""
    return ami_type.name.startswith("AL2_")


def root_device_name(ami_type: eks.NodegroupAmiType) -> str:
    """The volume that holds images and pods (Bottlerocket keeps them on its data volume)."""
    return "/dev/xvdb" if is_bottlerocket(ami_type) else "/dev/xvda"


def ssm_parameter(ami_type: eks.NodegroupAmiType, kubernetes_version: str) -> str:
    """The public SSM parameter holding the recommended AMI id for a supported type."""
    arch = arch_path(ami_type)
    if is_bottlerocket(ami_type):
        variant = f"aws-k8s-{kubernetes_version}" + ("-nvidia" if is_gpu(ami_type) else "")
        return f"/aws/service/bottlerocket/{variant}/{arch}/latest/image_id"
    flavor = "nvidia" if is_gpu(ami_type) else "standard"
    return (
        f"/aws/service/eks/optimized-ami/{kubernetes_version}/amazon-linux-2023/"
        f"{arch}/{flavor}/recommended/image_id"
    )


def node_volumes(ami_type: eks.NodegroupAmiType, size_gib: int) -> list[ec2.BlockDevice]:
    """Encrypted gp3 volumes for a node: the one that holds images and pods gets `size_gib`.

    Bottlerocket boots from a small OS volume (`/dev/xvda`) and keeps images and pods on
    its data volume (`/dev/xvdb`): both are encrypted, and the OS volume keeps the size of
    the AMI's snapshot (no size given), since a smaller one fails to launch.
    """
    volumes = [
        ec2.BlockDevice(
            device_name=root_device_name(ami_type),
            volume=ec2.BlockDeviceVolume.ebs(
                size_gib, volume_type=ec2.EbsDeviceVolumeType.GP3, encrypted=True, delete_on_termination=True
            ),
        )
    ]
    if is_bottlerocket(ami_type):
        os_volume = ec2.BlockDeviceVolume(
            ebs_device=ec2.EbsDeviceProps(
                volume_type=ec2.EbsDeviceVolumeType.GP3, encrypted=True, delete_on_termination=True
            )
        )
        volumes.insert(0, ec2.BlockDevice(device_name="/dev/xvda", volume=os_volume))
    return volumes
