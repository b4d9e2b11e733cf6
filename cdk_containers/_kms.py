"""Key-policy hardening shared by every KMS key the library creates."""

from __future__ import annotations

from typing import TypeVar

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

__all__ = ["limit_grants_to_aws_services"]

_Key = TypeVar("_Key", bound=kms.IKey)


def limit_grants_to_aws_services(key: _Key) -> _Key:
    """Deny `kms:CreateGrant` on `key` unless an AWS service creates the grant, and return `key`.

    AWS Control Tower's proactive control CT.KMS.PR.3: a grant is a delegation that outlives the
    policy review, so only integrated services (EKS, EBS, EFS, FSx, ElastiCache, AWS Backup),
    which create grants for the resources they encrypt (`kms:GrantIsForAWSResource`), or service
    principals themselves (`aws:PrincipalIsAWSService`) may create one. The EBS and FSx CSI
    controllers' own `kms:CreateGrant` permission is already conditioned on
    `kms:GrantIsForAWSResource`, so volume encryption keeps working.
    """
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="DenyGrantsExceptForAwsResources",
            effect=iam.Effect.DENY,
            principals=[iam.AnyPrincipal()],
            actions=["kms:CreateGrant"],
            resources=["*"],
            conditions={
                "BoolIfExists": {"kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false"}
            },
        )
    )
    return key
