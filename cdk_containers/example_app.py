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


def _context_flag(app: App, key: str) -> bool:
    """A yes/no context value: ``-c key=true`` or ``false`` (any case), or a JSON boolean in cdk.json.

    Absent means ``False``. Anything else (``yes``, ``1``, ``ture``) is refused, naming the key,
    the value and what is allowed, rather than read as ``False`` and silently leaving a stack or
    a setting out.
    """
    value = app.node.try_get_context(key)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError(
        f"build_example_app: context {key}={value!r} is invalid: true or false "
        f"(cdk synth -c {key}=true), or leave it out for false"
    )


def build_example_app(app: App, *, only: Collection[str] | None = None) -> dict[str, Stack]:
    """Add the example stacks to ``app`` and return them by stack name.

    Args:
        app: The app to add the stacks to.
        only: Names of the stacks to build; the stacks they reference are built too
            (``EksClusterStack`` brings ``NetworkStack`` and ``RegistryStack``). Defaults to
            the names in the ``stacks`` context, comma-separated (``cdk synth -c
            stacks=RegistryStack,NetworkStack``); without it, to every example stack that any
            account can deploy: all but ``AppRunnerStack``, which joins them when the
            ``app_runner`` context is ``true``
            (``cdk synth -c app_runner=true``). App Runner takes no new customers since
            2026-04-30, so creating a service fails in an account that has never used it;
            ``ExpressServiceStack`` is the same web tier on ECS Express Mode. A stack's module is
            imported only when it is built, so building one stack imports only what it needs.

    Returns:
        Every stack of ``app`` by stack name.

    Raises:
        ValueError: ``only`` names a stack that is not an example stack, or is empty; or the
            ``app_runner`` or ``registry_scanning`` context is not ``true`` or ``false``.
    """
    env = environment_from(app)
    # read (and checked) up front: a misspelt flag is refused whichever stacks are built
    registry_scanning = _context_flag(app, "registry_scanning")
    with_app_runner = _context_flag(app, "app_runner")

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
            registry_scanning=registry_scanning,
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
    if isinstance(only, str):
        raise ValueError(
            f"build_example_app: only={only!r} is invalid: a list of stack names, such as [{only!r}]"
        )
    argument = f"only={list(only)!r}" if only is not None else ""
    from_context = app.node.try_get_context("stacks")
    if only is None and from_context is not None:
        argument = f"context stacks={from_context!r}"
        only = [name.strip() for name in str(from_context).split(",") if name.strip()]
    if only is None:
        wanted = [name for name in builders if with_app_runner or name != "AppRunnerStack"]
    else:
        wanted = list(only)
    unknown = [name for name in wanted if name not in builders]
    if unknown or not wanted:
        raise ValueError(
            f"build_example_app: {argument} is invalid: one or more of {', '.join(builders)}"
            + (f" (unknown: {', '.join(map(repr, unknown))})" if unknown else "")
        )
    for name in wanted:
        builders[name]()
    return {child.stack_name: child for child in app.node.children if isinstance(child, Stack)}
