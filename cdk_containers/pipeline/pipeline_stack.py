"""DeliveryPipelineStack: CDK Pipelines delivers the platform to every configured environment."""

from __future__ import annotations

from typing import Any

from aws_cdk import Environment, RemovalPolicy, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers._validation import Problems, construct_path
from cdk_containers.pipeline._acknowledgements import acknowledge_pipeline, harden_artifact_buckets
from cdk_containers.pipeline.checks import (
    ChecksRunner,
    check_invoker_role_name,
    internal_service_healthy_step,
    nodes_ready_step,
    service_healthy_step,
)
from cdk_containers.pipeline.config import PlatformConfig
from cdk_containers.pipeline.stage import PlatformStage

__all__ = ["DeliveryPipelineStack"]

#: Python for the synth step (CodeBuild standard:7.0 has 3.11 and 3.12). Its Node.js 20 only runs
#: npm, which installs the Node.js and CDK CLI that package.json pins.
SYNTH_PYTHON = "3.12"


class DeliveryPipelineStack(Stack):
    """A self-mutating CDK pipeline that delivers the platform wave by wave, with checks.

    What it creates, in the pipeline account and region:

    * a `pipelines.CodePipeline` (V2) whose source is a CodeConnections repository; its synth
      step installs the pinned toolchain (`make setup`: Python packages from pyproject.toml,
      Node.js and the CDK CLI from package.json) and runs `make <synth_target>`, the target
      users run; it updates itself before it deploys anything;
    * one pipeline stage per wave, in `pipeline.waves` order, each deploying its environments
      (a `PlatformStage` each) in parallel, with a manual approval first for the waves in
      `pipeline.approval_before`;
    * after each environment: the service health check (with a web tier: from the pipeline
      account for App Runner's public URL, from inside the VPC for Express Mode's internal
      one) and the in-VPC nodes-Ready check (with EKS); a failed check fails the wave and
      stops the pipeline;
    * cross-account artifact encryption (`cross_account_keys`, key rotation on) and a role,
      `<name_prefix>-pipeline-checks`, that the environments' checks stacks trust;
    * CodeBuild logs in one log group with a customer key and a retention.

    Example:
        config = load_platform_config("pipeline.toml")
        DeliveryPipelineStack(app, "DeliveryPipeline", config=config, cli_version="2.1148.1")
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PlatformConfig,
        cli_version: str,
        synth_target: str = "synth-pipeline",
        synth_output: str = "cdk.out.pipeline",
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: Parent construct (the app).
        construct_id: Stack id.
        config: The platform configuration; checked here, every problem at once.
        cli_version: The CDK CLI version the self-mutation and asset steps install (the
            version pinned in package.json).
        synth_target: The `make` target the synth step runs. Defaults to `"synth-pipeline"`.
        synth_output: The directory that target writes the cloud assembly to. Defaults to
            `"cdk.out.pipeline"`.
        log_retention: How long CodeBuild logs are kept. Defaults to one year (the Control Tower
            control CT.CLOUDWATCH.PR.2 asks for at least 365 days).
        **kwargs: Passed to `aws_cdk.Stack`; `env` comes from `config.pipeline`.
        """
        problems = Problems("DeliveryPipelineStack", construct_path(scope, construct_id))
        if problems.check_type("config", config, PlatformConfig):
            config._check(problems)
        problems.check_str(
            "cli_version", cli_version, pattern=r"\d+\.\d+\.\d+", allowed="a version like 2.1148.1"
        )
        problems.check_str("synth_target", synth_target, pattern=r"[\w.-]+", allowed="a make target name")
        problems.check_str("synth_output", synth_output, pattern=r"[\w.-]+", allowed="a directory name")
        problems.check_type("log_retention", log_retention, logs.RetentionDays)
        problems.check("env" not in kwargs, "env", kwargs.get("env"), "no env: it comes from config.pipeline")
        problems.raise_if_any()
        settings = config.pipeline
        super().__init__(
            scope, construct_id, env=Environment(account=settings.account, region=settings.region), **kwargs
        )
        self.config = config
        """The configuration the pipeline delivers."""

        self.logs_encryption_key = logs_encryption_key(
            self,
            "LogsKey",
            description="Encrypts the delivery pipeline's CodeBuild logs",
            removal_policy=RemovalPolicy.RETAIN,
        )
        """The customer managed key of the CodeBuild log group."""
        self.log_group = logs.LogGroup(
            self, "BuildLogs", retention=log_retention, encryption_key=self.logs_encryption_key
        )
        """Every CodeBuild project of the pipeline logs here."""

        runner = ChecksRunner(account=settings.account, role_name=f"{settings.name_prefix}-pipeline-checks")
        self.checks_role = iam.Role(
            self,
            "ChecksRole",
            role_name=runner.role_name,
            description="Runs the post-deploy checks; may assume each environment's check invoker role",
            assumed_by=iam.ServicePrincipal(
                "codebuild.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": settings.account}},
            ),
        )
        """The role the check steps run as; each environment's invoker role trusts exactly it."""
        invokers = [
            f"arn:{self.partition}:iam::{e.account}:role/{check_invoker_role_name(e)}"
            for e in config.environments
            if e.features.eks or e.features.web == "express"
        ]
        if invokers:
            self.checks_role.add_to_policy(
                iam.PolicyStatement(actions=["sts:AssumeRole"], resources=invokers)
            )

        source = pipelines.CodePipelineSource.connection(
            settings.repository, settings.branch, connection_arn=settings.connection_arn, trigger_on_push=True
        )
        synth = pipelines.CodeBuildStep(
            "Synth",
            input=source,
            install_commands=["make setup"],
            commands=[f"make {synth_target}"],
            primary_output_directory=synth_output,
            partial_build_spec=codebuild.BuildSpec.from_object(
                {"phases": {"install": {"runtime-versions": {"python": SYNTH_PYTHON, "nodejs": "20"}}}}
            ),
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=f"{settings.name_prefix}-platform",
            synth=synth,
            cross_account_keys=True,
            enable_key_rotation=True,
            self_mutation=True,
            cli_version=cli_version,
            publish_assets_in_parallel=False,
            code_build_defaults=pipelines.CodeBuildOptions(
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                    compute_type=codebuild.ComputeType.SMALL,
                ),
                logging=codebuild.LoggingOptions(
                    cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=self.log_group)
                ),
            ),
        )
        """The CDK pipeline."""

        self.stages: dict[str, PlatformStage] = {}
        """The stage of every environment, by environment name."""
        for wave_name in settings.waves:
            pre: list[pipelines.Step] = []
            if wave_name in settings.approval_before:
                pre.append(
                    pipelines.ManualApprovalStep(
                        f"PromoteTo-{wave_name}",
                        comment=f"Deploy to {wave_name}: the earlier waves deployed and passed their checks.",
                    )
                )
            wave = self.pipeline.add_wave(wave_name, pre=pre)
            for environment in config.in_wave(wave_name):
                stage = PlatformStage(
                    self,
                    f"{environment.name_prefix}-{environment.name}",
                    environment=environment,
                    checks_runner=runner,
                )
                self.stages[environment.name] = stage
                post: list[pipelines.Step] = []
                service_url = stage.service_url_output
                if service_url is not None and not stage.service_url_is_internal:
                    post.append(service_healthy_step(environment, service_url))
                elif service_url is not None and stage.checks is not None:
                    post.append(
                        internal_service_healthy_step(environment, service_url, runner_role=self.checks_role)
                    )
                if stage.checks is not None and stage.checks.nodes_project is not None:
                    post.append(nodes_ready_step(environment, runner_role=self.checks_role))
                wave.add_stage(stage, post=post)

        self.pipeline.build_pipeline()
        harden_artifact_buckets(self)
        acknowledge_pipeline(self)
