"""Reasoned cdk-nag acknowledgements for what CDK Pipelines and CodeBuild generate.

Every acknowledgement names the finding exactly (granular `IAM5[...]` ids, computed from
the project's logical id and the stack's account and region) and sits on the narrowest
construct that has the finding: a role, a bucket, the pipeline construct for the roles CDK
Pipelines creates inside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Stack, Token, Validations
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

if TYPE_CHECKING:
    from cdk_containers.pipeline.pipeline_stack import DeliveryPipelineStack

__all__ = [
    "acknowledge",
    "acknowledge_codebuild_defaults",
    "acknowledge_pipeline",
]

_BUCKET_ACTIONS = ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:ReEncrypt*")


def acknowledge(scope: IConstruct, rules: Iterable[str], reason: str) -> None:
    """Acknowledge each AwsSolutions rule in `rules` (ids without the pack prefix) on `scope`."""
    for rule in rules:
        Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions-{rule}", reason=reason))


def acknowledge_codebuild_defaults(project: codebuild.Project) -> None:
    """Acknowledge the log-group and report-group wildcards CodeBuild grants a project's role."""
    stack = Stack.of(project)
    logical = stack.resolve(stack.get_logical_id(project.node.default_child))  # type: ignore[arg-type]
    resolved = stack.resolve(stack.partition)
    partition = resolved if isinstance(resolved, str) else "<AWS::Partition>"
    region = "<AWS::Region>" if Token.is_unresolved(stack.region) else stack.region
    account = "<AWS::AccountId>" if Token.is_unresolved(stack.account) else stack.account
    where = f"{region}:{account}"
    role = project.role
    if role is None:
        return
    acknowledge(
        role,
        [
            f"IAM5[Resource::arn:{partition}:logs:{where}:log-group:/aws/codebuild/<{logical}>:*]",
            f"IAM5[Resource::arn:{partition}:codebuild:{where}:report-group/<{logical}>-*]",
        ],
        "CodeBuild's generated policy: the wildcards are the log streams of this project's own log "
        "group and report groups whose names start with this project's name, nothing wider",
    )


def acknowledge_pipeline(stack: DeliveryPipelineStack) -> None:
    """Acknowledge the findings on the generated pipeline, each with its reason."""
    pipeline = stack.pipeline
    for child in stack.node.find_all():
        if isinstance(child, codebuild.Project):
            acknowledge_codebuild_defaults(child)

    artifacts = pipeline.pipeline.artifact_bucket
    acknowledge(
        pipeline,
        [*(f"IAM5[Action::{a}]" for a in _BUCKET_ACTIONS + _KEY_ACTIONS)],
        "aws-cdk-lib's grant action groups (grantRead/grantReadWrite on the artifact bucket, encrypt and "
        "decrypt on its key) for the roles CDK Pipelines creates; they apply only to this pipeline's "
        "artifact bucket, replication bucket and their keys",
    )
    artifacts_arn = stack.resolve(artifacts.bucket_arn)
    logical = artifacts_arn["Fn::GetAtt"][0] if isinstance(artifacts_arn, dict) else "ArtifactsBucket"
    acknowledge(
        pipeline,
        [f"IAM5[Resource::<{logical}.Arn>/*]"],
        "Pipeline artifacts are objects whose keys CodePipeline generates per execution; the wildcard "
        "covers the objects of this pipeline's own artifact bucket only",
    )
    acknowledge(
        pipeline,
        ["IAM5[Resource::*]"],
        "CDK Pipelines' generated statements: cloudformation:DescribeStacks and s3:ListBucket for the "
        "self-mutation diff, codebuild:StartBuild/BatchGetBuilds of the asset projects it creates, and "
        "KMS use of the cross-region replication key, which is referenced by alias",
    )
    acknowledge(
        pipeline,
        [f"IAM5[Resource::arn:*:iam::{stack.account}:role/*]"],
        "Self-mutation assumes the CDK bootstrap roles of the pipeline account; the statement is limited "
        "by the condition iam:ResourceTag/aws-cdk:bootstrap-role to the deploy and publishing roles",
    )
    acknowledge(
        pipeline,
        [f"IAM5[Resource::arn:aws:codebuild:{stack.region}:{stack.account}:report-group/*]"],
        "The asset-publishing projects share one role that CDK Pipelines creates; it may write test "
        "reports of its own projects, whose names CDK generates, and holds no other CodeBuild right",
    )
    acknowledge(
        pipeline,
        [f"IAM5[Resource::arn:aws:logs:{stack.region}:{stack.account}:log-group:/aws/codebuild/*]"],
        "The asset-publishing projects share one role that CDK Pipelines creates; it writes the logs of "
        "those projects, whose names CDK generates",
    )
    for support in pipeline.pipeline.cross_region_support.values():
        replication = stack.resolve(support.replication_bucket.bucket_arn)
        if isinstance(replication, str):
            acknowledge(
                pipeline,
                [f"IAM5[Resource::{replication}/*]"],
                "The cross-region replication bucket holds this pipeline's artifacts for one target "
                "region; the wildcard covers that bucket's objects only",
            )
    for scope in (stack.checks_role,):
        acknowledge(
            scope,
            [
                *(
                    f"IAM5[Action::{a}]"
                    for a in ("s3:GetBucket*", "s3:GetObject*", "s3:List*", *_KEY_ACTIONS)
                ),
                f"IAM5[Resource::<{logical}.Arn>/*]",
            ],
            "CDK Pipelines lets every step read its input artifacts: read-only grant action groups on "
            "this pipeline's own artifact bucket and its key, nothing else",
        )
    for bucket in _buckets(stack):
        acknowledge(
            bucket,
            ["S1"],
            "Pipeline artifact buckets hold only build outputs CodePipeline writes; they are private, "
            "KMS-encrypted and SSL-only, and every access is by the pipeline's own roles, recorded by "
            "CloudTrail; a server access log bucket would add a bucket to govern and nothing to audit",
        )


def _buckets(stack: DeliveryPipelineStack) -> list[s3.IBucket]:
    found: list[s3.IBucket] = [stack.pipeline.pipeline.artifact_bucket]
    found.extend(
        support.replication_bucket for support in stack.pipeline.pipeline.cross_region_support.values()
    )
    return found
