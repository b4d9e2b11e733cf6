"""`AppRunnerService`: a web service from a container image, reaching private resources through a VPC."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import jsii
from aws_cdk import Acknowledgment, Stack, Token, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._extras import require
from cdk_containers._nag import acknowledge_inline_policies
from cdk_containers._validation import Problems, construct_path, describe
from cdk_containers.constructs._web import (
    ImageSource,
    check_environment,
    check_image_source,
    check_object,
    local_repository,
)
from cdk_containers.constructs.app_runner._network import (
    _check_network,
    _make_connector,
    _make_private_ingress,
)
from cdk_containers.constructs.app_runner._options import (
    APP_RUNNER_REGIONS,
    AppRunnerAutoScaling,
    _check_size,
)

if TYPE_CHECKING:
    import aws_cdk.aws_apprunner_alpha as apprunner

__all__ = ["AppRunnerService"]

_RESERVED_ENV_PREFIX = "AWSAPPRUNNER"
_SERVICE_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{3,39}"
#: Actions the X-Ray SDK/ADOT collector needs; X-Ray offers no resource-level scoping for them.
_XRAY_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries",
)


def _alpha() -> Any:
    return require("aws_cdk.aws_apprunner_alpha", extra="apprunner", feature="AppRunnerService")


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class AppRunnerService(Construct):
    """An App Runner web service from a container image, optionally inside a VPC.

    Secure by default: the access role pulls from exactly one ECR repository, the VPC
    connector sits in private subnets with egress (public subnets are refused), X-Ray
    tracing is on, and `private=True` makes the service reachable only from inside the VPC.
    It is an `iam.IGrantable` (grants go to the instance role) and, with a VPC, an
    `ec2.IConnectable` (the connector's security group).

    Availability: since 2026-04-30 App Runner accepts no new customers; new accounts use
    `ExpressService` (ECS Express Mode), which takes the same arguments where they match.

    Example:
        service = AppRunnerService(
            self, "Api",
            repository=registry.api,          # a ContainerRepository or an ecr.IRepository
            tag="v1.2.3",
            vpc=network.vpc,                  # private-with-egress subnets by default
            health_check=apprunner.HealthCheck.http(path="/health"),
        )
        bucket.grant_read(service)
        database.connections.allow_default_port_from(service)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        repository: ecr.IRepository | Any | None = None,
        tag: str | None = None,
        digest: str | None = None,
        public_image: str | None = None,
        auto_deploy: bool | None = None,
        port: int = 8080,
        cpu: apprunner.Cpu | None = None,
        memory: apprunner.Memory | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, apprunner.Secret] | None = None,
        start_command: str | None = None,
        instance_role: iam.IRole | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        vpc_connector: apprunner.IVpcConnector | None = None,
        auto_scaling: AppRunnerAutoScaling | None = None,
        health_check: apprunner.HealthCheck | None = None,
        tracing: bool = True,
        encryption_key: kms.IKey | None = None,
        private: bool = False,
        service_name: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        repository: Private ECR source: a `ContainerRepository` (anything with a
            `.repository`) or any `ecr.IRepository`. Give this or `public_image`.
        tag: Image tag in `repository`. Defaults to `"latest"` unless `digest` is given.
        digest: Image digest (`sha256:<64 hex>`) in `repository`; pins the image. Not
            together with `tag`.
        public_image: An ECR Public image URI (`public.ecr.aws/...:tag`); no access role is
            created. Give this or `repository`.
        auto_deploy: Redeploy when the tag is pushed again. Defaults to True for a private
            ECR tag, False for a digest (True is refused with a digest) and ECR Public.
        port: Port the container listens on, 1 to 65535, known at synth. Defaults to 8080.
        cpu: vCPU per instance, an `apprunner.Cpu`. Defaults to `apprunner.Cpu.ONE_VCPU`.
        memory: Memory per instance, an `apprunner.Memory` that App Runner offers with `cpu`
            (0.25 vCPU: 0.5-1 GB; 0.5: 1 GB; 1: 2-4 GB; 2: 4-6 GB; 4: 8-12 GB). Defaults to
            `apprunner.Memory.TWO_GB`.
        environment: Plain environment variables (names to strings). Defaults to none.
        secrets: Environment variables from Secrets Manager or SSM
            (`apprunner.Secret.from_secrets_manager(...)`); the instance role may read exactly
            these. Defaults to none.
        start_command: Overrides the image's command, one non-empty line. Defaults to the
            image's command.
        instance_role: Role the running code assumes. Defaults to a new role trusted by
            `tasks.apprunner.amazonaws.com`.
        vpc: VPC the service's outbound traffic goes into (a VPC connector is created).
            Defaults to no VPC: outbound traffic goes to the internet only.
        vpc_subnets: Connector (and private ingress endpoint) subnets; private, never public
            (refused). Isolated subnets get the warning `cdk-containers:apprunner-isolated-connector`:
            the service then reaches AWS APIs only through VPC endpoints and the internet not at
            all. Defaults to the VPC's private subnets with egress.
        vpc_connector: An existing connector instead of creating one. Defaults to none.
        auto_scaling: Instance limits and concurrency. Defaults to App Runner's default
            configuration (1 to 25 instances, 100 concurrent requests).
        health_check: An `apprunner.HealthCheck` (`.http(path=...)` or `.tcp()`). Defaults to
            App Runner's TCP check.
        tracing: X-Ray tracing through an observability configuration, with the X-Ray write
            permissions on the instance role. Defaults to True.
        encryption_key: KMS key for the source image and service data. Defaults to an
            AWS-owned key.
        private: Reachable only inside `vpc`, through an interface endpoint and a VPC ingress
            connection; public access off. Defaults to False (a public HTTPS URL).
        service_name: Service name, 4 to 40 characters. Defaults to a generated name.
        """
        alpha = _alpha()
        problems = Problems("AppRunnerService", construct_path(scope, construct_id))
        source = _check_source(problems, repository, tag, digest, public_image, auto_deploy)
        _check_service(problems, scope, alpha, locals())
        _check_network(problems, vpc, vpc_subnets, vpc_connector, private)
        problems.raise_if_any()

        super().__init__(scope, construct_id)
        self.instance_role: iam.IRole = instance_role or iam.Role(
            self,
            "InstanceRole",
            assumed_by=iam.ServicePrincipal("tasks.apprunner.amazonaws.com"),
            description="Role the App Runner service's code runs as",
        )
        """The role the running code assumes (reads the given secrets, writes X-Ray traces)."""
        if instance_role is None:
            acknowledge_inline_policies(self.instance_role)
        self.access_role: iam.IRole | None = None
        """The role App Runner pulls the image with (private ECR only; pull on that one repository)."""
        image_configuration = alpha.ImageConfiguration(
            port=port,
            environment_variables=dict(environment or {}) or None,
            environment_secrets=dict(secrets or {}) or None,
            start_command=start_command,
        )
        if source.repository is not None:
            self.access_role = _access_role(self)
            app_source = alpha.Source.from_ecr(
                repository=local_repository(self, source.repository),
                tag_or_digest=source.reference,
                image_configuration=image_configuration,
            )
            auto_deploy = digest is None if auto_deploy is None else auto_deploy
        else:
            app_source = alpha.Source.from_ecr_public(
                image_identifier=source.public_image, image_configuration=image_configuration
            )
            auto_deploy = False

        self.vpc_connector: apprunner.IVpcConnector | None = vpc_connector
        """The VPC connector outbound traffic goes through, or None without a VPC."""
        if vpc_connector is None and vpc is not None:
            self.vpc_connector = _make_connector(self, alpha, vpc, vpc_subnets)
        self.observability_configuration: apprunner.ObservabilityConfiguration | None = None
        """The X-Ray observability configuration, or None with `tracing=False`."""
        if tracing:
            self.observability_configuration = _tracing(self, alpha, self.instance_role)
        self.auto_scaling_configuration: apprunner.AutoScalingConfiguration | None = None
        """The auto scaling configuration, or None for App Runner's default."""
        if auto_scaling is not None:
            self.auto_scaling_configuration = alpha.AutoScalingConfiguration(
                self,
                "AutoScaling",
                min_size=auto_scaling.min_size,
                max_size=auto_scaling.max_size,
                max_concurrency=auto_scaling.max_concurrency,
            )

        self.service: apprunner.Service = alpha.Service(
            self,
            "Service",
            source=app_source,
            access_role=self.access_role,
            instance_role=self.instance_role,
            auto_deployments_enabled=auto_deploy,
            cpu=cpu or alpha.Cpu.ONE_VCPU,
            memory=memory or alpha.Memory.TWO_GB,
            vpc_connector=self.vpc_connector,
            auto_scaling_configuration=self.auto_scaling_configuration,
            health_check=health_check,
            observability_configuration=self.observability_configuration,
            kms_key=encryption_key,
            is_publicly_accessible=not private,
            service_name=service_name,
        )
        """The underlying `aws_apprunner_alpha.Service`."""
        # The service references only the roles' ARNs, so CloudFormation could create it before
        # the roles' policies exist and the first image pull or secret read would fail.
        self.service.node.add_dependency(self.instance_role)
        if self.access_role is not None:
            self.service.node.add_dependency(self.access_role)

        self.ingress_endpoint: ec2.InterfaceVpcEndpoint | None = None
        """The `apprunner.requests` interface endpoint (`private=True` only)."""
        self.ingress_connection: apprunner.VpcIngressConnection | None = None
        """The VPC ingress connection (`private=True` only)."""
        if private and vpc is not None:
            self.ingress_endpoint, self.ingress_connection = _make_private_ingress(
                self, alpha, vpc, vpc_subnets, self.service
            )

    @property
    def service_url(self) -> str:
        """The service's HTTPS host name (without `https://`)."""
        return self.service.service_url

    @property
    def service_arn(self) -> str:
        """The service ARN."""
        return self.service.service_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The instance role: `bucket.grant_read(service)` grants to it (`iam.IGrantable`)."""
        return self.instance_role

    @property
    def connections(self) -> ec2.Connections:
        """The VPC connector's security groups (`ec2.IConnectable`).

        Raises:
            ValueError: The service has no VPC connector, hence no security group.
        """
        if self.vpc_connector is None:
            raise ValueError(
                f"AppRunnerService '{self.node.path}': connections exist only with vpc or vpc_connector; "
                "without them the service has no security group"
            )
        return self.vpc_connector.connections

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the instance role (what the running code may do)."""
        problems = Problems("AppRunnerService", construct_path(self))
        problems.check_type("add_to_role_policy(statement)", statement, iam.PolicyStatement)
        problems.raise_if_any()
        self.instance_role.add_to_principal_policy(statement)


