"""AppRunnerStack: a web service from ECR that reaches a private Valkey cache through the VPC."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import CfnOutput, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.app_runner import AppRunnerHealthCheck, AppRunnerService
from cdk_containers.constructs.ecr import HasRepository

__all__ = ["AppRunnerStack"]

#: The port of an ElastiCache Serverless primary endpoint (TLS).
CACHE_PORT = 6379


class AppRunnerStack(Stack):
    """An App Runner service in a VPC, talking to a private ElastiCache Serverless (Valkey) cache.

    What it creates:

    * an :class:`AppRunnerService` from ``repository`` (the access role may pull only from
      it), whose VPC connector sits in the VPC's private subnets with egress, with X-Ray
      tracing on;
    * an ElastiCache Serverless cache (Valkey 8): TLS only, encrypted at rest with a
      customer managed KMS key that rotates yearly, daily snapshots kept ``snapshot_days``
      days, and both cache and key retained when the stack is deleted;
    * a security group on the cache that admits exactly the connector's security group on
      exactly port 6379 and nothing else, and allows no outbound traffic.

    The service gets the cache's address in ``CACHE_HOST`` and ``CACHE_PORT``.

    Example:
        network = NetworkStack(app, "NetworkStack")
        registry = RegistryStack(app, "RegistryStack")
        AppRunnerStack(app, "AppRunnerStack", vpc=network.vpc, repository=registry.api.repository)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        repository: ecr.IRepository | HasRepository,
        tag: str = "v1.0.0",
        port: int = 8080,
        snapshot_days: int = 7,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: Parent construct (usually the ``App``).
        construct_id: Stack id.
        vpc: The VPC (``NetworkStack.vpc``); needs private subnets with egress in two zones.
        repository: The image repository (a ``ContainerRepository`` or an ``ecr.IRepository``).
        tag: The image tag to run; the registry keeps tags immutable and never expires ``v*``,
            so deploy a new version by changing it. Defaults to ``"v1.0.0"``.
        port: Port the container listens on. Defaults to 8080.
        snapshot_days: Days the cache's daily snapshots are kept, 1 to 35. Defaults to 7.
        **kwargs: Passed to ``aws_cdk.Stack`` (``env``, ``description``, ...).
        """
        problems = Problems("AppRunnerStack", construct_path(scope, construct_id))
        problems.check(1 <= snapshot_days <= 35, "snapshot_days", snapshot_days, "an integer from 1 to 35")
        problems.raise_if_any()

        super().__init__(scope, construct_id, **kwargs)

        self.service = AppRunnerService(
            self,
            "Api",
            repository=repository,
            tag=tag,
            port=port,
            vpc=vpc,
            health_check=AppRunnerHealthCheck.tcp(),
        )
        """The App Runner service."""

        self.cache_key = kms.Key(
            self,
            "CacheKey",
            description="Encrypts the App Runner example's ElastiCache Serverless cache at rest",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The customer managed key the cache is encrypted with (rotated yearly, retained)."""

        self.cache_security_group = ec2.SecurityGroup(
            self,
            "CacheSecurityGroup",
            vpc=vpc,
            description="ElastiCache Serverless cache: only the App Runner connector may connect",
            allow_all_outbound=False,
        )
        """The cache's security group: ingress from the connector's security group on 6379 only."""

        private_subnets = vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        self.cache = elasticache.CfnServerlessCache(
            self,
            "Cache",
            engine="valkey",
            major_engine_version="8",
            serverless_cache_name=_cache_name(self.stack_name),
            description="Cache of the App Runner example service",
            kms_key_id=self.cache_key.key_arn,
            security_group_ids=[self.cache_security_group.security_group_id],
            subnet_ids=private_subnets.subnet_ids,
            snapshot_retention_limit=snapshot_days,
            daily_snapshot_time="03:00",
        )
        """The ElastiCache Serverless (Valkey) cache."""
        self.cache.apply_removal_policy(RemovalPolicy.RETAIN)

        self.cache_connections = ec2.Connections(
            security_groups=[self.cache_security_group], default_port=ec2.Port.tcp(CACHE_PORT)
        )
        """The cache's connections (security group and port)."""
        self.service.connections.allow_to(
            self.cache_connections, ec2.Port.tcp(CACHE_PORT), "App Runner service to its Valkey cache"
        )

        self.service.service.add_environment_variable("CACHE_HOST", self.cache.attr_endpoint_address)
        self.service.service.add_environment_variable("CACHE_PORT", str(CACHE_PORT))

        CfnOutput(self, "ServiceUrl", value=f"https://{self.service.service_url}")
        CfnOutput(self, "CacheEndpoint", value=self.cache.attr_endpoint_address)


def _cache_name(stack_name: str) -> str:
    """A serverless cache name from the stack name: lowercase, letters, digits, single hyphens."""
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", stack_name.lower())).strip("-")
    if not base or not base[0].isalpha():
        base = f"c-{base}".strip("-")
    return f"{base[:34].rstrip('-')}-cache"
