"""A customer managed key for CloudWatch Logs, shared by every log group the library creates."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services

__all__ = ["logs_encryption_key"]


def logs_encryption_key(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    log_group_name: str = "*",
    removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
) -> kms.Key:
    """A rotating key that CloudWatch Logs may use only for log groups of this account and region.

    The key policy follows the CloudWatch Logs user guide ("Encrypt log data in CloudWatch Logs
    using AWS KMS"): the regional logs service principal, conditioned on the encryption context
    naming a log group of this account and region (`log_group_name`, `*` for any).

    Args:
        scope: Parent construct.
        construct_id: Construct id of the key.
        description: The key's description.
        log_group_name: The one log group that may use the key. Defaults to any (`*`).
        removal_policy: Defaults to `RemovalPolicy.RETAIN`: logs encrypted with it stay readable.
    """
    stack = Stack.of(scope)
    key = limit_grants_to_aws_services(
        kms.Key(
            scope,
            construct_id,
            description=description,
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
    )
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                        service="logs",
                        resource="log-group",
                        resource_name=log_group_name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                }
            },
        )
    )
    return key
