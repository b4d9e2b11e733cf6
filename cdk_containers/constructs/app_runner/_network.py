"""App Runner networking: the VPC connector (outbound) and private ingress (inbound)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_cdk import Acknowledgment, Annotations, Validations
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from cdk_containers._validation import Problems
from cdk_containers.constructs._web import check_object

if TYPE_CHECKING:
    import aws_cdk.aws_apprunner_alpha as apprunner

__all__: list[str] = []

_PRIVATE = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)


def _check_network(problems: Problems, vpc: Any, vpc_subnets: Any, vpc_connector: Any, private: Any) -> None:
    """Check the VPC connector and private ingress arguments."""
    vpc_ok = check_object(problems, "vpc", vpc, "ec2.IVpc")
    connector_ok = check_object(problems, "vpc_connector", vpc_connector, "apprunner.IVpcConnector")
    subnets_ok = problems.check_type("vpc_subnets", vpc_subnets, ec2.SubnetSelection, optional=True)
    problems.check_type("private", private, bool)
    if vpc_subnets is not None and (vpc is None or vpc_connector is not None):
        problems.add(
            "vpc_subnets", vpc_subnets, "only with vpc and no vpc_connector (it places the connector)"
        )
    if private is True and vpc is None:
        problems.add("private", private, "True only with vpc (the ingress endpoint lives in the VPC)")
    if vpc is None or vpc_connector is not None or not (vpc_ok and connector_ok and subnets_ok):
        return
    selection = vpc_subnets or _PRIVATE
    try:
        selected = vpc.select_subnets(
            subnet_type=selection.subnet_type,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
        )
    except RuntimeError as error:
        problems.add(
            "vpc_subnets",
            selection.subnet_type or selection.subnet_group_name,
            f"subnets that exist in the VPC ({error})",
        )
        return
    if selected.has_public:
        problems.add(
            "vpc_subnets",
            selection.subnet_type or selection.subnet_group_name or "public subnets",
            "private subnets with a NAT route (PRIVATE_WITH_EGRESS); a VPC connector in public "
            "subnets has no egress (aws/apprunner-roadmap#167)",
        )


def _make_connector(
    scope: Construct, alpha: Any, vpc: ec2.IVpc, vpc_subnets: ec2.SubnetSelection | None
) -> apprunner.VpcConnector:
    """A VPC connector in private subnets with egress, with its own security group."""
    security_group = ec2.SecurityGroup(
        scope,
        "ConnectorSecurityGroup",
        vpc=vpc,
        description="App Runner VPC connector: outbound traffic of the service into the VPC",
        allow_all_outbound=True,
    )
    Validations.of(security_group).acknowledge(
        Acknowledgment(
            id="Annotation::@aws-cdk/aws-ec2:ipv4IgnoreEgressRule",
            reason=(
                "The connector security group allows all outbound traffic on purpose (the "
                "service reaches the internet through NAT); the egress half of "
                "connections.allow_to(...) is therefore already allowed and skipped."
            ),
        )
    )
    connector: apprunner.VpcConnector = alpha.VpcConnector(
        scope,
        "VpcConnector",
        vpc=vpc,
        vpc_subnets=vpc_subnets or _PRIVATE,
        security_groups=[security_group],
    )
    if vpc_subnets is not None and _isolated(vpc, vpc_subnets):
        Annotations.of(scope).add_warning_v2(
            "cdk-containers:apprunner-isolated-connector",
            "The VPC connector is in isolated subnets (no NAT route). Every outbound request of the "
            "service goes into the VPC, so it reaches no internet address, and an AWS API only "
            "through an interface VPC endpoint in the VPC. Use PRIVATE_WITH_EGRESS subnets, or "
            "acknowledge this once every API the service calls has an endpoint",
        )
    return connector


def _isolated(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> bool:
    """Whether `selection` picks any of the VPC's isolated subnets (a connector there has no NAT)."""
    if selection.subnet_type == ec2.SubnetType.PRIVATE_ISOLATED:
        return True
    isolated = {subnet.subnet_id for subnet in vpc.isolated_subnets}
    return bool(isolated) and any(
        subnet_id in isolated
        for subnet_id in vpc.select_subnets(
            subnet_type=selection.subnet_type,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
        ).subnet_ids
    )


def _make_private_ingress(
    scope: Construct,
    alpha: Any,
    vpc: ec2.IVpc,
    vpc_subnets: ec2.SubnetSelection | None,
    service: apprunner.Service,
) -> tuple[ec2.InterfaceVpcEndpoint, apprunner.VpcIngressConnection]:
    """The `apprunner.requests` interface endpoint and the VPC ingress connection through it."""
    endpoint = ec2.InterfaceVpcEndpoint(
        scope,
        "IngressEndpoint",
        vpc=vpc,
        service=ec2.InterfaceVpcEndpointAwsService.APP_RUNNER_REQUESTS,
        subnets=vpc_subnets or _PRIVATE,
        private_dns_enabled=False,
    )
    connection: apprunner.VpcIngressConnection = alpha.VpcIngressConnection(
        scope,
        "IngressConnection",
        vpc=vpc,
        interface_vpc_endpoint=endpoint,
        service=service,
    )
    return endpoint, connection
