"""Test helpers shared by every test module: one copy each."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2

from tests.conftest import make_app

__all__ = ["kubernetes_objects", "make_stack", "make_vpc", "resources_of_type"]

#: What a deploy-time value inside a Kubernetes manifest is rendered as by `kubernetes_objects`.
TOKEN_PLACEHOLDER = "deploy-time-value"


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of one type in a synthesized template (a ``to_json()`` dict), by logical id."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


#: Context for apps that are synthesized only to be inspected, never deployed: no asset staging,
#: so a synthesis does not copy the kubectl layers (58 MB) into the app's output directory.
UNSTAGED = {"aws:cdk:disable-asset-staging": True}


def make_stack(construct_id: str = "Test", **kwargs: Any) -> Stack:
    """A stack in a fresh app with this repository's feature flags (assets not staged)."""
    return Stack(make_app(**UNSTAGED), construct_id, **kwargs)


def make_vpc(stack: Stack, construct_id: str = "Vpc") -> ec2.Vpc:
    """Two AZs, one NAT gateway, public and private-with-egress subnets: what EKS needs."""
    return ec2.Vpc(
        stack,
        construct_id,
        max_azs=2,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
        ],
    )


def kubernetes_objects(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, object) of every object the kubectl handler applies in a synthesized template.

    A manifest joined with deploy-time values (`Fn::Join`) is rebuilt with each value replaced by
    `TOKEN_PLACEHOLDER`, which keeps it valid JSON: CDK only puts such values inside strings.
    """
    found = []
    for key, resource in resources_of_type(template, "Custom::AWSCDK-EKS-KubernetesResource").items():
        manifest = resource["Properties"]["Manifest"]
        if not isinstance(manifest, str):
            parts = manifest["Fn::Join"][1]
            manifest = "".join(part if isinstance(part, str) else TOKEN_PLACEHOLDER for part in parts)
        found.extend((key, item) for item in json.loads(manifest))
    return found
