"""Delivery of the platform to many accounts and regions with CDK Pipelines.

* `PlatformConfig` (with `PipelineConfig`, `EnvironmentConfig`, `CapacityConfig`,
  `FeaturesConfig`): the typed configuration, read from `pipeline.toml` (or JSON, or the
  `pipeline` key of the cdk.json context) by `load_platform_config` and
  `platform_config_from_context`, every problem reported at once;
* `PlatformStage`: the example stacks for one environment;
* `DeliveryPipelineStack`: the self-mutating pipeline, wave by wave, with post-deploy checks;
* `EnvironmentChecksStack`, `ChecksRunner`: the in-account half of the in-VPC checks (nodes
  Ready; an internal Express Mode endpoint answers);
* `build_delivery_app`: what `pipeline_app.py` (`make synth-pipeline`) builds.

See docs/pipeline.md.
"""

from cdk_containers.pipeline.app import build_delivery_app, pinned_cli_version
from cdk_containers.pipeline.checks import ChecksRunner, EnvironmentChecksStack
from cdk_containers.pipeline.config import (
    CapacityConfig,
    EnvironmentConfig,
    FeaturesConfig,
    PipelineConfig,
    PlatformConfig,
    load_platform_config,
    platform_config_from_context,
)
from cdk_containers.pipeline.pipeline_stack import DeliveryPipelineStack
from cdk_containers.pipeline.stage import PlatformStage

__all__ = [
    "CapacityConfig",
    "ChecksRunner",
    "DeliveryPipelineStack",
    "EnvironmentChecksStack",
    "EnvironmentConfig",
    "FeaturesConfig",
    "PipelineConfig",
    "PlatformConfig",
    "PlatformStage",
    "build_delivery_app",
    "load_platform_config",
    "pinned_cli_version",
    "platform_config_from_context",
]
