"""`ExpressService`: a web service on ECS Express Mode, private by default."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs._web import (
    ImageSource,
    check_environment,
    check_image_source,
    check_object,
    local_repository,
)
from cdk_containers.constructs.express._options import ExpressAutoScaling, _check_size
from cdk_containers.constructs.express._parts import (
    _acknowledge_login_token,
    _check_network,
    _execution_role,
    _infrastructure_role,
    _log_group,
    _task_role,
)

__all__ = ["ExpressService"]

_SERVICE_NAME = r"[A-Za-z][A-Za-z0-9_-]{0,254}"
_PRIVATE_ECR = re.compile(r"^\d{12}\.dkr\.ecr\.")
_RESERVED_ENV_PREFIX = "ECS_"


@jsii.implements(iam.IGrantable, ec2.IConnectable)
class ExpressService(Construct):
    """A web service on Amazon ECS Express Mode (`AWS::ECS::ExpressGatewayService`).

    Express Mode turns an image into an HTTPS service on Fargate, and creates on your behalf,
    with the infrastructure role: an Application Load Balancer (shared by up to 25 Express
    services with the same network), its HTTPS listener, listener rules and target groups,
    an ACM certificate for the endpoint, the load balancer's security group, an Application
    Auto Scaling target with a target-tracking policy, a task definition, the ECS service and
    alarms that roll back a failed deployment.

    This construct adds what it should not choose for you: tasks in private subnets behind an
    internal load balancer (`private=False` for a public endpoint), a task security group that
    admits only what Express Mode opens for its load balancer, an execution role that may pull
    from exactly one repository and write exactly one log group (retained, with a retention and
    a customer managed key), a separate task role for the application (`iam.IGrantable`), and a
    cluster with Container Insights unless you pass yours. It takes the same arguments as
    `AppRunnerService` where the concepts match.

    Example:
        service = ExpressService(
            self, "Api",
            repository=registry.api, tag="v1.2.3",
            vpc=network.vpc,
            health_check_path="/health",
            auto_scaling=ExpressAutoScaling(min_size=2, max_size=10),
        )
        bucket.grant_read(service)
        database.connections.allow_default_port_from(service)
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        repository: ecr.IRepository | Any | None = None,
        tag: str | None = None,
        digest: str | None = None,
        public_image: str | None = None,
        port: int = 8080,
        cpu: int = 1024,
        memory_limit_mib: int = 2048,
        environment: Mapping[str, str] | None = None,
        secrets: Mapping[str, ecs.Secret] | None = None,
        command: Sequence[str] | None = None,
        health_check_path: str | None = None,
        task_role: iam.IRole | None = None,
        infrastructure_role: iam.IRole | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        private: bool = True,
        cluster: ecs.ICluster | None = None,
        auto_scaling: ExpressAutoScaling | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_YEAR,
        logs_encryption_key: kms.IKey | None = None,
        service_name: str | None = None,
    ) -> None:
        """Args:
        scope: Parent construct.
        construct_id: Construct id.
        vpc: The VPC the tasks and the load balancer run in. Required.
        repository: Private ECR source: a `ContainerRepository` (anything with a
            `.repository`) or any `ecr.IRepository`. Give this or `public_image`.
        tag: Image tag in `repository`. Defaults to `"latest"` unless `digest` is given.
        digest: Image digest (`sha256:<64 hex>`) in `repository`. Not together with `tag`.
        public_image: A public image URI (`public.ecr.aws/...`, `docker.io/...`); the tasks
            pull it through NAT. Give this or `repository`.
        port: Port the container listens on, 1 to 65535. Defaults to 8080.
        cpu: CPU units per task (256, 512, 1024, 2048 or 4096; 1024 is 1 vCPU), known at
            synth. Defaults to 1024.
        memory_limit_mib: Memory per task in MiB, a Fargate size for `cpu` (for 1024: 2048 to
            8192 in steps of 1024), known at synth. Defaults to 2048.
        environment: Plain environment variables (names to strings); never secrets.
            Defaults to none.
        secrets: Environment variables from Secrets Manager or SSM Parameter Store
            (`ecs.Secret.from_secrets_manager(...)`, `ecs.Secret.from_ssm_parameter(...)`);
            the execution role may read exactly these. Defaults to none.
        command: Overrides the image's command, a list of strings. Defaults to the image's.
        health_check_path: The HTTP path the load balancer checks, starting with `/`; it must
            answer 200. Defaults to Express Mode's default, `/`.
        task_role: Role the running code assumes. Defaults to a new role trusted by
            `ecs-tasks.amazonaws.com` with no permissions; grant to the service.
        infrastructure_role: Role Express Mode manages the service's resources with. Defaults
            to a new role trusted by `ecs.amazonaws.com` with the AWS managed policy
            `AmazonECSInfrastructureRoleforExpressGatewayServices`.
        vpc_subnets: Subnets for the tasks and the load balancer, in two or more zones.
            Defaults to the VPC's private subnets with egress (public subnets with
            `private=False`).
        private: Whether the endpoint is internal (reachable only from the VPC and what is
            connected to it). Defaults to True; False makes an internet-facing endpoint.
        cluster: The ECS cluster. Defaults to a new cluster in `vpc` with Container Insights.
        auto_scaling: Task limits, metric and target. Defaults to Express Mode's own:
            1 to 20 tasks, 60% average CPU.
        log_retention: How long the service's logs are kept. Defaults to one year (PCI DSS 10.7 and
            AWS Control Tower's CT.CLOUDWATCH.PR.2 ask for at least 365 days).
        logs_encryption_key: Customer managed key for the log group. Defaults to a new key
            with yearly rotation that CloudWatch Logs may use for this account's log groups.
        service_name: Service name, up to 255 letters, digits, `-` and `_`, starting with a
            letter. ECS keeps the names of deleted services, so a fixed name blocks a redeploy
            after `cdk destroy`. Defaults to a name CloudFormation generates.
        """
        problems = Problems("ExpressService", construct_path(scope, construct_id))
        source = _check_source(problems, repository, tag, digest, public_image)
        _check_service(problems, locals())
        subnet_ids = _check_network(problems, vpc, vpc_subnets, private)
        problems.raise_if_any()

        super().__init__(scope, construct_id)
        self.cluster: ecs.ICluster = cluster or ecs.Cluster(
            self, "Cluster", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )
        """The cluster the service runs in (the given one, or a new one with Container Insights)."""
        self.execution_role: iam.Role = _execution_role(self)
        """The role ECS starts the tasks with: pulls the image, writes the log group, reads the secrets."""
        self.task_role: iam.IRole = task_role or _task_role(self)
        """The role the application runs as (`grant_principal`)."""
        self.infrastructure_role: iam.IRole = infrastructure_role or _infrastructure_role(self)
        """The role Express Mode creates the load balancer, certificate and scaling policies with."""
        self.log_group, self.logs_encryption_key = _log_group(self, log_retention, logs_encryption_key)
        self.log_group.grant_write(self.execution_role)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Express Mode tasks: inbound only what Express Mode opens for its load balancer",
            allow_all_outbound=True,
        )
        """The tasks' security group; Express Mode admits its load balancer on `port`."""
        self._connections = ec2.Connections(
            security_groups=[self.security_group], default_port=ec2.Port.tcp(port)
        )

        if source.repository is not None:
            ecr_repository = local_repository(self, source.repository)
            ecr_repository.grant_pull(self.execution_role)
            _acknowledge_login_token(self.execution_role)
            image = (
                ecr_repository.repository_uri_for_digest(digest)
                if digest is not None
                else ecr_repository.repository_uri_for_tag(source.reference)
            )
        else:
            image = str(source.public_image)
        for secret in (secrets or {}).values():
            secret.grant_read(self.execution_role)

        scaling = auto_scaling or ExpressAutoScaling()
        self.service = ecs.CfnExpressGatewayService(
            self,
            "Service",
            cluster=self.cluster.cluster_name,
            cpu=str(cpu),
            memory=str(memory_limit_mib),
            execution_role_arn=self.execution_role.role_arn,
            infrastructure_role_arn=self.infrastructure_role.role_arn,
            task_role_arn=self.task_role.role_arn,
            health_check_path=health_check_path,
            network_configuration=ecs.CfnExpressGatewayService.ExpressGatewayServiceNetworkConfigurationProperty(
                security_groups=[self.security_group.security_group_id], subnets=subnet_ids
            ),
            primary_container=ecs.CfnExpressGatewayService.ExpressGatewayContainerProperty(
                image=image,
                container_port=port,
                command=list(command) if command else None,
                environment=[
                    ecs.CfnExpressGatewayService.KeyValuePairProperty(name=k, value=v)
                    for k, v in sorted((environment or {}).items())
                ]
                or None,
                secrets=[
                    ecs.CfnExpressGatewayService.SecretProperty(name=k, value_from=s.arn)
                    for k, s in sorted((secrets or {}).items())
                ]
                or None,
                aws_logs_configuration=ecs.CfnExpressGatewayService.ExpressGatewayServiceAwsLogsConfigurationProperty(
                    log_group=self.log_group.log_group_name, log_stream_prefix="ecs"
                ),
            ),
            scaling_target=ecs.CfnExpressGatewayService.ExpressGatewayScalingTargetProperty(
                min_task_count=scaling.min_size,
                max_task_count=scaling.max_size,
                auto_scaling_metric=scaling.metric.value,
                auto_scaling_target_value=scaling.target_value,
            ),
            service_name=service_name,
        )
        """The underlying `aws_ecs.CfnExpressGatewayService`."""
        # The service references only the roles' ARNs; without these dependencies CloudFormation
        # could start it before the roles' policies exist, and the first pull or log write fails.
        for role in (self.execution_role, self.task_role, self.infrastructure_role):
            self.service.node.add_dependency(role)

    @property
    def service_arn(self) -> str:
        """The service ARN."""
        return self.service.attr_service_arn

    @property
    def service_url(self) -> str:
        """The endpoint host name Express Mode assigns (HTTPS; without `https://`)."""
        return self.service.attr_endpoint

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The task role: `bucket.grant_read(service)` grants to it (`iam.IGrantable`)."""
        return self.task_role

    @property
    def connections(self) -> ec2.Connections:
        """The tasks' security group, default port `port` (`ec2.IConnectable`)."""
        return self._connections

    def add_to_role_policy(self, statement: iam.PolicyStatement) -> None:
        """Add a statement to the task role (what the running code may do)."""
        problems = Problems("ExpressService", construct_path(self))
        problems.check_type("add_to_role_policy(statement)", statement, iam.PolicyStatement)
        problems.raise_if_any()
        self.task_role.add_to_principal_policy(statement)


