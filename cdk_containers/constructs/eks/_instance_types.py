"""EC2 instance type names: the `family.size` shape and aws-cdk-lib's list of families."""

from __future__ import annotations

import functools
import re

from aws_cdk import aws_ec2 as ec2

__all__ = ["architecture", "instance_type_problem", "is_nvidia_family"]

_SHAPE = re.compile(r"^([a-z][a-z0-9-]*)\.([a-z0-9-]+)$")
_SIZE = re.compile(r"^(nano|micro|small|medium|large|\d*xlarge|metal(-\d+xl)?|\d+xlarge-metal)$")
#: Instance families with NVIDIA GPUs (g4dn, g5, g5g, g6, g6e, gr6, p3, p4d, p5, ...).
_NVIDIA_FAMILY = re.compile(r"^(g\d|gr\d|p\d)")


def _family_of(member: ec2.InstanceClass) -> str:
    return ec2.InstanceType.of(member, ec2.InstanceSize.LARGE).to_string().split(".")[0]


@functools.cache
def _known_families() -> frozenset[str]:
    """Every family aws-cdk-lib's `ec2.InstanceClass` names, as EC2 spells it (`m7i`).

    Two jsii round trips per member (about 640): `_is_known_family` asks this only when the
    family's own spelling is not a member that maps to it.
    """
    return frozenset(_family_of(member) for member in ec2.InstanceClass)


@functools.cache
def _is_known_family(family: str) -> bool:
    # Every family has a member spelled like it (`M7I_FLEX` for m7i-flex) next to its long name
    # (`STANDARD7_INTEL_FLEX`); checking that one member costs two round trips, not 640.
    member = ec2.InstanceClass.__members__.get(family.upper().replace("-", "_"))
    if member is not None and _family_of(member) == family:
        return True
    return family in _known_families()


def instance_type_problem(name: str, *, check_family: bool = True) -> str | None:
    """Why `name` is not an EC2 instance type, or `None` when it looks like one.

    The shape is `family.size` with a size EC2 uses; the family must be one aws-cdk-lib
    knows unless `check_family` is off (an `ec2.InstanceType` the caller built on purpose).
    """
    match = _SHAPE.match(name)
    if match is None:
        return "an EC2 instance type of the shape family.size, e.g. 'm7i.large'"
    family, size = match.groups()
    if not _SIZE.match(size):
        return f"a size EC2 uses after '{family}.': nano, micro, small, medium, large, xlarge, 2xlarge, metal"
    if check_family and not _is_known_family(family):
        return (
            f"an instance family aws-cdk-lib knows; '{family}' is not one (a typo?). For a family newer "
            "than aws-cdk-lib, pass ec2.InstanceType('<family>.<size>') instead of a string"
        )
    return None


@functools.cache
def architecture(name: str) -> ec2.InstanceArchitecture:
    """The processor architecture of the instance type `name`, as aws-cdk-lib derives it from the name.

    Two jsii round trips, asked once per name: node groups of one process (a test session) share
    a few instance types.
    """
    return ec2.InstanceType(name).architecture


def is_nvidia_family(name: str) -> bool:
    """Whether the instance type has NVIDIA GPUs."""
    return bool(_NVIDIA_FAMILY.match(name))
