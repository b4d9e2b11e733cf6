"""Subnet selection helpers."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_ec2 as ec2

__all__ = ["selection_kwargs"]


def selection_kwargs(selection: ec2.SubnetSelection) -> dict[str, Any]:
    """A ``SubnetSelection`` as the keyword arguments ``IVpc.select_subnets`` takes in Python."""
    values: dict[str, Any] = selection._values  # jsii struct: the set fields
    return dict(values)
