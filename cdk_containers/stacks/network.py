"""NetworkStack: the VPC every other example stack shares."""

from __future__ import annotations

import ipaddress
from typing import Any

from aws_cdk import RemovalPolicy, Stack, Tags
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_int

__all__ = ["NetworkStack"]

#: Subnet tags the AWS Load Balancer Controller uses to discover subnets.
PUBLIC_ELB_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"


class NetworkStack(Stack):
    """A VPC for container workloads: public and private subnets, NAT, flow logs.

    What it creates:

    * a VPC over ``max_azs`` Availability Zones with one public and one
      private-with-egress subnet per zone, tagged for EKS load balancers
      (``kubernetes.io/role/elb`` on public, ``kubernetes.io/role/internal-elb``
      on private subnets);
    * ``nat_gateways`` NAT gateways (private subnets need them for egress:
      image pulls, AWS APIs, App Runner's VPC connector);
    * VPC flow logs of all traffic to a CloudWatch log group that is retained
      when the stack is deleted;
    * a default security group with every rule removed, so nothing can be
      attached to it by accident and get access.

    Example:
        network = NetworkStack(app, "NetworkStack", nat_gateways=2)
        EksClusterStack(app, "EksClusterStack", vpc=network.vpc)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cidr: str = "10.0.0.0/16",
        max_azs: int = 2,
        nat_gateways: int = 1,
        flow_log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: Parent construct (usually the ``App``).
        construct_id: Stack id.
        cidr: IPv4 CIDR of the VPC, a /16 to /24 private range. Defaults to ``10.0.0.0/16``.
        max_azs: Availability Zones to span, 2 to 6 (EKS needs at least 2). Defaults to 2.
        nat_gateways: NAT gateways, 1 to ``max_azs``; use ``max_azs`` for zone-independent
            egress. Defaults to 1.
        flow_log_retention: How long flow logs are kept. Defaults to one year.
        **kwargs: Passed to ``aws_cdk.Stack`` (``env``, ``description``, ...).
        """
        problems = Problems("NetworkStack", construct_path(scope, construct_id))
        try:
            network = ipaddress.ip_network(cidr, strict=True)
            problems.check(
                network.version == 4 and 16 <= network.prefixlen <= 24 and network.is_private,
                "cidr",
                cidr,
                "a private IPv4 CIDR block from /16 to /24, e.g. '10.0.0.0/16'",
            )
        except ValueError:
            problems.add("cidr", cidr, "a private IPv4 CIDR block from /16 to /24, e.g. '10.0.0.0/16'")
        problems.check(
            is_int(max_azs) and 2 <= max_azs <= 6,
            "max_azs",
            max_azs,
            "an integer from 2 to 6 (EKS needs two zones)",
        )
        # nat_gateways is bounded by max_azs, so it is checked against a valid max_azs only.
        problems.check(
            not is_int(max_azs) or (is_int(nat_gateways) and 1 <= nat_gateways <= max(max_azs, 1)),
            "nat_gateways",
            nat_gateways,
            f"an integer from 1 to max_azs ({max_azs}); private subnets need NAT for egress",
        )
        problems.raise_if_any()

        super().__init__(scope, construct_id, **kwargs)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=nat_gateways,
            restrict_default_security_group=True,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
                ec2.SubnetConfiguration(
                    name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
            ],
        )
        """The VPC. Private subnets route to NAT; public subnets to the internet gateway."""

        for subnet in self.vpc.public_subnets:
            Tags.of(subnet).add(PUBLIC_ELB_TAG, "1")
        for subnet in self.vpc.private_subnets:
            Tags.of(subnet).add(INTERNAL_ELB_TAG, "1")

        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=flow_log_retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The log group that receives the VPC flow logs (retained with the stack)."""
        # Confused-deputy conditions from the VPC user guide ("IAM role for publishing flow
        # logs to CloudWatch Logs"): only flow logs of this account and region may use the role.
        flow_log_role = iam.Role(
            self,
            "FlowLogRole",
            assumed_by=iam.ServicePrincipal(
                "vpc-flow-logs.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnLike": {
                        "aws:SourceArn": self.format_arn(
                            service="ec2", resource="vpc-flow-log", resource_name="*"
                        )
                    },
                },
            ),
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, flow_log_role),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
