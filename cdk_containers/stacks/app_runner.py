"""AppRunnerStack: a web service from ECR that reaches a private Valkey cache through the VPC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import CfnOutput, Duration, Environment, IStackSynthesizer, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs.app_runner import AppRunnerService
from cdk_containers.stacks._cache import _ValkeyCache
from cdk_containers.stacks._common import show_signature
from cdk_containers.stacks._web import SAMPLE_IMAGE, SAMPLE_PORT, _check_web_stack

__all__ = ["AppRunnerStack"]


class AppRunnerStack(Stack):
    """An App Runner service in a VPC, talking to a private ElastiCache Serverless (Valkey) cache.

    What it creates:

    * an `AppRunnerService`: with `tag`, from `repository` (the access role may pull only
      from it); without, the public sample image, so a first `make deploy` never points
      App Runner at an image nobody pushed. Its VPC connector sits in the VPC's private
      subnets with egress, with X-Ray tracing on;
    * an ElastiCache Serverless cache (Valkey 8): TLS only, encrypted at rest with a
      customer managed KMS key that rotates yearly, daily snapshots, cache and key retained
      when the stack is deleted, named uniquely per stack creation;
    * a security group on the cache that admits exactly the connector's security group on
      exactly 6379 (primary) and 6380 (readers), and allows no outbound traffic.

    The service gets the cache's address in `CACHE_HOST`, `CACHE_PORT` and `CACHE_READER_PORT`,
    and `CACHE_TLS=true` with `CACHE_URL` (`rediss://host:6379`): the cache accepts TLS only.
    Outputs: `ServiceUrl` and `CacheEndpoint`.

    Example:
        network = NetworkStack(app, "NetworkStack")
        registry = RegistryStack(app, "RegistryStack")
        AppRunnerStack(app, "AppRunnerStack", vpc=network.vpc, repository=registry.api, tag="v1.0.0")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        repository: ecr.IRepository | Any | None = None,
        tag: str | None = None,
        port: int | None = None,
        snapshot_retention: Duration | None = None,
        env: Environment | None = None,
        stack_name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, str] | None = None,
        termination_protection: bool = False,
        synthesizer: IStackSynthesizer | None = None,
    ) -> None:
        """Args:
        scope: Parent construct (usually the `App`).
        construct_id: Stack id.
        vpc: The VPC (`NetworkStack.vpc`); needs private subnets with egress in two zones.
        repository: The image repository (a `ContainerRepository` or an `ecr.IRepository`);
            used only with `tag`. Defaults to none.
        tag: A tag you pushed to `repository` (the registry keeps tags immutable and never
            expires `v*`: deploy a new version by changing it). Defaults to None: the service
            runs the public sample image `public.ecr.aws/aws-containers/hello-app-runner:latest`.
        port: Port the container listens on. Defaults to 8080 with `tag`, 8000 for the sample.
        snapshot_retention: How long the cache's daily snapshots are kept, 1 to 35 days.
            Defaults to 7 days.
        env: The account and region. Defaults to environment-agnostic.
        stack_name: The CloudFormation stack name. Defaults to `construct_id`.
        description: The stack description. Defaults to none.
        tags: Tags on every resource of the stack. Defaults to none.
        termination_protection: Whether CloudFormation refuses to delete the stack. Defaults to `False`.
        synthesizer: The stack synthesizer, e.g. `DefaultStackSynthesizer(qualifier=...)` for an
            environment bootstrapped with a custom qualifier. Defaults to the app's default synthesizer.
        """
        retention = snapshot_retention if snapshot_retention is not None else Duration.days(7)
        problems = Problems("AppRunnerStack", construct_path(scope, construct_id))
        _check_web_stack(problems, vpc, repository, tag, port, retention, locals())
        problems.raise_if_any()
        super().__init__(
            scope,
            construct_id,
            env=env,
            stack_name=stack_name,
            description=description,
            tags=dict(tags) if tags else None,
            termination_protection=termination_protection,
            synthesizer=synthesizer,
        )

        if tag is not None:
            image: dict[str, Any] = {"repository": repository, "tag": tag}
        else:
            image = {"public_image": SAMPLE_IMAGE}
        self.service = AppRunnerService(
            self, "Api", **image, port=port or (8080 if tag else SAMPLE_PORT), vpc=vpc
        )
        """The App Runner service."""

        self.cache = _ValkeyCache(self, "Cache", vpc=vpc, snapshot_retention=retention, owner="App Runner")
        """The cache: `.cache` (the `CfnServerlessCache`), `.key`, `.security_group`, `.connections`."""
        self.cache.allow_from(self.service, "App Runner service to its Valkey cache")

        for name, value in self.cache.client_environment().items():
            self.service.service.add_environment_variable(name, value)

        CfnOutput(
            self,
            "ServiceUrl",
            value=f"https://{self.service.service_url}",
            description="Open or curl this URL",
        )
        CfnOutput(
            self,
            "CacheEndpoint",
            value=self.cache.endpoint_address,
            description="Valkey endpoint (TLS): 6379 primary, 6380 readers; reachable from the service only",
        )


show_signature(AppRunnerStack)