def _access_role(scope: Construct) -> iam.Role:
    # Pull permissions on the one repository are added by Source.from_ecr's bind().
    role = iam.Role(
        scope,
        "AccessRole",
        assumed_by=iam.ServicePrincipal("build.apprunner.amazonaws.com"),
        description="Role App Runner pulls the service image with, from one repository",
    )
    acknowledge_inline_policies(role)
    Validations.of(role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ecr:GetAuthorizationToken has no resource-level permissions, so IAM requires "
                "Resource '*'; it only issues a login token. Every pull action is limited to "
                "the one repository ARN of this service."
            ),
        )
    )
    return role


def _tracing(scope: Construct, alpha: Any, instance_role: iam.IRole) -> apprunner.ObservabilityConfiguration:
    configuration: apprunner.ObservabilityConfiguration = alpha.ObservabilityConfiguration(
        scope, "Observability", trace_configuration_vendor=alpha.TraceConfigurationVendor.AWSXRAY
    )
    instance_role.add_to_principal_policy(iam.PolicyStatement(actions=list(_XRAY_ACTIONS), resources=["*"]))
    Validations.of(instance_role).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "X-Ray trace and sampling actions (PutTraceSegments, PutTelemetryRecords, "
                "GetSampling*) support no resource-level permissions; this is the scope of "
                "AWSXRayDaemonWriteAccess, which App Runner's tracing docs prescribe."
            ),
        )
    )
    return configuration


