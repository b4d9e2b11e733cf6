"""App Runner: a web service from a container image, reaching private resources through a VPC.

:class:`AppRunnerService` builds on ``aws_cdk.aws_apprunner_alpha`` and fixes
what its defaults and docs get wrong for production use:

* the VPC connector goes into private subnets *with egress* (the alpha README's
  example uses public subnets, where a connector has no route out:
  aws/apprunner-roadmap#167), and public subnets are refused;
* the ECR access role may pull from exactly one repository (no
  ``AWSAppRunnerServicePolicyForECRAccess``);
* X-Ray tracing is on by default;
* every argument is validated up front with one clear ``ValueError``.

Availability: since 2026-04-30 App Runner accepts no new customers (existing
customers keep it); AWS points new users to ECS Express Mode
(``aws_ecs.CfnExpressGatewayService``). See ``docs/app-runner.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import aws_cdk.aws_apprunner_alpha as apprunner
from aws_cdk import Acknowledgment, Duration, Stack, Token, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._validation import Problems, construct_path, is_token
from cdk_containers.constructs.ecr import HasRepository

__all__ = [
    "APP_RUNNER_REGIONS",
    "APP_RUNNER_CPU_MEMORY",
    "AppRunnerAutoScaling",
    "AppRunnerHealthCheck",
    "AppRunnerService",
]

#: Regions where App Runner runs (AWS docs, 2026-11).
APP_RUNNER_REGIONS: frozenset[str] = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "us-east-1",
        "us-east-2",
        "us-west-2",
    }
)

#: Valid App Runner instance sizes: vCPU -> allowed memory (canonical unit strings).
APP_RUNNER_CPU_MEMORY: Mapping[str, tuple[str, ...]] = {
    "0.25 vCPU": ("0.5 GB", "1 GB"),
    "0.5 vCPU": ("1 GB",),
    "1 vCPU": ("2 GB", "3 GB", "4 GB"),
    "2 vCPU": ("4 GB", "6 GB"),
    "4 vCPU": ("8 GB", "10 GB", "12 GB"),
}

_CPU_ALIASES = {"256": "0.25 vCPU", "512": "0.5 vCPU", "1024": "1 vCPU", "2048": "2 vCPU", "4096": "4 vCPU"}
_MEMORY_ALIASES = {
    "512": "0.5 GB",
    "1024": "1 GB",
    "2048": "2 GB",
    "3072": "3 GB",
    "4096": "4 GB",
    "6144": "6 GB",
    "8192": "8 GB",
    "10240": "10 GB",
    "12288": "12 GB",
}
_CPUS = {
    "0.25 vCPU": apprunner.Cpu.QUARTER_VCPU,
    "0.5 vCPU": apprunner.Cpu.HALF_VCPU,
    "1 vCPU": apprunner.Cpu.ONE_VCPU,
    "2 vCPU": apprunner.Cpu.TWO_VCPU,
    "4 vCPU": apprunner.Cpu.FOUR_VCPU,
}
_MEMORIES = {
    "0.5 GB": apprunner.Memory.HALF_GB,
    "1 GB": apprunner.Memory.ONE_GB,
    "2 GB": apprunner.Memory.TWO_GB,
    "3 GB": apprunner.Memory.THREE_GB,
    "4 GB": apprunner.Memory.FOUR_GB,
    "6 GB": apprunner.Memory.SIX_GB,
    "8 GB": apprunner.Memory.EIGHT_GB,
    "10 GB": apprunner.Memory.TEN_GB,
    "12 GB": apprunner.Memory.TWELVE_GB,
}

_RESERVED_ENV_PREFIX = "AWSAPPRUNNER"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$")

#: Actions the X-Ray SDK/ADOT collector needs; X-Ray offers no resource-level scoping for them.
_XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)


@dataclass(frozen=True, kw_only=True)
class AppRunnerAutoScaling:
    """Auto scaling of an App Runner service.

    Attributes:
        min_size: Instances kept provisioned, 1 to 25. Defaults to 1.
        max_size: Most instances, 1 to 25 and >= ``min_size``. Defaults to 25.
        max_concurrency: Concurrent requests per instance before scaling out, 1 to 200.
            Defaults to 100.
    """

    min_size: int = 1
    max_size: int = 25
    max_concurrency: int = 100

    def problems(self, argument: str = "auto_scaling") -> list[str]:
        """Every problem with these settings, formatted for :class:`Problems`."""
        problems = Problems("AppRunnerAutoScaling", "")
        problems.check(
            1 <= self.min_size <= 25, f"{argument}.min_size", self.min_size, "an integer from 1 to 25"
        )
        problems.check(
            1 <= self.max_size <= 25, f"{argument}.max_size", self.max_size, "an integer from 1 to 25"
        )
        if not is_token(self.min_size) and not is_token(self.max_size):
            problems.check(
                self.min_size <= self.max_size,
                f"{argument}.min_size",
                self.min_size,
                f"at most max_size ({self.max_size})",
            )
        problems.check(
            1 <= self.max_concurrency <= 200,
            f"{argument}.max_concurrency",
            self.max_concurrency,
            "an integer from 1 to 200",
        )
        return problems.messages


@dataclass(frozen=True, kw_only=True)
class AppRunnerHealthCheck:
    """How App Runner decides an instance is healthy.

    Use :meth:`http` or :meth:`tcp`.

    Attributes:
        protocol: ``"HTTP"`` (GET ``path`` must answer 200) or ``"TCP"`` (the port accepts
            connections). Defaults to ``"TCP"``, App Runner's own default.
        path: HTTP path, starting with ``/``. Defaults to ``"/"``.
        interval_seconds: Seconds between checks, 1 to 20. Defaults to 5.
        timeout_seconds: Seconds to wait for an answer, 1 to 20. Defaults to 2.
        healthy_threshold: Consecutive successes to become healthy, 1 to 20. Defaults to 1.
        unhealthy_threshold: Consecutive failures to become unhealthy, 1 to 20. Defaults to 5.
    """

    protocol: Literal["HTTP", "TCP"] = "TCP"
    path: str = "/"
    interval_seconds: int = 5
    timeout_seconds: int = 2
    healthy_threshold: int = 1
    unhealthy_threshold: int = 5

    @classmethod
    def http(
        cls,
        path: str = "/",
        *,
        interval_seconds: int = 5,
        timeout_seconds: int = 2,
        healthy_threshold: int = 1,
        unhealthy_threshold: int = 5,
    ) -> AppRunnerHealthCheck:
        """An HTTP health check: GET ``path`` must answer 200."""
        return cls(
            protocol="HTTP",
            path=path,
            interval_seconds=interval_seconds,
            timeout_seconds=timeout_seconds,
            healthy_threshold=healthy_threshold,
            unhealthy_threshold=unhealthy_threshold,
        )

    @classmethod
    def tcp(
        cls,
        *,
        interval_seconds: int = 5,
        timeout_seconds: int = 2,
        healthy_threshold: int = 1,
        unhealthy_threshold: int = 5,
    ) -> AppRunnerHealthCheck:
        """A TCP health check: the service port must accept connections."""
        return cls(
            protocol="TCP",
            interval_seconds=interval_seconds,
            timeout_seconds=timeout_seconds,
            healthy_threshold=healthy_threshold,
            unhealthy_threshold=unhealthy_threshold,
        )

    def problems(self, argument: str = "health_check") -> list[str]:
        """Every problem with these settings, formatted for :class:`Problems`."""
        problems = Problems("AppRunnerHealthCheck", "")
        problems.check(
            self.protocol in ("HTTP", "TCP"), f"{argument}.protocol", self.protocol, "'HTTP' or 'TCP'"
        )
        if self.protocol == "HTTP":
            problems.check(
                isinstance(self.path, str) and self.path.startswith("/"),
                f"{argument}.path",
                self.path,
                "an HTTP path starting with '/', e.g. '/health'",
            )
        for name in ("interval_seconds", "timeout_seconds", "healthy_threshold", "unhealthy_threshold"):
            value = getattr(self, name)
            problems.check(1 <= value <= 20, f"{argument}.{name}", value, "an integer from 1 to 20")
        return problems.messages

    def bind(self) -> apprunner.HealthCheck:
        """The alpha ``HealthCheck`` these settings describe."""
        if self.protocol == "HTTP":
            return apprunner.HealthCheck.http(
                path=self.path,
                interval=Duration.seconds(self.interval_seconds),
                timeout=Duration.seconds(self.timeout_seconds),
                healthy_threshold=self.healthy_threshold,
                unhealthy_threshold=self.unhealthy_threshold,
            )
        return apprunner.HealthCheck.tcp(
            interval=Duration.seconds(self.interval_seconds),
            timeout=Duration.seconds(self.timeout_seconds),
            healthy_threshold=self.healthy_threshold,
            unhealthy_threshold=self.unhealthy_threshold,
        )


def _unit(value: object, aliases: Mapping[str, str]) -> str:
    """The canonical unit string of a ``Cpu``/``Memory`` or a string form of one."""
    text = value.unit if isinstance(value, (apprunner.Cpu, apprunner.Memory)) else str(value)
    text = " ".join(text.split())
    return aliases.get(text, text)


class AppRunnerService(Construct):
    """An App Runner web service from a container image, optionally inside a VPC.

    Secure by default: the access role pulls from exactly one ECR repository,
    the VPC connector sits in private subnets with egress (public subnets are
    refused), X-Ray tracing is on, and ``private=True`` makes the service
    reachable only from inside the VPC.

    Example:
        service = AppRunnerService(
            self, "Api",
            repository=registry.api,          # a ContainerRepository or an ecr.IRepository
            tag="v1.2.3",
            port=8080,
            vpc=network.vpc,                  # private-with-egress subnets by default
            health_check=AppRunnerHealthCheck.http("/health"),
        )
        service.connections.allow_to(database, ec2.Port.tcp(5432))
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: ecr.IRepository | HasRepository | None = None,
        tag: str | None = None,
        digest: str | None = None,
        public_image: str | None = None,
        auto_deploy: bool | None = None,
        port: int = 8080,
        cpu: apprunner.Cpu | str = "1 vCPU",
        memory: apprunner.Memory | str = "2 GB",
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, apprunner.Secret] | None = None,
        start_command: str | None = None,
        instance_role: iam.IRole | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        vpc_connector: apprunner.IVpcConnector | None = None,
        auto_scaling: AppRunnerAutoScaling | None = None,
        health_check: AppRunnerHealthCheck | None = None,
        tracing: bool = True,
        encryption_key: kms.IKey | None = None,
        private: bool = False,
        service_name: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        repository: Private ECR source: a ``ContainerRepository`` (anything with a
            ``.repository``) or an ``ecr.IRepository``. Give this or ``public_image``.
        tag: Image tag in ``repository``. Defaults to ``"latest"`` unless ``digest`` is given.
        digest: Image digest (``sha256:<64 hex>``) in ``repository``; pins the image. Not
            together with ``tag``.
        public_image: An ECR Public image URI (``public.ecr.aws/...:tag``); no access role
            is created. Give this or ``repository``.
        auto_deploy: Redeploy when the tag is pushed again. Defaults to True for a private
            ECR tag, False for a digest (True is refused with a digest); ECR Public does not
            support it.
        port: Port the container listens on, 1 to 65535. Defaults to 8080.
        cpu: vCPU per instance (``apprunner.Cpu`` or ``"1 vCPU"``/``"1024"``). Defaults to 1 vCPU.
        memory: Memory per instance (``apprunner.Memory`` or ``"2 GB"``/``"2048"``), a valid pair
            with ``cpu`` (see ``APP_RUNNER_CPU_MEMORY``). Defaults to 2 GB.
        environment: Plain environment variables. Defaults to none.
        secrets: Environment variables from Secrets Manager or SSM
            (``apprunner.Secret.from_secrets_manager(...)``); the instance role may read
            exactly these. Defaults to none.
        start_command: Overrides the image's command, one non-empty line. Defaults to the image's.
        instance_role: Role the running code assumes. Defaults to a new role trusted by
            ``tasks.apprunner.amazonaws.com``; add permissions with :meth:`add_to_role_policy`.
        vpc: VPC the service's outbound traffic goes into (a VPC connector is created).
            Defaults to no VPC: outbound traffic goes to the internet only.
        vpc_subnets: Connector subnets; private with egress, never public. Defaults to the
            VPC's private-with-egress subnets.
        vpc_connector: An existing connector instead of creating one. Defaults to none.
        auto_scaling: Instance limits and concurrency. Defaults to App Runner's default
            configuration (1 to 25 instances, 100 concurrent requests).
        health_check: Health check. Defaults to App Runner's TCP check.
        tracing: X-Ray tracing via an observability configuration, with the X-Ray write
            permissions on the instance role. Defaults to True.
        encryption_key: KMS key for the source image and service data. Defaults to an
            AWS-owned key.
        private: Reachable only inside ``vpc`` through an interface endpoint and a VPC
            ingress connection; public access off. Defaults to False (public HTTPS URL).
        service_name: Service name, 4 to 40 characters. Defaults to a generated name.
        """
        path = construct_path(scope, construct_id)
        problems = Problems("AppRunnerService", path)

        region = Stack.of(scope).region
        if not Token.is_unresolved(region):
            problems.check(
                region in APP_RUNNER_REGIONS,
                "region",
                region,
                f"a region where App Runner runs: {', '.join(sorted(APP_RUNNER_REGIONS))} "
                "(App Runner takes no new customers since 2026-04-30; consider ECS Express Mode)",
            )

        ecr_repository = self._validate_source(problems, repository, tag, digest, public_image, auto_deploy)

        problems.check(
            isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535,
            "port",
            port,
            "an integer from 1 to 65535",
        )
        if start_command is not None:
            problems.check(
                bool(start_command.strip()) and "\n" not in start_command and "\r" not in start_command,
                "start_command",
                start_command,
                "a non-empty command on one line (or None for the image's own command)",
            )
        cpu_unit = _unit(cpu, _CPU_ALIASES)
        memory_unit = _unit(memory, _MEMORY_ALIASES)
        if problems.check(cpu_unit in APP_RUNNER_CPU_MEMORY, "cpu", cpu_unit, f"one of {list(_CPUS)}"):
            allowed = APP_RUNNER_CPU_MEMORY[cpu_unit]
            problems.check(
                memory_unit in allowed,
                "memory",
                memory_unit,
                f"with cpu {cpu_unit!r} one of {list(allowed)}",
            )

        env = dict(environment or {})
        secret_env = dict(secrets or {})
        for argument, names in (("environment", env), ("secrets", secret_env)):
            for name in names:
                problems.check(
                    bool(name) and not name.startswith(_RESERVED_ENV_PREFIX),
                    argument,
                    name,
                    "variable names that are not empty and do not start with AWSAPPRUNNER (reserved)",
                )
        for name in sorted(set(env) & set(secret_env)):
            problems.add("secrets", name, "a name not also set in environment (each variable is set once)")

        self._validate_network(problems, vpc, vpc_subnets, vpc_connector, private)
        if auto_scaling is not None:
            problems.extend(auto_scaling.problems())
        if health_check is not None:
            problems.extend(health_check.problems())
        if service_name is not None:
            problems.check(
                bool(_SERVICE_NAME.match(service_name)),
                "service_name",
                service_name,
                "4 to 40 letters, digits, '-' or '_', starting with a letter or digit",
            )
        problems.raise_if_any()

        super().__init__(scope, construct_id)

        self.instance_role: iam.IRole = instance_role or iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("tasks.apprunner.amazonaws.com"),
            description="Role the App Runner service's code runs as",
        )
        """The role the running code assumes (reads the given secrets, writes X-Ray traces)."""

        image_configuration = apprunner.ImageConfiguration(
            port=port,
            environment_variables=env or None,
            environment_secrets=secret_env or None,
            start_command=start_command,
        )
        self.access_role: iam.IRole | None = None
        """The role App Runner pulls the image with (private ECR only; pull on that one repository)."""
        if ecr_repository is not None:
            ecr_repository = self._local_repository(ecr_repository)
            access_role = iam.Role(
                self,
                "AccessRole",
                assumed_by=iam.ServicePrincipal("build.apprunner.amazonaws.com"),
                description="Role App Runner pulls the service image with, from one repository",
            )
            Validations.of(access_role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason=(
                        "ecr:GetAuthorizationToken has no resource-level permissions, so IAM requires "
                        "Resource '*'; it only issues a login token. Every pull action is limited to "
                        "the one repository ARN of this service."
                    ),
                )
            )
            self.access_role = access_role
            source: apprunner.Source = apprunner.Source.from_ecr(
                repository=ecr_repository,
                tag_or_digest=digest or tag or "latest",
                image_configuration=image_configuration,
            )
            if auto_deploy is None:
                auto_deploy = digest is None
        else:
            source = apprunner.Source.from_ecr_public(
                image_identifier=str(public_image), image_configuration=image_configuration
            )
            auto_deploy = False

        self.vpc_connector: apprunner.IVpcConnector | None = vpc_connector
        """The VPC connector outbound traffic goes through, or None without a VPC."""
        if vpc_connector is None and vpc is not None:
            security_group = ec2.SecurityGroup(
                self,
                "ConnectorSecurityGroup",
                vpc=vpc,
                description="App Runner VPC connector: outbound traffic of the service into the VPC",
                allow_all_outbound=True,
            )
            Validations.of(security_group).acknowledge(
                Acknowledgment(
                    id="Annotation::@aws-cdk/aws-ec2:ipv4IgnoreEgressRule",
                    reason=(
                        "The connector security group allows all outbound traffic on purpose (the "
                        "service reaches the internet through NAT); the egress half of "
                        "connections.allow_to(...) is therefore already allowed and skipped."
                    ),
                )
            )
            self.vpc_connector = apprunner.VpcConnector(
                self,
                "VpcConnector",
                vpc=vpc,
                vpc_subnets=vpc_subnets
                or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                security_groups=[security_group],
            )

        self.observability_configuration: apprunner.ObservabilityConfiguration | None = None
        """The X-Ray observability configuration, or None with ``tracing=False``."""
        if tracing:
            self.observability_configuration = apprunner.ObservabilityConfiguration(
                self, "Observability", trace_configuration_vendor=apprunner.TraceConfigurationVendor.AWSXRAY
            )
            self.instance_role.add_to_principal_policy(
                iam.PolicyStatement(actions=list(_XRAY_ACTIONS), resources=["*"])
            )
            Validations.of(self.instance_role).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-IAM5[Resource::*]",
                    reason=(
                        "X-Ray trace and sampling actions (PutTraceSegments, PutTelemetryRecords, "
                        "GetSampling*) support no resource-level permissions; this is the scope of "
                        "AWSXRayDaemonWriteAccess, which App Runner's tracing docs prescribe."
                    ),
                )
            )

        self.auto_scaling_configuration: apprunner.AutoScalingConfiguration | None = None
        """The auto scaling configuration, or None for App Runner's default."""
        if auto_scaling is not None:
            self.auto_scaling_configuration = apprunner.AutoScalingConfiguration(
                self,
                "AutoScaling",
                min_size=auto_scaling.min_size,
                max_size=auto_scaling.max_size,
                max_concurrency=auto_scaling.max_concurrency,
            )

        self.service = apprunner.Service(
            self,
            "Service",
            source=source,
            access_role=self.access_role,
            instance_role=self.instance_role,
            auto_deployments_enabled=auto_deploy,
            cpu=_CPUS[cpu_unit],
            memory=_MEMORIES[memory_unit],
            vpc_connector=self.vpc_connector,
            auto_scaling_configuration=self.auto_scaling_configuration,
            health_check=health_check.bind() if health_check is not None else None,
            observability_configuration=self.observability_configuration,
            kms_key=encryption_key,
            is_publicly_accessible=not private,
            service_name=service_name,
        )
        """The underlying ``aws_apprunner_alpha.Service``."""
        # The service references only the roles' ARNs, so CloudFormation could create it before
        # the roles' policies exist and the first image pull or secret read would fail.
        self.service.node.add_dependency(self.instance_role)
        if self.access_role is not None:
            self.service.node.add_dependency(self.access_role)

        self.ingress_endpoint: ec2.InterfaceVpcEndpoint | None = None
        """The ``apprunner.requests`` interface endpoint (``private=True`` only)."""
        self.ingress_connection: apprunner.VpcIngressConnection | None = None
        """The VPC ingress connection (``private=True`` only)."""
        if private and vpc is not None:
            self.ingress_endpoint = ec2.InterfaceVpcEndpoint(
                self,
                "IngressEndpoint",
                vpc=vpc,
                service=ec2.InterfaceVpcEndpointAwsService.APP_RUNNER_REQUESTS,
                subnets=vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                private_dns_enabled=False,
            )
            self.ingress_connection = apprunner.VpcIngressConnection(
                self,
                "IngressConnection",
                vpc=vpc,
                interface_vpc_endpoint=self.ingress_endpoint,
                service=self.service,
            )

    def _local_repository(self, repository: ecr.IRepository) -> ecr.IRepository:
        """The repository as seen from this stack.

        A repository from another stack of the same environment is re-imported by name:
        its URI is then built from this stack's account and region and the referenced name,
        instead of Fn::Split over the other stack's exported ARN; cfn-lint rejects
        Fn::GetStackOutput inside Fn::Split (E1022), and the name-based ARN is identical.
        """
        here, there = Stack.of(self), Stack.of(repository)
        if here is there or here.account != there.account or here.region != there.region:
            return repository
        return ecr.Repository.from_repository_name(self, "SourceRepository", repository.repository_name)

    @staticmethod
    def _validate_source(
        problems: Problems,
        repository: ecr.IRepository | HasRepository | None,
        tag: str | None,
        digest: str | None,
        public_image: str | None,
        auto_deploy: bool | None,
    ) -> ecr.IRepository | None:
        """Check the image source; return the private ECR repository, if any."""
        ecr_repository: ecr.IRepository | None = None
        if repository is not None:
            ecr_repository = repository.repository if isinstance(repository, HasRepository) else repository
        if (repository is None) == (public_image is None):
            problems.add(
                "repository/public_image",
                (repository is not None, public_image),
                "exactly one: a private ECR repository or an ECR Public image URI",
            )
        if tag is not None and digest is not None:
            problems.add("tag/digest", (tag, digest), "a tag or a digest, not both")
        if tag is not None:
            problems.check(bool(_TAG.match(tag)), "tag", tag, "an ECR tag: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
        if digest is not None:
            problems.check(
                bool(_DIGEST.match(digest)), "digest", digest, "'sha256:' and 64 lowercase hex digits"
            )
            if auto_deploy and public_image is None:
                problems.add(
                    "auto_deploy",
                    auto_deploy,
                    "False or None with digest (a digest never changes, so a push cannot redeploy it; "
                    "use a tag to redeploy on push)",
                )
        if public_image is not None:
            problems.check(
                public_image.startswith("public.ecr.aws/"),
                "public_image",
                public_image,
                "an ECR Public image URI starting with 'public.ecr.aws/' (private ECR: use repository)",
            )
            if tag is not None or digest is not None:
                problems.add("tag/digest", (tag, digest), "none with public_image (put the tag in the URI)")
            if auto_deploy:
                problems.add(
                    "auto_deploy", auto_deploy, "False or None with public_image (ECR Public cannot)"
                )
        return ecr_repository

    @staticmethod
    def _validate_network(
        problems: Problems,
        vpc: ec2.IVpc | None,
        vpc_subnets: ec2.SubnetSelection | None,
        vpc_connector: apprunner.IVpcConnector | None,
        private: bool,
    ) -> None:
        """Check the VPC connector and private ingress settings."""
        if vpc_subnets is not None and (vpc is None or vpc_connector is not None):
            problems.add(
                "vpc_subnets", vpc_subnets, "only with vpc and no vpc_connector (it places the connector)"
            )
        if private and vpc is None:
            problems.add("private", private, "True only with vpc (the ingress endpoint lives in the VPC)")
        if vpc is None or vpc_connector is not None:
            return
        selection = vpc_subnets or ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)
        try:
            selected = vpc.select_subnets(
                subnet_type=selection.subnet_type,
                subnet_group_name=selection.subnet_group_name,
                subnets=selection.subnets,
                availability_zones=selection.availability_zones,
                one_per_az=selection.one_per_az,
                subnet_filters=selection.subnet_filters,
            )
        except RuntimeError as error:
            problems.add(
                "vpc_subnets",
                selection.subnet_type or selection.subnet_group_name,
                f"subnets that exist in the VPC ({error})",
            )
            return
        if selected.has_public:
            problems.add(
                "vpc_subnets",
                selection.subnet_type or selection.subnet_group_name or "public subnets",
                "private subnets with a NAT route (PRIVATE_WITH_EGRESS); a VPC connector in public "
                "subnets has no egress (aws/apprunner-roadmap#167)",
            )

    @property
    def service_url(self) -> str:
        """The service's HTTPS host name (without ``https://``)."""
        return self.service.service_url

    @property
    def service_arn(self) -> str:
        """The service ARN."""
        return self.service.service_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The instance role, for ``grant_*`` methods: ``bucket.grant_read(service.grant_principal)``."""
        return self.instance_role

    @property
    def connections(self) -> ec2.Connections:
        """Security groups of the VPC connector: ``service.connections.allow_to(db, port)``."""
        if self.vpc_connector is None:
            raise ValueError(
                f"AppRunnerService '{self.node.path}': connections exist only with vpc or vpc_connector; "
                "without them the service has no security group"
            )
        return self.vpc_connector.connections

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the instance role (what the running code may do)."""
        self.instance_role.add_to_principal_policy(statement)
