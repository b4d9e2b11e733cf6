"""The one subnet-selection helper of the EKS family."""

from __future__ import annotations

import re
import weakref
from typing import Any

from aws_cdk import aws_ec2 as ec2

from cdk_containers._validation import Problems, is_token

__all__ = ["check_private_subnets", "select_subnets"]


#: The selections already made of each VPC. A cluster, its node groups, its Fargate profiles and
#: its storage drivers all select the cluster's node subnets, and each `vpc.select_subnets` costs
#: seven jsii round trips (the call, then one per field of the `SelectedSubnets` it returns); a
#: VPC's subnets are fixed once it is created, so the same selection gives the same subnets.
#: Weak keys: the entries go with their VPC, so the apps of a test session never share one.
#: `SubnetSelection` compares by value but cannot be hashed: each VPC keeps a short list.
_SELECTED: weakref.WeakKeyDictionary[ec2.IVpc, list[tuple[ec2.SubnetSelection, ec2.SelectedSubnets]]] = (
    weakref.WeakKeyDictionary()
)


def select_subnets(vpc: ec2.IVpc, selection: ec2.SubnetSelection) -> ec2.SelectedSubnets:
    """`vpc.select_subnets` for a `SubnetSelection` object (jsii's Python API takes its fields).

    Asked once per VPC and selection; callers must not change the lists of the result.
    """
    made = _SELECTED.setdefault(vpc, [])
    for earlier, selected in made:
        if earlier == selection:
            return selected
    fields: dict[str, Any] = {
        "availability_zones": selection.availability_zones,
        "one_per_az": selection.one_per_az,
        "subnet_filters": selection.subnet_filters,
        "subnet_group_name": selection.subnet_group_name,
        "subnet_type": selection.subnet_type,
        "subnets": selection.subnets,
    }
    selected = vpc.select_subnets(**{k: v for k, v in fields.items() if v is not None})
    made.append((selection, selected))
    return selected


def check_private_subnets(
    problems: Problems,
    argument: str,
    vpc: ec2.IVpc,
    selection: ec2.SubnetSelection,
    *,
    what: str,
    min_zones: int = 1,
) -> list[ec2.ISubnet]:
    """Record why `selection` does not give private subnets (in `min_zones` zones); return them.

    The VPC is asked here, so a selection the VPC cannot satisfy (a public-only VPC, a group
    name it lacks) is reported against `argument` instead of failing later as a jsii error.
    """
    try:
        chosen = select_subnets(vpc, selection).subnets
    except RuntimeError as error:  # jsii: "There are no 'Private' subnet groups in this VPC..."
        reason = re.sub(r"^[A-Za-z]+: ", "", str(error).split("\n")[0])  # jsii's error class name
        problems.add(argument, _describe(selection), f"a selection of {what} this VPC has ({reason})")
        return []
    if not chosen:
        problems.add(argument, _describe(selection), f"a selection that gives at least one subnet for {what}")
        return []
    public_ids = {s.subnet_id for s in vpc.public_subnets}
    public = [s.subnet_id for s in chosen if s.subnet_id in public_ids]
    if public or selection.subnet_type == ec2.SubnetType.PUBLIC:
        problems.add(
            argument,
            _describe(selection),
            f"private subnets for {what}: they get no public IP, so public subnets give them no egress",
        )
    zones = _zones(chosen)
    if min_zones > 1 and zones is not None and len(zones) < min_zones:
        shown = ", ".join(sorted(z for z in zones if not is_token(z))) or "a zone known at deploy time"
        problems.add(
            argument,
            _describe(selection),
            f"subnets in at least {min_zones} Availability Zones for {what} (EKS places the control "
            f"plane's network interfaces there); this selection spans {len(zones)}: {shown}",
        )
    return list(chosen)


def _zones(subnets: list[ec2.ISubnet]) -> set[str] | None:
    """The subnets' zones; tokens count by identity (a VPC's zone i is the same token each time)."""
    try:
        return {s.availability_zone for s in subnets}
    except RuntimeError:  # an imported subnet without a zone cannot say where it is
        return None


def _describe(selection: ec2.SubnetSelection) -> str:
    if selection.subnet_type is not None:
        return f"SubnetSelection(subnet_type={selection.subnet_type.name})"
    if selection.subnet_group_name is not None:
        return f"SubnetSelection(subnet_group_name={selection.subnet_group_name!r})"
    if selection.subnets is not None:
        return f"SubnetSelection(subnets=[{len(selection.subnets)} subnets])"
    return "SubnetSelection(...)"
