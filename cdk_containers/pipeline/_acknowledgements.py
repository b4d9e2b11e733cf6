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

from cdk_containers._kms import limit_grants_to_aws_services
from cdk_containers._nag import (
    HIPAA,
    NIST,
    PCI,
    acknowledge_control,
    acknowledge_inline_policies,
    acknowledge_rules,
)

if TYPE_CHECKING:
    from cdk_containers.pipeline.pipeline_stack import DeliveryPipelineStack

__all__ = [
    "SOURCE_URL_REASON",
    "VPC_POLICY_REASON",
    "acknowledge",
    "acknowledge_codebuild_defaults",
    "acknowledge_pipeline",
]

#: Why the packs' IAMNoInlinePolicy is accepted on the policy aws-cdk-lib gives a CodeBuild project in a VPC.
VPC_POLICY_REASON = (
    "aws-cdk-lib writes the network permissions CodeBuild needs to run this project in its VPC "
    "(ENI creation conditioned on the project's subnets) into a policy of this project's role alone; "
    "no other principal can be given it"
)
#: cdk-nag's CodeBuildProjectSourceRepoUrl fails every project whose source has no OAUTH auth block.
SOURCE_URL_REASON = (
    "False positive: the rule flags every project without an OAUTH source auth, but this project's source "
    "is CodePipeline's artifact (or none), not a GitHub or Bitbucket URL; the repository is reached "
    "through a CodeConnections connection, so no credential is in any URL"
)
#: Why the artifact buckets keep no server access log (AwsSolutions-S1 and the packs' logging rules).
_BUCKET_LOGGING_REASON = (
    "Pipeline artifact buckets hold only build outputs CodePipeline writes; they are private, "
    "KMS-encrypted and SSL-only, and every access is by the pipeline's own roles, recorded by "
    "CloudTrail; a server access log bucket would add a bucket to govern and nothing to audit"
)
_BUCKET_ACKNOWLEDGEMENTS = {
    "S3BucketReplicationEnabled": (
        "Pipeline artifacts are rebuilt from the source commit by re-running the pipeline, and each "
        "target region already gets its own replication bucket from CDK Pipelines; a second copy of "
        "build outputs in another region would protect nothing that cannot be rebuilt"
    ),
}
_BUCKET_CONTROLS = {
    "s3_bucket_object_lock_enabled_check": (
        "CodePipeline writes new artifact objects per execution and the lifecycle rule must expire old "
        "versions; object lock would keep every artifact for its whole retention and block that, while "
        "versioning already keeps a replaced object recoverable"
    ),
    "s3_event_notifications_enabled_check": (
        "No consumer exists for object events of the artifact bucket: CodePipeline tracks its own "
        "artifacts, and CloudTrail records every access by the pipeline's roles"
    ),
}
#: Non-current artifact versions are kept this many days (versioning on, for integrity).
ARTIFACT_VERSION_DAYS = 30

_BUCKET_ACTIONS = ("s3:Abort*", "s3:DeleteObject*", "s3:GetBucket*", "s3:GetObject*", "s3:List*")
_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:ReEncrypt*")


def acknowledge(scope: IConstruct, rules: Iterable[str], reason: str) -> None:
    """Acknowledge each AwsSolutions rule in `rules` (ids without the pack prefix) on `scope`."""
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=f"AwsSolutions-{rule}", reason=reason) for rule in rules)
    )


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
        # the checks stacks' projects are acknowledged where they are made (checks.py)
        if isinstance(child, codebuild.Project) and Stack.of(child) is stack:
            acknowledge_rules(child, SOURCE_URL_REASON, "CodeBuildProjectSourceRepoUrl", packs=(HIPAA, PCI))
    acknowledge_inline_policies(pipeline)
    acknowledge_inline_policies(stack.checks_role)

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
        acknowledge(bucket, ["S1"], _BUCKET_LOGGING_REASON)
        acknowledge_rules(bucket, _BUCKET_LOGGING_REASON, "S3BucketLoggingEnabled", packs=(NIST, HIPAA, PCI))
        acknowledge_control(bucket, _BUCKET_LOGGING_REASON, "s3_bucket_logging_enabled_check")
        for rule, reason in _BUCKET_ACKNOWLEDGEMENTS.items():
            acknowledge_rules(bucket, reason, rule, packs=(NIST, HIPAA, PCI))
        for control, reason in _BUCKET_CONTROLS.items():
            acknowledge_control(bucket, reason, control)


def harden_artifact_buckets(stack: DeliveryPipelineStack) -> None:
    """Versioning, a lifecycle rule and the key-grant limit on CDK Pipelines' artifact buckets.

    CDK Pipelines creates the buckets and their keys (the pipeline's and one per target region
    for cross-region replication) and exposes them only as interfaces; the settings go on their
    CloudFormation resources. Versioning keeps a replaced artifact recoverable (integrity of
    what is deployed), the lifecycle rule keeps `ARTIFACT_VERSION_DAYS` of old versions.
    """
    for bucket in _buckets(stack):
        resource = bucket.node.default_child
        if not isinstance(resource, s3.CfnBucket):  # an imported bucket: nothing of ours to set
            raise TypeError(f"{bucket.node.path}: the pipeline's artifact bucket is not a bucket of this app")
        resource.versioning_configuration = s3.CfnBucket.VersioningConfigurationProperty(status="Enabled")
        resource.lifecycle_configuration = s3.CfnBucket.LifecycleConfigurationProperty(
            rules=[
                s3.CfnBucket.RuleProperty(
                    id="ExpireOldArtifactVersions",
                    status="Enabled",
                    noncurrent_version_expiration=s3.CfnBucket.NoncurrentVersionExpirationProperty(
                        noncurrent_days=ARTIFACT_VERSION_DAYS
                    ),
                    abort_incomplete_multipart_upload=s3.CfnBucket.AbortIncompleteMultipartUploadProperty(
                        days_after_initiation=7
                    ),
                )
            ]
        )
        if bucket.encryption_key is not None:
            limit_grants_to_aws_services(bucket.encryption_key)


def _buckets(stack: DeliveryPipelineStack) -> list[s3.IBucket]:
    found: list[s3.IBucket] = [stack.pipeline.pipeline.artifact_bucket]
    found.extend(
        support.replication_bucket for support in stack.pipeline.pipeline.cross_region_support.values()
    )
    return found
