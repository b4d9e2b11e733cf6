"""PlatformStage: the example stacks for one environment, built from its configuration."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Environment, Stack, Stage
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.pipeline.checks import ChecksRunner, EnvironmentChecksStack
from cdk_containers.pipeline.config import EnvironmentConfig
from cdk_containers.stacks import (
    AppRunnerStack,
    EksClusterStack,
    ExpressServiceStack,
    NetworkStack,
    RegistryStack,
)

__all__ = ["PlatformStage"]


class PlatformStage(Stage):
    """The platform's example stacks for one environment (one account and region).

    What it creates, in the environment's account and region:

    * `NetworkStack` over the configured zones and CIDR;
    * `RegistryStack`;
    * `EksClusterStack` (when `features.eks`), with cluster-admin access for the
      configured admin roles;
    * the web tier `features.web` names: `AppRunnerStack` (`"app-runner"`) or
      `ExpressServiceStack` (`"express"`, for accounts App Runner does not take);
    * `ChecksStack` (when `checks_runner` is given and there is something to check from
      inside the VPC: the cluster, or the Express Mode service's internal endpoint): the
      in-VPC projects that prove the cluster's nodes are Ready and the internal service
      answers, and the role the pipeline assumes to start them (see
      `EnvironmentChecksStack`).

    Stack names are `<name_prefix>-<name>-<stack>`, so copies with different prefixes live
    side by side. The configured zones are given to CDK as the answer of its
    Availability-Zone lookup, so synthesis needs no credentials.

    Example:
        stage = PlatformStage(app, "dev", environment=config.environment("dev"))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: EnvironmentConfig,
        checks_runner: ChecksRunner | None = None,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: Parent construct (the app, or the pipeline stack).
        construct_id: Stage id.
        environment: The environment's configuration; checked here.
        checks_runner: The role in the pipeline account that runs the post-deploy checks;
            the checks stack trusts it. Defaults to no checks stack.
        **kwargs: Passed to `aws_cdk.Stage` (`outdir`, ...); `env` comes from `environment`.
        """
        problems = Problems("PlatformStage", construct_path(scope, construct_id))
        if problems.check_type("environment", environment, EnvironmentConfig):
            environment._check(problems, "environment")
        problems.check_type("checks_runner", checks_runner, ChecksRunner, optional=True)
        problems.check("env" not in kwargs, "env", kwargs.get("env"), "no env: it comes from `environment`")
        problems.raise_if_any()

        super().__init__(
            scope,
            construct_id,
            env=Environment(account=environment.account, region=environment.region),
            **kwargs,
        )
        self.environment = environment
        """The configuration this stage was built from."""
        # The answer to CDK's Availability-Zone lookup for this account and region: a VPC in
        # an environment-specific stack then uses exactly these zones, and synthesis makes no
        # AWS call. Context must be set before the stacks exist.
        self.node.set_context(
            f"availability-zones:account={environment.account}:region={environment.region}",
            list(environment.availability_zones),
        )

        built: dict[str, Stack] = {}
        self.network = NetworkStack(
            self, "NetworkStack", **_stack_arguments("NetworkStack", environment, built)
        )
        """The VPC."""
        built["NetworkStack"] = self.network
        self.registry = RegistryStack(
            self, "RegistryStack", **_stack_arguments("RegistryStack", environment, built)
        )
        """The repositories and registry settings."""
        built["RegistryStack"] = self.registry
        self.eks_cluster: EksClusterStack | None = None
        """The EKS cluster, when `features.eks` is on."""
        if environment.features.eks:
            self.eks_cluster = EksClusterStack(
                self, "EksClusterStack", **_stack_arguments("EksClusterStack", environment, built)
            )
            built["EksClusterStack"] = self.eks_cluster
        self.app_runner: AppRunnerStack | None = None
        """The App Runner service, when `features.web` is `"app-runner"`."""
        if environment.features.web == "app-runner":
            self.app_runner = AppRunnerStack(
                self, "AppRunnerStack", **_stack_arguments("AppRunnerStack", environment, built)
            )
            built["AppRunnerStack"] = self.app_runner
        self.express: ExpressServiceStack | None = None
        """The ECS Express Mode service, when `features.web` is `"express"`."""
        if environment.features.web == "express":
            self.express = ExpressServiceStack(
                self, "ExpressServiceStack", **_stack_arguments("ExpressServiceStack", environment, built)
            )
            built["ExpressServiceStack"] = self.express

        self.checks: EnvironmentChecksStack | None = None
        """The in-account half of the post-deploy checks, when something is checked from the VPC."""
        if checks_runner is not None and (self.eks_cluster is not None or self.express is not None):
            self.checks = EnvironmentChecksStack(
                self,
                "ChecksStack",
                stack_name=_stack_name(environment, "checks"),
                vpc=self.network.vpc,
                cluster=self.eks_cluster.eks if self.eks_cluster is not None else None,
                service_check=self.express is not None,
                environment=environment,
                runner=checks_runner,
            )

    @property
    def web(self) -> AppRunnerStack | ExpressServiceStack | None:
        """The web tier's stack (App Runner or Express Mode), or `None` without one."""
        return self.app_runner or self.express

    @property
    def service_url_output(self) -> CfnOutput | None:
        """The web tier's `ServiceUrl` output (`https://` and the endpoint), or `None` without one.

        Both web stacks name it `ServiceUrl`: App Runner's is public, Express Mode's is the
        internal load balancer's endpoint, reachable only from inside the VPC.
        """
        web = self.web
        if web is None:
            return None
        output = web.node.try_find_child("ServiceUrl")
        return output if isinstance(output, CfnOutput) else None

    @property
    def service_url_is_internal(self) -> bool:
        """Whether the service URL answers only inside the VPC (Express Mode's internal endpoint)."""
        return self.express is not None


def _stack_name(environment: EnvironmentConfig, stack: str) -> str:
    return f"{environment.name_prefix}-{environment.name}-{stack}"


def _stack_arguments(stack: str, environment: EnvironmentConfig, built: dict[str, Stack]) -> dict[str, Any]:
    """The constructor arguments of one example stack for one environment.

    The only place that maps configuration onto stack arguments: when a stack's signature
    changes, this function changes. `built` holds the stacks built so far (the network
    before the registry before the cluster and the service).

    Every configured value is a stack argument; nothing is patched into the templates.
    """
    arguments: dict[str, Any] = {"stack_name": _stack_name(environment, stack.removesuffix("Stack").lower())}
    if stack == "NetworkStack":
        arguments.update(
            cidr=environment.cidr,
            max_azs=len(environment.availability_zones),
            nat_gateways=environment.capacity.nat_gateways,
        )
    elif stack == "RegistryStack":
        arguments.update(
            prefix=f"{environment.name_prefix}-{environment.name}".lower(),
            registry_scanning=environment.features.registry_scanning,
        )
    elif stack == "EksClusterStack":
        network, registry = built["NetworkStack"], built["RegistryStack"]
        assert isinstance(network, NetworkStack)
        assert isinstance(registry, RegistryStack)
        arguments.update(
            vpc=network.vpc,
            pull_repositories=[r.repository for r in registry.repositories],
            pull_through_prefixes=registry.pull_through_cache.repository_prefixes,
            admin_role_arns=list(environment.admin_role_arns),
            node_min_size=environment.capacity.node_min_size,
            node_max_size=environment.capacity.node_max_size,
            batch_min_size=environment.capacity.batch_min_size,
            batch_max_size=environment.capacity.batch_max_size,
        )
    elif stack in ("AppRunnerStack", "ExpressServiceStack"):
        network, registry = built["NetworkStack"], built["RegistryStack"]
        assert isinstance(network, NetworkStack)
        assert isinstance(registry, RegistryStack)
        arguments.update(vpc=network.vpc, repository=registry.api.repository)
    return arguments
