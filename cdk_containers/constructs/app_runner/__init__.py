"""App Runner: a web service from a container image, reaching private resources through a VPC.

`AppRunnerService` builds on `aws_cdk.aws_apprunner_alpha` (the `apprunner` extra; imported
when a service is built, never when this package is imported) and fixes what its defaults
and docs get wrong for production use: the VPC connector goes into private subnets with
egress (the alpha README's example uses public subnets, where a connector has no route
out: aws/apprunner-roadmap#167); the ECR access role may pull from exactly one
repository; X-Ray tracing is on by default; every argument is checked up front.

Availability: since 2026-04-30 App Runner accepts no new customers (existing customers
keep it); AWS points new users to ECS Express Mode, see `ExpressService`.
"""

from cdk_containers.constructs.app_runner._options import APP_RUNNER_REGIONS, AppRunnerAutoScaling
from cdk_containers.constructs.app_runner.service import AppRunnerService

__all__ = ["APP_RUNNER_REGIONS", "AppRunnerAutoScaling", "AppRunnerService"]
