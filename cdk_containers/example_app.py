"""The example application: every example stack, wired together.

``app.py`` calls :func:`build_example_app`, and so do the tests, so the stacks
that ``cdk synth`` deploys are exactly the stacks the compliance gates check.
"""

from __future__ import annotations

import os

from aws_cdk import App, Environment, Stack

from cdk_containers.stacks import AppRunnerStack, EksClusterStack, NetworkStack, RegistryStack

__all__ = ["build_example_app", "environment_from"]


def environment_from(app: App) -> Environment | None:
    """The deployment environment the user asked for, or ``None`` (agnostic).

    The account and region come from the ``account``/``region`` context
    (``cdk synth -c account=... -c region=...``), else from
    ``CDK_DEFAULT_ACCOUNT``/``CDK_DEFAULT_REGION`` only when
    ``CDK_CONTAINERS_USE_DEFAULT_ENV=1``: the CLI sets those variables from any
    credentials it finds, and an explicit environment makes synth look up
    Availability Zones in the account, which needs credentials. Environment-
    agnostic stacks synthesize anywhere.
    """
    account = app.node.try_get_context("account")
    region = app.node.try_get_context("region")
    if os.environ.get("CDK_CONTAINERS_USE_DEFAULT_ENV") == "1":
        account = account or os.environ.get("CDK_DEFAULT_ACCOUNT")
        region = region or os.environ.get("CDK_DEFAULT_REGION")
    if account is None and region is None:
        return None
    return Environment(account=account, region=region)


def build_example_app(app: App) -> dict[str, Stack]:
    """Add every example stack to ``app`` and return them by stack name."""
    env = environment_from(app)
    network = NetworkStack(app, "NetworkStack", env=env)
    registry = RegistryStack(app, "RegistryStack", env=env)
    eks_cluster = EksClusterStack(
        app,
        "EksClusterStack",
        vpc=network.vpc,
        pull_repositories=[r.repository for r in registry.repositories],
        env=env,
    )
    app_runner = AppRunnerStack(
        app, "AppRunnerStack", vpc=network.vpc, repository=registry.api.repository, env=env
    )
    stacks: list[Stack] = [network, registry, eks_cluster, app_runner]
    return {stack.stack_name: stack for stack in stacks}
