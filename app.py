#!/usr/bin/env python3
"""The example application: ``make synth`` (or ``npx cdk synth``) runs this file.

The AwsSolutions cdk-nag pack runs as a validation plugin, so synthesis fails
on any finding that is not acknowledged with a reason. ``-c stacks=A,B`` builds
only those example stacks (and the stacks they reference).
"""

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app

app = App()
only = app.node.try_get_context("stacks")
build_example_app(app, only=str(only).split(",") if only else None)
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
