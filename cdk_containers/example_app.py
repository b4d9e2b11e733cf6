"""The example application: every example stack, wired together.

``app.py`` calls :func:`build_example_app`, and so do the tests, so the stacks
that ``cdk synth`` deploys are exactly the stacks the compliance gates check.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from aws_cdk import App, Environment, Stack

if TYPE_CHECKING:
    from cdk_containers.stacks import (
        AppRunnerStack,
        EksClusterStack,
        ExpressServiceStack,
        NetworkStack,
        RegistryStack,
    )

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


def build_example_app(app: App, *, only: Collection[str] | None = None) -> dict[str, Stack]:
    """Add the example stacks to ``app`` and return them by stack name.

    Args:
        app: The app to add the stacks to.
        only: Names of the stacks to build; the stacks they reference are built too
            (``EksClusterStack`` brings ``NetworkStack`` and ``RegistryStack``). ``app.py``
            takes it from the ``stacks`` context: ``cdk synth -c stacks=RegistryStack``.
            Defaults to every example stack that any account can deploy: all but
            ``AppRunnerStack``, which joins them when the ``app_runner`` context is ``true``
            (``cdk synth -c app_runner=true``). App Runner takes no new customers since
            2026-04-30, so creating a service fails in an account that has never used it;
            ``ExpressServiceStack`` is the same web tier on ECS Express Mode. A stack's module is
            imported only when it is built, so building one stack imports only what it needs.
    """
    env = environment_from(app)

    @functools.cache
    def network() -> NetworkStack:
        from cdk_containers.stacks.network import NetworkStack

        return NetworkStack(app, "NetworkStack", env=env)

    @functools.cache
    def registry() -> RegistryStack:
        from cdk_containers.stacks.registry import RegistryStack

        return RegistryStack(
            app,
            "RegistryStack",
            prefix=app.node.try_get_context("prefix"),
            registry_scanning=str(app.node.try_get_context("registry_scanning")).lower() == "true",
            env=env,
        )

    @functools.cache
    def eks_cluster() -> EksClusterStack:
        from cdk_containers.stacks.eks_cluster import EksClusterStack

        prefixes = registry().pull_through_cache.repository_prefixes
        admin_arns = str(app.node.try_get_context("admin_role_arns") or "")
        return EksClusterStack(
            app,
            "EksClusterStack",
            vpc=network().vpc,
            pull_repositories=[r.repository for r in registry().repositories],
            pull_through_prefixes=list(prefixes),
            admin_role_arns=[arn.strip() for arn in admin_arns.split(",") if arn.strip()],
            env=env,
        )

    # The web services run the registry's api image only when context names a tag that was
    # pushed (-c api_tag=v1.0.0); otherwise a public sample image, so a first deploy works.
    api_tag = app.node.try_get_context("api_tag")

    @functools.cache
    def app_runner() -> AppRunnerStack:
        from cdk_containers.stacks.app_runner import AppRunnerStack

        return AppRunnerStack(
            app,
            "AppRunnerStack",
            vpc=network().vpc,
            repository=registry().api if api_tag else None,
            tag=api_tag,
            env=env,
        )

    @functools.cache
    def express_service() -> ExpressServiceStack:
        from cdk_containers.stacks.express import ExpressServiceStack

        return ExpressServiceStack(
            app,
            "ExpressServiceStack",
            vpc=network().vpc,
            repository=registry().api if api_tag else None,
            tag=api_tag,
            env=env,
        )

    builders: dict[str, Callable[[], Stack]] = {
        "NetworkStack": network,
        "RegistryStack": registry,
        "EksClusterStack": eks_cluster,
        "AppRunnerStack": app_runner,
        "ExpressServiceStack": express_service,
    }
    if only is None:
        with_app_runner = str(app.node.try_get_context("app_runner")).lower() == "true"
        wanted = [name for name in builders if with_app_runner or name != "AppRunnerStack"]
    else:
        wanted = list(only)
    unknown = [name for name in wanted if name not in builders]
    if unknown or not wanted:
        raise ValueError(
            f"build_example_app: only={list(wanted)!r} is invalid: one or more of {', '.join(builders)}"
        )
    for name in wanted:
        builders[name]()
    return {child.stack_name: child for child in app.node.children if isinstance(child, Stack)}
