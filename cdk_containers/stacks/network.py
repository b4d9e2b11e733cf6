"""NetworkStack: the VPC every other example stack shares."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from aws_cdk import Environment, Fn, IStackSynthesizer, RemovalPolicy, Stack, Tags, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct, IConstruct

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers._nag import (
    HIPAA,
    NIST,
    PCI,
    acknowledge_control,
    acknowledge_inline_policies,
    acknowledge_rules,
)
from cdk_containers._validation import Problems, construct_path
from cdk_containers.compliance import skip_checkov
from cdk_containers.stacks._common import check_stack_props, show_signature

__all__ = ["NetworkStack"]

#: Subnet tags the AWS Load Balancer Controller uses to discover subnets.
PUBLIC_ELB_TAG = "kubernetes.io/role/elb"
INTERNAL_ELB_TAG = "kubernetes.io/role/internal-elb"


class NetworkStack(Stack):
    """A VPC for container workloads: public and private subnets, NAT, flow logs.

    What it creates:

    * a VPC over `max_azs` Availability Zones with one public and one
      private-with-egress subnet per zone, tagged for EKS load balancers
      (`kubernetes.io/role/elb` on public, `kubernetes.io/role/internal-elb`
      on private subnets);
    * `nat_gateways` NAT gateways (private subnets need them for egress:
      image pulls, AWS APIs, App Runner's VPC connector);
    * VPC flow logs of all traffic to a CloudWatch log group that is retained
      when the stack is deleted, encrypted with a customer KMS key;
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
        flow_log_encryption_key: kms.IKey | None = None,
        env: Environment | None = None,
        stack_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        termination_protection: bool = False,
        synthesizer: IStackSynthesizer | None = None,
    ) -> None:
        """Create the stack.

        Args:
            scope: Parent construct (usually the `App`).
            construct_id: Stack id.
            cidr: IPv4 CIDR of the VPC, a private range large enough for one /24 public and
                one /20 private subnet per zone (a /16 holds 6 zones, a /18 holds 3).
                Defaults to `10.0.0.0/16`.
            max_azs: Availability Zones to span, 2 to 6 (EKS needs at least 2). An
                environment-agnostic stack (no `env`) cannot see the region's zones, so it
                picks zones 1 to `max_azs` of the region at deploy time (`Fn::GetAZs`): the
                region must have that many. Defaults to 2.
            nat_gateways: NAT gateways, 1 to `max_azs`; use `max_azs` for zone-independent
                egress. Defaults to 1.
            flow_log_retention: How long flow logs are kept (`logs.RetentionDays`). Defaults to
                one year.
            flow_log_encryption_key: KMS key of the flow-log group (its policy must let CloudWatch
                Logs use it). Defaults to a new key with rotation on, retained, usable by CloudWatch
                Logs of this account and region.
            env: The account and region. Defaults to environment-agnostic.
            stack_name: The CloudFormation stack name. Defaults to `construct_id`.
            description: The stack description. Defaults to none.
            tags: Tags on every resource of the stack. Defaults to none.
            termination_protection: Whether CloudFormation refuses to delete the stack. Defaults to `False`.
            synthesizer: The stack synthesizer, e.g. `DefaultStackSynthesizer(qualifier=...)` for an
                environment bootstrapped with a custom qualifier. Defaults to the app's default synthesizer.

        Raises:
            ValueError: Listing every invalid argument.
        """
        problems = Problems("NetworkStack", construct_path(scope, construct_id))
        azs_ok = problems.check_int(
            "max_azs", max_azs, minimum=2, maximum=6, allowed="an integer from 2 to 6 (EKS needs two zones)"
        ) and problems.check_known("max_azs", max_azs, "it decides how many subnets exist")
        if problems.check_str("cidr", cidr) and problems.check_known(
            "cidr", cidr, "the subnets are carved from it"
        ):
            _check_cidr(problems, cidr, max_azs if azs_ok else 2)
        # nat_gateways is bounded by max_azs, so it is checked against a valid max_azs only.
        if azs_ok:
            problems.check_int(
                "nat_gateways",
                nat_gateways,
                minimum=1,
                maximum=max_azs,
                allowed=f"an integer from 1 to max_azs ({max_azs}); private subnets need NAT for egress",
            )
        problems.check_choice("flow_log_retention", flow_log_retention, list(logs.RetentionDays))
        # not `problems.check`, which lets tokens through: a key ARN token is still not a key
        if flow_log_encryption_key is not None and (
            isinstance(flow_log_encryption_key, str) or not hasattr(flow_log_encryption_key, "key_arn")
        ):
            problems.add(
                "flow_log_encryption_key",
                flow_log_encryption_key,
                "a kms.IKey (kms.Key, or kms.Key.from_key_arn for an existing key)",
            )
        check_stack_props(
            problems,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=tags,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )
        problems.raise_if_any()
        self._max_azs = max_azs

        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=dict(tags) if tags is not None else None,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(cidr),
            max_azs=max_azs,
            nat_gateways=nat_gateways,
            restrict_default_security_group=True,
            subnet_configuration=[
                # Nothing launched into a public subnet gets a public address by accident: the NAT
                # gateways have their Elastic IPs and internet-facing load balancers their own.
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=24,
                    map_public_ip_on_launch=False,
                ),
                ec2.SubnetConfiguration(
                    name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20
                ),
            ],
        )
        """The VPC. Private subnets route to NAT; public subnets to the internet gateway."""

        for subnet in self.vpc.public_subnets:
            Tags.of(subnet).add(PUBLIC_ELB_TAG, "1")
            acknowledge_rules(
                subnet.node.find_child("DefaultRoute"),
                "The default route to the internet gateway is what makes this a public subnet: it holds "
                "only the NAT gateways and internet-facing load balancers; nodes, pods, file systems and "
                "caches sit in the private subnets, which route through NAT",
                "VPCNoUnrestrictedRouteToIGW",
                packs=(NIST, HIPAA, PCI),
            )
        for subnet in self.vpc.private_subnets:
            Tags.of(subnet).add(INTERNAL_ELB_TAG, "1")

        # CloudWatch Logs may use the key for log groups of this account and region only.
        self.flow_log_encryption_key: kms.IKey = flow_log_encryption_key or logs_encryption_key(
            self, "FlowLogsKey", description="Encryption of the VPC flow logs"
        )
        """The KMS key of the flow-log group."""
        self.flow_log_group = logs.LogGroup(
            self,
            "FlowLogs",
            retention=flow_log_retention,
            encryption_key=self.flow_log_encryption_key,
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
        acknowledge_inline_policies(flow_log_role)
        # aws-cdk-lib's deploy-time handler that strips the default security group's rules.
        restrict = self.node.try_find_child("Custom::VpcRestrictDefaultSGCustomResourceProvider")
        if restrict is not None and restrict.node.try_find_child("Handler") is not None:
            _acknowledge_restrict_handler(restrict.node.find_child("Handler"))
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group, flow_log_role),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

    @property
    def availability_zones(self) -> list[str]:
        """The zones the VPC spans: `max_azs` of them, also when the region is unknown at synth.

        An environment-agnostic stack sees two zone tokens by default, so `max_azs=3` would
        silently give two; here it selects zones 0 to `max_azs - 1` of `Fn::GetAZs` instead.
        """
        if Token.is_unresolved(self.region) and getattr(self, "_max_azs", 2) > 2:
            return [Fn.select(i, Fn.get_azs()) for i in range(self._max_azs)]
        return list(super().availability_zones)


