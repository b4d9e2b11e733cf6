#!/usr/bin/env python3
"""The delivery app: `make synth-pipeline` runs this file into cdk.out.pipeline/.

It reads the platform configuration (`pipeline.toml`, or the file or mapping in the
`pipeline` context: `-c pipeline=other.toml`), builds the self-mutating pipeline that
delivers the platform to every configured environment, and runs the AwsSolutions cdk-nag
pack over everything, like app.py. The CDK CLI version the pipeline installs is the one
package.json pins. See docs/pipeline.md.
"""

import json
from pathlib import Path

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.pipeline import DeliveryPipelineStack, platform_config_from_context

ROOT = Path(__file__).resolve().parent

app = App()
config = platform_config_from_context(app.node.try_get_context("pipeline"), ROOT / "pipeline.toml")
cli_version = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["devDependencies"]["aws-cdk"]
DeliveryPipelineStack(app, "DeliveryPipeline", config=config, cli_version=cli_version)
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