def _check_source(
    problems: Problems, repository: Any, tag: Any, digest: Any, public_image: Any
) -> ImageSource:
    source = check_image_source(
        problems,
        repository=repository,
        tag=tag,
        digest=digest,
        public_image=public_image,
        public_rule="a public image URI such as 'public.ecr.aws/org/image:tag' or 'docker.io/library/nginx'",
        public_pattern=r"[a-z0-9][^\s]*",
    )
    if isinstance(public_image, str) and _PRIVATE_ECR.match(public_image):
        problems.add(
            "public_image",
            public_image,
            "a public image; for a private ECR image pass the repository (and tag or digest), "
            "so the execution role may pull from it",
        )
    return source


def _check_service(problems: Problems, args: Mapping[str, Any]) -> None:
    """Check every argument but the image source and the network."""
    port = args["port"]
    problems.check_int("port", port, minimum=1, maximum=65535)
    _check_size(problems, args["cpu"], args["memory_limit_mib"])
    environment, secrets = args["environment"], args["secrets"]
    check_environment(problems, "environment", environment, reserved_prefix=_RESERVED_ENV_PREFIX)
    check_environment(problems, "secrets", secrets, reserved_prefix=_RESERVED_ENV_PREFIX, values=ecs.Secret)
    if isinstance(environment, Mapping) and isinstance(secrets, Mapping):
        for name in sorted(set(environment) & set(secrets)):
            problems.add("secrets", name, "a name not also set in environment (each variable is set once)")
    command = args["command"]
    if problems.check_list("command", command, str):
        problems.check(command is None or len(command) > 0, "command", command, "a non-empty list, or None")
    problems.check_str(
        "health_check_path",
        args["health_check_path"],
        optional=True,
        pattern=r"/[^\s]*",
        max_length=255,
        allowed="an HTTP path starting with '/', such as '/health'",
    )
    check_object(problems, "task_role", args["task_role"], "iam.IRole")
    check_object(problems, "infrastructure_role", args["infrastructure_role"], "iam.IRole")
    check_object(problems, "cluster", args["cluster"], "ecs.ICluster")
    check_object(problems, "logs_encryption_key", args["logs_encryption_key"], "kms.IKey")
    problems.check_choice("log_retention", args["log_retention"], list(logs.RetentionDays))
    auto_scaling = args["auto_scaling"]
    if problems.check_type("auto_scaling", auto_scaling, ExpressAutoScaling, optional=True) and auto_scaling:
        auto_scaling._check(problems, "auto_scaling")
    problems.check_str(
        "service_name",
        args["service_name"],
        optional=True,
        pattern=_SERVICE_NAME,
        allowed="up to 255 letters, digits, '-' or '_', starting with a letter",
    )
