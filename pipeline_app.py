#!/usr/bin/env python3
"""The delivery app: `make synth-pipeline` runs this file into cdk.out.pipeline/.

It reads the platform configuration (`pipeline.toml`, or the file or mapping in the
`pipeline` context: `-c pipeline=other.toml`), builds the self-mutating pipeline that
delivers the platform to every configured environment, and runs the AwsSolutions cdk-nag
pack over everything, like app.py. See docs/pipeline.md.
"""

from pathlib import Path

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.pipeline.app import build_delivery_app

app = App()
build_delivery_app(app, root=Path(__file__).resolve().parent)
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
