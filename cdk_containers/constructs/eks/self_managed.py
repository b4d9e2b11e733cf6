"""SelfManagedNodeGroup: your own Auto Scaling group of EKS nodes, joined with nodeadm."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

import jsii
from aws_cdk import Acknowledgment, Aws, IStableStringProducer, Lazy, Stack, Tags, Validations
from aws_cdk import aws_autoscaling as autoscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_containers._nag import HIPAA, NIST, acknowledge_control, acknowledge_rules
from cdk_containers._validation import Problems, construct_path, is_int
from cdk_containers.constructs.eks import _ami
from cdk_containers.constructs.eks._base import ClusterBase
from cdk_containers.constructs.eks._cluster_checks import check_object
from cdk_containers.constructs.eks._subnets import select_subnets
from cdk_containers.constructs.eks._user_data import CreationSignal, bottlerocket_user_data, nodeadm_user_data
from cdk_containers.constructs.eks.node_role import NodeRole
from cdk_containers.constructs.eks.options import (
    CLUSTER_AUTOSCALER_NODE_TEMPLATE,
    SelfManagedNodeGroupOptions,
)

__all__ = ["SelfManagedNodeGroup"]


@jsii.implements(IStableStringProducer)
class _Later:
    """A string set after the construct that renders it exists."""

    def __init__(self) -> None:
        self.text = ""

    def produce(self) -> str:
        return self.text


class SelfManagedNodeGroup(Construct):
    """A self-managed node group: an Auto Scaling group you own, for what managed groups cannot do.

    What it creates:

    - a node role (`NodeRole`) and an `EC2_LINUX` access entry for it (EKS creates none for
      self-managed nodes in `API` authentication mode);
    - an `ec2.LaunchTemplate` (never a launch configuration, which accounts created since
      2024-10 cannot use): IMDSv2 required, encrypted gp3 root volume, the EKS-optimized AL2023
      (or Bottlerocket) AMI from its public SSM parameter for the cluster version, the cluster
      security group, and user data that joins the cluster: a nodeadm `NodeConfig` in MIME
      multipart (AL2023) or TOML settings (Bottlerocket), with labels and taints;
    - an Auto Scaling group in the node subnets, a mixed-instances group with Spot above
      `on_demand_base_capacity` when `capacity_type` is `SPOT`, created after the access
      entry and tagged for the cluster autoscaler (`cluster_autoscaler_tags`);
    - a creation policy (and rolling-update signals): CloudFormation waits up to
      `join_timeout` for `min_size` nodes to report a healthy kubelet, and fails the stack
      otherwise. The node role may call `cloudformation:SignalResource` on this stack only.

    `aws_eks_v2`'s `add_auto_scaling_group_capacity` is not used: it renders
    `/etc/eks/bootstrap.sh` (AL2 only), attaches `AmazonEKS_CNI_Policy` and
    `AmazonEC2ContainerRegistryReadOnly` to the node role, and adds security groups through a
    path that only works with a feature flag set in the consumer's cdk.json.

    Example:
        SelfManagedNodeGroup(self, "Batch", cluster=eks_cluster,
                             options=SelfManagedNodeGroupOptions(taints=[Taint(key="batch")]))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: ClusterBase,
        options: SelfManagedNodeGroupOptions | None = None,
        role: iam.IRole | None = None,
    ) -> None:
        """Create the group.

        Args:
            scope: Parent construct.
            construct_id: Construct id.
            cluster: The cluster to join (an `EksCluster`, or an imported one with its endpoint,
                certificate authority and service CIDR).
            options: Instance types, sizes, AMI, labels, taints, Spot. Defaults to
                `SelfManagedNodeGroupOptions()` (1-3 On-Demand m7i.large, AL2023).
            role: Node role. Defaults to a new `NodeRole`.

        Raises:
            ValueError: Listing every invalid argument.
        """
        options = SelfManagedNodeGroupOptions() if options is None else options
        problems = Problems("SelfManagedNodeGroup", construct_path(scope, construct_id))
        if problems.check_type("cluster", cluster, ClusterBase, allowed="an EksCluster or an imported one"):
            join = cluster._join_attributes(problems)
        if problems.check_type("options", options, SelfManagedNodeGroupOptions):
            options._check(problems, "options")
        check_object(problems, "role", role, "iam.IRole", optional=True)
        problems.raise_if_any()
        super().__init__(scope, construct_id)
        self.options = options
        """The options this group was built with."""
        self.role: iam.IRole = role or NodeRole(self, "NodeRole")
        """The node role."""

        mixed = options.capacity_type == eks.CapacityType.SPOT or len(options.instance_types) > 1
        # The text names the Auto Scaling group, which needs the launch template first.
        self._user_data_text = _Later()
        self.user_data = ec2.UserData.custom(Lazy.string(self._user_data_text))
        """The user data that joins the node to the cluster (and signals CloudFormation)."""
        self.launch_template = ec2.LaunchTemplate(
            self,
            "LaunchTemplate",
            machine_image=ec2.MachineImage.from_ssm_parameter(
                _ami.ssm_parameter(options.ami_type, cluster.version), os=ec2.OperatingSystemType.LINUX
            ),
            instance_type=None if mixed else ec2.InstanceType(options._instance_type_names[0]),
            user_data=self.user_data,
            role=self.role,
            security_group=cluster.cluster_security_group,
            require_imdsv2=True,
            http_put_response_hop_limit=options.metadata_hop_limit,
            block_devices=_ami.node_volumes(options.ami_type, options.root_volume_size),
            detailed_monitoring=True,
        )
        """The launch template: IMDSv2 required, encrypted gp3 root, nodeadm user data."""
        self.auto_scaling_group = autoscaling.AutoScalingGroup(
            self,
            "AutoScalingGroup",
            vpc=cluster.vpc,
            vpc_subnets=cluster.node_subnets,
            launch_template=None if mixed else self.launch_template,
            mixed_instances_policy=self._mixed_policy(options) if mixed else None,
            min_capacity=options.min_size,
            max_capacity=options.max_size,
            desired_capacity=options.desired_size,
            capacity_rebalance=options.capacity_type == eks.CapacityType.SPOT or None,
            update_policy=autoscaling.UpdatePolicy.rolling_update(),
            signals=autoscaling.Signals.wait_for_min_capacity(timeout=options.join_timeout)
            if self._waits(options)
            else None,
        )
        """The Auto Scaling group."""
        signal = self._signal(options)
        labels = dict(options.labels or {})
        if _ami.is_bottlerocket(options.ami_type):
            text = bottlerocket_user_data(
                cluster_name=join.cluster_name,
                api_server_endpoint=join.endpoint,
                certificate_authority=join.certificate_authority,
                cluster_dns_ip=str(ipaddress.ip_network(join.service_cidr)[10]),
                labels=labels,
                taints=options.taints,
                signal=signal,
            )
        else:
            text = nodeadm_user_data(
                cluster_name=join.cluster_name,
                api_server_endpoint=join.endpoint,
                certificate_authority=join.certificate_authority,
                service_cidr=join.service_cidr,
                labels=labels,
                taints=options.taints,
                signal=signal,
            )
        self._user_data_text.text = text
        self._tag(join.cluster_name, labels, options)
        self.access_entry = eks.AccessEntry(
            self,
            "AccessEntry",
            cluster=cluster._icluster,
            principal=self.role.role_arn,
            access_entry_type=eks.AccessEntryType.EC2_LINUX,
            access_policies=[],
        )
        """The `EC2_LINUX` access entry that lets the nodes register."""
        # Nodes that boot before their access entry exists are refused by the API server.
        self.auto_scaling_group.node.add_dependency(self.access_entry)
        Validations.of(self.auto_scaling_group).acknowledge(
            Acknowledgment(
                id="AwsSolutions-AS3",
                reason="Node churn is observed in Kubernetes (node events, cluster autoscaler); scaling "
                "notifications would duplicate them, and this construct does not own an SNS topic",
            )
        )
        self._acknowledge_zones(cluster)
        if mixed:
            self._acknowledge_mixed_policy()
        cluster.register_capacity(self, role=self.role, taints=options.taints)

    def _acknowledge_mixed_policy(self) -> None:
        """cdk-nag follows an Auto Scaling group's `LaunchTemplate` only, not its mixed-instances policy."""
        reason = (
            "The group launches every instance from this construct's launch template through its "
            "MixedInstancesPolicy, and that template requires IMDSv2 and encrypts the root volume; the "
            "rule follows only the group's LaunchTemplate property, which a mixed-instances group has not"
        )
        group = self.auto_scaling_group
        Validations.of(group).acknowledge(Acknowledgment(id="AwsSolutions-EC26", reason=reason))
        acknowledge_rules(group, reason, "EC2IMDSv2Enabled", packs=(NIST, HIPAA))

    def _acknowledge_zones(self, cluster: ClusterBase) -> None:
        """Control Tower's multi-AZ control reads `AvailabilityZones` only; the group uses subnets."""
        subnets = select_subnets(cluster.vpc, cluster.node_subnets).subnets
        try:
            zones = {subnet.availability_zone for subnet in subnets}
        except RuntimeError:  # imported subnets that were given no zone: nothing to show
            return
        if len(zones) < 2:
            return
        acknowledge_control(
            self.auto_scaling_group,
            f"The group spans {len(zones)} Availability Zones through the node subnets it is given "
            "(VPCZoneIdentifier); the control reads only the AvailabilityZones property, which "
            "CloudFormation takes from the subnets when VPCZoneIdentifier is set",
            "autoscaling_multiple_az_check",
        )

    def _mixed_policy(self, options: SelfManagedNodeGroupOptions) -> autoscaling.MixedInstancesPolicy:
        spot = options.capacity_type == eks.CapacityType.SPOT
        return autoscaling.MixedInstancesPolicy(
            launch_template=self.launch_template,
            launch_template_overrides=[
                autoscaling.LaunchTemplateOverrides(instance_type=ec2.InstanceType(t))
                for t in options._instance_type_names
            ],
            instances_distribution=autoscaling.InstancesDistribution(
                on_demand_base_capacity=options.on_demand_base_capacity,
                on_demand_percentage_above_base_capacity=0 if spot else 100,
                spot_allocation_strategy=autoscaling.SpotAllocationStrategy.PRICE_CAPACITY_OPTIMIZED,
            ),
        )

    @staticmethod
    def _waits(options: SelfManagedNodeGroupOptions) -> bool:
        """Whether CloudFormation waits for nodes: not without a timeout, nor with none to wait for."""
        return options.join_timeout is not None and not (is_int(options.min_size) and options.min_size == 0)

    def _signal(self, options: SelfManagedNodeGroupOptions) -> CreationSignal | None:
        if options.join_timeout is None or not self._waits(options):
            return None
        stack = Stack.of(self)
        cfn_asg = self.auto_scaling_group.node.default_child
        assert isinstance(cfn_asg, autoscaling.CfnAutoScalingGroup)
        # The Auto Scaling group's `signals` already lets its role call cloudformation:SignalResource
        # on this stack's id (and nothing else): the node role needs no more.
        return CreationSignal(
            region=Aws.REGION,
            stack_name=Aws.STACK_NAME,
            logical_id=stack.get_logical_id(cfn_asg),
            timeout_seconds=int(options.join_timeout.to_seconds()),
        )

    def _tag(
        self, cluster_name: str, labels: Mapping[str, str], options: SelfManagedNodeGroupOptions
    ) -> None:
        Tags.of(self.auto_scaling_group).add(
            f"kubernetes.io/cluster/{cluster_name}", "owned", apply_to_launched_instances=True
        )
        if not options.cluster_autoscaler_tags:
            return
        tags = {
            "k8s.io/cluster-autoscaler/enabled": "true",
            f"k8s.io/cluster-autoscaler/{cluster_name}": "owned",
        }
        tags.update({f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/label/{k}": v for k, v in sorted(labels.items())})
        tags.update(
            {
                f"{CLUSTER_AUTOSCALER_NODE_TEMPLATE}/taint/{t.key}": f"{t.value or ''}:{t._kubernetes_effect}"
                for t in options.taints
            }
        )
        group_tags = Tags.of(self.auto_scaling_group)
        for key, value in tags.items():
            group_tags.add(key, value, apply_to_launched_instances=False)
