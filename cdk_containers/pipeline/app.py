"""The delivery app: `pipeline_app.py` calls `build_delivery_app`, and so do the tests."""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import App

from cdk_containers.pipeline.config import platform_config_from_context
from cdk_containers.pipeline.pipeline_stack import DeliveryPipelineStack

__all__ = ["build_delivery_app", "pinned_cli_version"]


def pinned_cli_version(package_json: str | Path) -> str:
    """The CDK CLI version a `package.json` pins (`devDependencies["aws-cdk"]`).

    Raises:
        ValueError: The file pins no `aws-cdk`.
    """
    data = json.loads(Path(package_json).read_text(encoding="utf-8"))
    version = data.get("devDependencies", {}).get("aws-cdk") or data.get("dependencies", {}).get("aws-cdk")
    if not isinstance(version, str):
        raise ValueError(f"build_delivery_app: {package_json} pins no aws-cdk version in devDependencies")
    return version


def build_delivery_app(app: App, *, root: str | Path) -> DeliveryPipelineStack:
    """Add the delivery pipeline (and, through it, every environment's stage) to `app`.

    The configuration is the `pipeline` context (a mapping, or the path of a file) if set,
    else `<root>/pipeline.toml`; the CDK CLI version is the one `<root>/package.json` pins.

    Args:
        app: The app.
        root: The repository root.

    Returns:
        The pipeline stack, `DeliveryPipeline`.
    """
    base = Path(root)
    config = platform_config_from_context(app.node.try_get_context("pipeline"), base / "pipeline.toml")
    return DeliveryPipelineStack(
        app, "DeliveryPipeline", config=config, cli_version=pinned_cli_version(base / "package.json")
    )
