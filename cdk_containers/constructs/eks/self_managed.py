"""SelfManagedNodeGroup: your own Auto Scaling group of EKS nodes, joined with nodeadm."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Tags, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.eks._node_role import node_role, node_volumes
from cdk_containers.constructs.eks._user_data import bottlerocket_user_data, nodeadm_user_data
from cdk_containers.constructs.eks.options import (
    CLUSTER_AUTOSCALER_NODE_TEMPLATE,
    SelfManagedNodeGroupOptions,
)

if TYPE_CHECKING:
    from cdk_containers.constructs.eks.cluster import EksCluster

__all__ = ["SelfManagedNodeGroup"]


class SelfManagedNodeGroup(Construct):
    """A self-managed node group: an Auto Scaling group you own, for what managed groups cannot do.

    What it creates:

    * a node role (``AmazonEKSWorkerNodePolicy``, ``AmazonEC2ContainerRegistryPullOnly``) and
      an ``EC2_LINUX`` access entry for it (EKS creates none for self-managed nodes in
      ``API`` authentication mode);
    * an ``ec2.LaunchTemplate`` (never a launch configuration, which accounts created since
      2024-10 cannot use): IMDSv2 required, encrypted gp3 root volume, the EKS-optimized AL2023
      (or Bottlerocket) AMI from its public SSM parameter for the cluster version, the cluster
      security group, and user data that joins the cluster: a nodeadm ``NodeConfig`` in MIME
      multipart (AL2023) or TOML settings (Bottlerocket), with labels and taints;
    * an Auto Scaling group in the node subnets, a mixed-instances group with Spot above
      ``on_demand_base_capacity`` when ``capacity_type`` is ``SPOT``, created after the access
      entry and tagged for the cluster autoscaler (``cluster_autoscaler_tags``).

    ``aws_eks_v2``'s ``add_auto_scaling_group_capacity`` and ``connect_auto_scaling_group_capacity``
    are not used: they render ``/etc/eks/bootstrap.sh`` (AL2 only), attach
    ``AmazonEKS_CNI_Policy`` and ``AmazonEC2ContainerRegistryReadOnly`` to the node role, and
    add security groups through a path that only works with a feature flag set in the
    consumer's cdk.json. This construct does the same wiring explicitly.

    Example:
        SelfManagedNodeGroup(self, "Batch", cluster=eks_cluster,
                             options=SelfManagedNodeGroupOptions(taints=[Taint(key="batch")]))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: EksCluster,
        options: SelfManagedNodeGroupOptions | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        cluster: The cluster to join.
        options: Instance types, sizes, AMI, labels, taints, Spot. Defaults to
            ``SelfManagedNodeGroupOptions()`` (1-3 On-Demand m7i.large, AL2023).
        role: Node role. Defaults to a new role with the two policies above.
        """
        options = options or SelfManagedNodeGroupOptions()
        problems = Problems("SelfManagedNodeGroup", construct_path(scope, construct_id))
        problems.extend(options.problems(kubernetes_version=cluster.version))
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self.options = options
        """The options this group was built with."""
        self.role: iam.IRole = role or node_role(self, "NodeRole")
        """The node role."""

        eks_cluster = cluster.cluster
        labels = dict(options.labels or {})
        if options.ami_type.is_bottlerocket:
            text = bottlerocket_user_data(
                cluster_name=eks_cluster.cluster_name,
                api_server_endpoint=eks_cluster.cluster_endpoint,
                certificate_authority=eks_cluster.cluster_certificate_authority_data,
                cluster_dns_ip=str(ipaddress.ip_network(cluster.service_ipv4_cidr)[10]),
                labels=labels,
                taints=options.taints,
            )
        else:
            text = nodeadm_user_data(
                cluster_name=eks_cluster.cluster_name,
                api_server_endpoint=eks_cluster.cluster_endpoint,
                certificate_authority=eks_cluster.cluster_certificate_authority_data,
                service_cidr=service_cidr(cluster),
                labels=labels,
                taints=options.taints,
            )
        self.user_data = ec2.UserData.custom(text)
        """The user data that joins the node to the cluster."""

        mixed = options.capacity_type == eks.CapacityType.SPOT or len(options.instance_types) > 1
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ec2.MachineImage.from_ssm_parameter(
                options.ami_type.ssm_parameter(cluster.version), os=ec2.OperatingSystemType.LINUX
            ),
            instance_type=None if mixed else ec2.InstanceType(options.instance_types[0]),
            user_data=self.user_data,
            role=self.role,
            security_group=cluster.cluster_security_group,
            require_imdsv2=True,
            http_put_response_hop_limit=options.metadata_hop_limit,
            block_devices=node_volumes(options.ami_type, options.root_volume_size),
            detailed_monitoring=True,
        )
        """The launch template: IMDSv2 required, encrypted gp3 root, nodeadm user data."""

        mixed_policy = None
        if mixed:
            spot = options.capacity_type == eks.CapacityType.SPOT
            mixed_policy = autoscaling.MixedInstancesPolicy(
                launch_template=self.launch_template,
                launch_template_overrides=[
                    autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(t))
                    for t in options.instance_types
                ],
                instances_distribution=autoscaling.InstancesDistribution(
                    on_demand_base_capacity=options.on_demand_base_capacity,
                    on_demand_percentage_above_base_capacity=0 if spot else 100,
                    spot_allocation_strategy=autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
                ),
            )
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "AutoScalingGroup",
            vpc=cluster.vpc,
            vpc_subnets=cluster.node_subnets,
            launch_template=None if mixed else self.launch_template,
            mixed_instances_policy=mixed_policy,
            min_capacity=options.min_size,
            max_capacity=options.max_size,
            desired_capacity=options.desired_size,
            capacity_rebalance=options.capacity_type == eks.CapacityType.SPOT or None,
            update_policy=autoscaling.UpdatePolicy.rolling_update(),
        )
        """The Auto Scaling group."""
        Tags.of(self.auto_scaling_group).add(
            f"kubernetes.io/cluster/{eks_cluster.cluster_name}", "owned", apply_to_launched_instances=True
        )
        if options.cluster_autoscaler_tags:
            for key, value in cluster_autoscaler_tags(eks_cluster.cluster_name, labels, options).items():
                Tags.of(self.auto_scaling_group).add(key, value, apply_to_launched_instances=False)
        self.access_entry = eks.AccessEntry(
            self,
            "AccessEntry",
            cluster=cluster.icluster,
            principal=self.role.role_arn,
            access_entry_type=eks.AccessEntryType.EC2_LINUX,
            access_policies=[],
        )
        """The ``EC2_LINUX`` access entry that lets the nodes register."""
        # Nodes that boot before their access entry exists are refused by the API server.
        self.auto_scaling_group.node.add_dependency(self.access_entry)
        Validations.of(self.auto_scaling_group).acknowledge(
            Acknowledgment(
                id="AwsSolutions-AS3",
                reason="Node churn is observed in Kubernetes (node events, cluster autoscaler); scaling "
                "notifications would duplicate them, and this construct does not own an SNS topic",
            )
        )
        cluster._register_capacity(self, role=self.role, fargate=False)


def cluster_autoscaler_tags(
    cluster_name: str, labels: Mapping[str, str], options: SelfManagedNodeGroupOptions
) -> dict[str, str]:
    """Auto-discovery tags, and node-template tags that let the autoscaler scale up from zero."""
    tags = {"k8s.io/cluster-autoscaler/enabled": "true", f"k8s.io/cluster-autoscaler/{cluster_name}": "owned"}
    tags.update({f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/label/{k}": v for k, v in sorted(labels.items())})
    tags.update(
        {
            f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/taint/{t.key}": f"{t.value or ''}:{t.effect}"
            for t in options.taints
        }
    )
    return tags


def service_cidr(cluster: EksCluster) -> str:
    """The cluster's service CIDR.

    ``AWS::EKS::Cluster`` returns only ``KubernetesNetworkConfig.ServiceIpv6Cidr``
    (CDK's CloudFormation validation refuses ``ServiceIpv4Cidr``), so the cluster sets the
    IPv4 CIDR explicitly and the nodes get the same literal.
    """
    return cluster.service_ipv4_cidr
