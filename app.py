#!/usr/bin/env python3
"""The example application: `make synth` (or `npx cdk synth`) runs this file.

The AwsSolutions cdk-nag pack runs as a validation plugin, so synthesis fails on any
finding that is not acknowledged with a reason. `-c stacks=A,B` builds only those example
stacks (and the stacks they reference); `-c app_runner=true` adds `AppRunnerStack` to the
default set (App Runner takes no new customers since 2026-04-30, so it is left out by default).

`python app.py` gives the same templates as `cdk synth`, byte for byte: `cli_context()`
is the context the CLI would pass (cdk.json's feature flags, cdk.context.json, the CLI's
own settings), and it is empty when the CLI started the app and passed it already.
"""

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_containers.example_app import build_example_app
from cdk_containers.testing import cli_context

app = App(context=cli_context())
build_example_app(app)  # reads the stacks, app_runner, registry_scanning, ... context
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