def _check_source(
    problems: Problems, repository: Any, tag: Any, digest: Any, public_image: Any, auto_deploy: Any
) -> ImageSource:
    source = check_image_source(
        problems,
        repository=repository,
        tag=tag,
        digest=digest,
        public_image=public_image,
        public_rule="an ECR Public image URI starting with 'public.ecr.aws/' (private ECR: use repository)",
        public_pattern=r"public\.ecr\.aws/",
    )
    problems.check_type("auto_deploy", auto_deploy, bool, optional=True)
    if auto_deploy is True and digest is not None and public_image is None:
        problems.add(
            "auto_deploy",
            auto_deploy,
            "False or None with digest (a digest never changes, so a push cannot redeploy it; "
            "use a tag to redeploy on push)",
        )
    if auto_deploy is True and public_image is not None:
        problems.add("auto_deploy", auto_deploy, "False or None with public_image (ECR Public cannot)")
    return source


def _check_service(problems: Problems, scope: Construct, alpha: Any, args: Mapping[str, Any]) -> None:
    """Check every argument but the image source and the network."""
    region = Stack.of(scope).region
    if not Token.is_unresolved(region):
        problems.check(
            region in APP_RUNNER_REGIONS,
            "region",
            region,
            f"a region where App Runner runs: {', '.join(sorted(APP_RUNNER_REGIONS))} "
            "(App Runner takes no new customers since 2026-04-30; consider ECS Express Mode)",
        )
    port = args["port"]
    if problems.check_known("port", port, "it is written as text into the service's image configuration"):
        problems.check_int("port", port, minimum=1, maximum=65535)
    start_command = args["start_command"]
    if start_command is not None and problems.check_str("start_command", start_command):
        problems.check(
            bool(start_command.strip()) and "\n" not in start_command and "\r" not in start_command,
            "start_command",
            start_command,
            "a non-empty command on one line (or None for the image's own command)",
        )
    _check_size(problems, args["cpu"], args["memory"], alpha)
    environment, secrets = args["environment"], args["secrets"]
    check_environment(problems, "environment", environment, reserved_prefix=_RESERVED_ENV_PREFIX)
    check_environment(problems, "secrets", secrets, reserved_prefix=_RESERVED_ENV_PREFIX, values=alpha.Secret)
    if isinstance(environment, Mapping) and isinstance(secrets, Mapping):
        for name in sorted(set(environment) & set(secrets)):
            problems.add("secrets", name, "a name not also set in environment (each variable is set once)")
    check_object(problems, "instance_role", args["instance_role"], "iam.IRole")
    check_object(problems, "encryption_key", args["encryption_key"], "kms.IKey")
    auto_scaling = args["auto_scaling"]
    if (
        problems.check_type("auto_scaling", auto_scaling, AppRunnerAutoScaling, optional=True)
        and auto_scaling
    ):
        auto_scaling._check(problems, "auto_scaling")
    health_check = args["health_check"]
    problems.check_type(
        "health_check",
        health_check,
        alpha.HealthCheck,
        optional=True,
        allowed=f"expected apprunner.HealthCheck (.http(path=...) or .tcp()), got {describe(health_check)}",
    )
    problems.check_type("tracing", args["tracing"], bool)
    service_name = args["service_name"]
    problems.check_str(
        "service_name",
        service_name,
        optional=True,
        pattern=_SERVICE_NAME,
        allowed="4 to 40 letters, digits, '-' or '_', starting with a letter or digit",
    )
