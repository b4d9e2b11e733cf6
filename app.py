#!/usr/bin/env python3
"""The example application: ``make synth`` (or ``npx cdk synth``) runs this file.

The AwsSolutions cdk-nag pack runs as a validation plugin, so synthesis fails
on any finding that is not acknowledged with a reason.
"""

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app

app = App()
build_example_app(app)
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
