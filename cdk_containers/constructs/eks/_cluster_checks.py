"""Argument checks of the EKS clusters (and the duck-typed check of aws-cdk-lib interfaces)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._validation import Problems, describe, is_token
from cdk_containers.constructs.eks._subnets import check_private_subnets
from cdk_containers.constructs.eks._versions import (
    KUBECTL_LAYERS,
    kubectl_layer_for,
    minor_of,
    version_string,
)

__all__ = ["INTERFACES", "check_cluster_arguments", "check_object", "literal_vpc_cidr"]

#: aws-cdk-lib interfaces by the attribute that identifies them. jsii interfaces are not
#: runtime-checkable protocols, and imported objects are dynamic proxies: duck typing is the check.
INTERFACES = {
    "ec2.IVpc": "vpc_id",
    "ec2.ISecurityGroup": "security_group_id",
    "iam.IRole": "role_arn",
    "iam.IOpenIdConnectProvider": "open_id_connect_provider_arn",
    "kms.IKey": "key_arn",
    "eks.IKubectlProvider": "service_token",
    "ecr.IRepository": "repository_arn",
}
_CLUSTER_NAME = re.compile(r"^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$")


def check_object(problems: Problems, argument: str, value: Any, kind: str, *, optional: bool = False) -> bool:
    """Record a problem unless `value` implements the aws-cdk-lib interface `kind` (`"iam.IRole"`)."""
    if value is None:
        if not optional:
            problems.add(argument, value, f"an {kind} is required")
        return optional
    member = INTERFACES[kind]
    # The class's declaration answers without a jsii round trip; an object written in Python may
    # set the member on itself only.
    declared = hasattr(type(value), member) or hasattr(value, member)
    if isinstance(value, (str, int, float, bool, list, tuple, dict)) or not declared:
        hint = (
            " (import it with the from_* methods, e.g. iam.Role.from_role_arn)"
            if isinstance(value, str)
            else ""
        )
        problems.add(argument, value, f"expected an {kind}, got {describe(value)}{hint}")
        return False
    return True


def literal_vpc_cidr(vpc: ec2.IVpc) -> str | None:
    """The VPC's primary CIDR when it is known at synthesis (a VPC of this app or a lookup)."""
    if not is_token(vpc.vpc_cidr_block):
        return vpc.vpc_cidr_block
    cfn_vpc = vpc.node.default_child
    if (
        isinstance(cfn_vpc, ec2.CfnVPC)
        and isinstance(cfn_vpc.cidr_block, str)
        and not is_token(cfn_vpc.cidr_block)
    ):
        return cfn_vpc.cidr_block
    return None


def check_version(problems: Problems, version: object) -> str:
    """The version as `"1.xx"`; records a problem for a wrong kind, a token or a version without a layer."""
    if not problems.check_type("version", version, (str, eks.KubernetesVersion), optional=True):
        return ""
    text = version_string(version)  # type: ignore[arg-type]
    if not problems.check_known("version", text, "it selects the kubectl layer and the node AMIs"):
        return text
    supported = ", ".join(sorted(KUBECTL_LAYERS, key=lambda v: minor_of(v) or (0, 0)))
    problems.check(
        kubectl_layer_for(text) is not None,
        "version",
        text,
        f"a Kubernetes version with an installed kubectl layer: {supported}",
    )
    return text


