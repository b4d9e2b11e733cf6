"""ECS Express Mode: a web service from a container image, on Fargate, private by default.

`ExpressService` wraps `aws_ecs.CfnExpressGatewayService` (aws-cdk-lib has no L2 for it)
and takes the arguments of `AppRunnerService` where the concepts match, so moving a web
service off App Runner (which takes no new customers since 2026-04-30) is mostly a change
of class name. See `docs/express-mode.md`.
"""

from cdk_containers.constructs.express._options import ExpressAutoScaling, ExpressScalingMetric
from cdk_containers.constructs.express.service import ExpressService

__all__ = ["ExpressAutoScaling", "ExpressService", "ExpressScalingMetric"]