def _acknowledge_restrict_handler(handler: IConstruct) -> None:
    """aws-cdk-lib's deploy-time handler that removes the default security group's rules."""
    outside_vpc = (
        "aws-cdk-lib's handler that removes the default security group's rules at deploy time "
        "calls only the EC2 API and reaches nothing inside the VPC; placing it in the VPC would "
        "add network interfaces and a dependency on NAT without isolating anything"
    )
    acknowledge_control(handler, outside_vpc, "lambda_inside_vpc_check")
    skip_checkov(handler, "CKV_AWS_117", outside_vpc)
    skip_checkov(
        handler,
        "CKV_AWS_115",
        "CloudFormation invokes this handler once when the VPC is created or replaced; a reserved "
        "concurrency would take capacity from the account's unreserved pool for nothing",
    )
    skip_checkov(
        handler,
        "CKV_AWS_116",
        "CloudFormation invokes this handler and fails the stack on its error, recording it in the "
        "stack events; a dead-letter queue would keep a copy of an event nobody retries",
    )


def _check_cidr(problems: Problems, cidr: str, zones: int) -> None:
    allowed = "a private IPv4 CIDR block from /16 to /24, e.g. '10.0.0.0/16'"
    try:
        network = ipaddress.ip_network(cidr, strict=True)
    except ValueError:
        problems.add("cidr", cidr, allowed)
        return
    if not problems.check(
        network.version == 4 and 16 <= network.prefixlen <= 24 and network.is_private, "cidr", cidr, allowed
    ):
        return
    # One /24 public and one /20 private subnet per zone; the /20s start on a /20 boundary.
    needed = -(-zones * 256 // 4096) * 4096 + zones * 4096
    problems.check(
        network.num_addresses >= needed,
        "cidr",
        cidr,
        f"a block of at least {needed} addresses for {zones} zones of a /24 public and a /20 private "
        f"subnet each (a /{32 - (needed - 1).bit_length()} or larger)",
    )


show_signature(NetworkStack)