def check_cluster_arguments(
    problems: Problems,
    *,
    scope: Construct,
    vpc: Any,
    version: Any,
    cluster_name: Any,
    node_subnets: Any,
    public_access_cidrs: Any,
    allow_public_endpoint_from_anywhere: Any,
    admin_roles: Any,
    secrets_encryption_key: Any,
    logs_encryption_key: Any,
    log_retention: Any,
    service_ipv4_cidr: Any,
) -> str:
    """Every check of `EksCluster`'s arguments; returns the version as `"1.xx"`."""
    version_text = check_version(problems, version)
    if problems.check_str("cluster_name", cluster_name, optional=True):
        problems.check(
            cluster_name is None or bool(_CLUSTER_NAME.match(cluster_name)),
            "cluster_name",
            cluster_name,
            "1-100 letters, digits, '-' and '_', starting with a letter or digit",
        )
    vpc_ok = check_object(problems, "vpc", vpc, "ec2.IVpc")
    subnets_ok = problems.check_type("node_subnets", node_subnets, ec2.SubnetSelection, optional=True)
    if vpc_ok and subnets_ok:
        selection = node_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        check_private_subnets(
            problems,
            "node_subnets" if node_subnets is not None else "vpc",
            vpc,
            selection,
            what="the control plane's network interfaces and the nodes",
            min_zones=2,
        )
    problems.check_type("allow_public_endpoint_from_anywhere", allow_public_endpoint_from_anywhere, bool)
    _check_public_access_cidrs(problems, public_access_cidrs, allow_public_endpoint_from_anywhere is True)
    if problems.check_list("admin_roles", admin_roles, object):
        for i, role in enumerate(admin_roles or []):
            check_object(problems, f"admin_roles[{i}]", role, "iam.IRole")
    check_object(problems, "secrets_encryption_key", secrets_encryption_key, "kms.IKey", optional=True)
    check_object(problems, "logs_encryption_key", logs_encryption_key, "kms.IKey", optional=True)
    problems.check_choice("log_retention", log_retention, list(logs.RetentionDays))
    _check_service_cidr(problems, service_ipv4_cidr, vpc if vpc_ok else None)
    return version_text


def _check_public_access_cidrs(problems: Problems, cidrs: Any, allow_anywhere: bool) -> None:
    if not problems.check_list("public_access_cidrs", cidrs, str):
        return
    if cidrs is not None and len(cidrs) == 0:
        problems.add("public_access_cidrs", [], "at least one CIDR block, or None for a private endpoint")
    for i, cidr in enumerate(cidrs or []):
        if is_token(cidr):
            continue  # EKS checks a deploy-time CIDR itself
        try:
            network = ipaddress.ip_network(cidr, strict=True)
        except ValueError:
            problems.add(f"public_access_cidrs[{i}]", cidr, "IPv4 CIDR blocks like '203.0.113.0/24'")
            continue
        if network.version != 4:
            problems.add(f"public_access_cidrs[{i}]", cidr, "IPv4 CIDR blocks (EKS takes no IPv6 here)")
        elif network.prefixlen == 0 and not allow_anywhere:
            problems.add(
                f"public_access_cidrs[{i}]",
                cidr,
                "restricted CIDR blocks; 0.0.0.0/0 also needs allow_public_endpoint_from_anywhere=True",
            )


def _check_service_cidr(problems: Problems, cidr: Any, vpc: Any) -> None:
    if not problems.check_str("service_ipv4_cidr", cidr):
        return
    if not problems.check_known(
        "service_ipv4_cidr", cidr, "self-managed nodes and Bottlerocket's cluster DNS IP are derived from it"
    ):
        return
    try:
        service_net = ipaddress.ip_network(cidr, strict=True)
        ok = service_net.version == 4 and 12 <= service_net.prefixlen <= 24 and service_net.is_private
    except ValueError:
        ok = False
    if not problems.check(ok, "service_ipv4_cidr", cidr, "a private IPv4 block from /12 to /24"):
        return
    vpc_cidr = literal_vpc_cidr(vpc) if vpc is not None else None
    if vpc_cidr is not None:
        problems.check(
            not service_net.overlaps(ipaddress.ip_network(vpc_cidr, strict=False)),
            "service_ipv4_cidr",
            cidr,
            f"a block that does not overlap the VPC's {vpc_cidr} (pods could not reach nodes)",
        )


def check_public_access(cidrs: Sequence[str] | None) -> bool:
    """Whether the endpoint is open to the world (0.0.0.0/0 among the CIDRs)."""
    return any(c == "0.0.0.0/0" for c in cidrs or [])
