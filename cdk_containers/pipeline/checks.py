"""Post-deploy checks: proof that an environment works, not only that CloudFormation finished.

A check of the cluster's nodes must reach the API server's private endpoint, and a check of
an ECS Express Mode service must reach its internal load balancer, so both run inside the
environment's VPC, in the environment's account. CDK Pipelines runs every step in the
pipeline's account, and a CodeBuild project cannot sit in another account's VPC, so these
checks have two halves:

* `EnvironmentChecksStack`, deployed by the stage into the environment: CodeBuild projects
  in the VPC's private subnets (one whose role has an EKS access entry, a Kubernetes group
  bound to a read-only ClusterRole on nodes, and runs `kubectl get nodes` against the private
  endpoint; one that requests the internal service URL it is given); and a role that only
  the pipeline's checks role may assume, allowed to start those projects (with no override but
  the service check's `SERVICE_URL`) and read their results;
* `nodes_ready_step` and `internal_service_healthy_step`, pipeline steps that assume that
  role, start a project, wait for it and fail when the build fails, which fails the wave and
  stops the pipeline.

`service_healthy_step` checks a public URL (App Runner's) directly from the pipeline account.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_containers._logs_key import logs_encryption_key
from cdk_containers._nag import HIPAA, NIST, PCI, acknowledge_inline_policies, acknowledge_rules
from cdk_containers._validation import Problems, construct_path
from cdk_containers.constructs._web import check_object
from cdk_containers.constructs.eks import EksCluster
from cdk_containers.pipeline._acknowledgements import (
    SOURCE_URL_REASON,
    VPC_POLICY_REASON,
    acknowledge,
    acknowledge_codebuild_defaults,
)
from cdk_containers.pipeline.config import EnvironmentConfig

__all__ = [
    "ChecksRunner",
    "NODE_READER_GROUP",
    "EnvironmentChecksStack",
    "check_invoker_role_name",
    "check_project_name",
    "internal_service_healthy_step",
    "nodes_ready_step",
    "service_check_project_name",
    "service_healthy_step",
]

#: The Kubernetes group the nodes check's role is mapped to; bound to reading nodes only.
NODE_READER_GROUP = "cdk-containers:node-readers"

_NODE_READER_RBAC: tuple[dict[str, Any], ...] = (
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "cdk-containers-node-reader"},
        "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]}],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "cdk-containers-node-reader"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "cdk-containers-node-reader",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": NODE_READER_GROUP}],
    },
)


def check_project_name(environment: EnvironmentConfig) -> str:
    """The name of the in-VPC nodes check project of `environment`."""
    return f"{environment.name_prefix}-{environment.name}-nodes-ready"


def service_check_project_name(environment: EnvironmentConfig) -> str:
    """The name of the in-VPC service check project of `environment`."""
    return f"{environment.name_prefix}-{environment.name}-service-healthy"


def check_invoker_role_name(environment: EnvironmentConfig) -> str:
    """The name of the role the pipeline assumes to run the checks of `environment`."""
    return f"{environment.name_prefix}-{environment.name}-check-invoker"


@dataclass(frozen=True, kw_only=True)
class ChecksRunner:
    """The role in the pipeline account that runs the post-deploy checks.

    Attributes:
        account: The pipeline account's 12-digit id.
        role_name: The role's name (fixed, so target accounts can trust it before it exists).
    """

    account: str
    role_name: str

    def role_arn_in(self, scope: Construct) -> str:
        """The role's ARN, in the partition of the stack `scope` belongs to."""
        return f"arn:{Stack.of(scope).partition}:iam::{self.account}:role/{self.role_name}"


class EnvironmentChecksStack(Stack):
    """The in-account half of the in-VPC checks: projects in the VPC and the role that starts them.

    What it creates:

    * with `cluster`: a CodeBuild project in the cluster's node subnets whose security group
      may reach only HTTPS (the cluster endpoint, AWS APIs, `dl.k8s.io` for a
      checksum-verified kubectl), admitted to the cluster security group on 443; it waits
      until every node is Ready and at least `capacity.node_min_size` nodes are, and fails
      otherwise; and an EKS access entry for the project's role with the Kubernetes group
      `cdk-containers:node-readers`, which a ClusterRole binding lets read nodes and nothing else;
    * with `service_check`: a CodeBuild project in the VPC's private subnets whose security
      group may reach only HTTPS inside the VPC; it requests the URL the pipeline passes in
      `SERVICE_URL` (the Express Mode service's internal endpoint) at `health_check_path`
      until it answers, and fails otherwise. Its role may do nothing but write its logs;
    * a role that only the `runner` role (in the pipeline account) may assume, allowed to
      start these projects and read their builds, and only as they are defined: explicit
      Denies refuse every StartBuild override that has an IAM condition key (buildspec,
      source, image, environment type, fleet, privileged mode, certificate, registry
      credential, service role, key, logs, artifacts, cache, environment variables) except
      the service check's `SERVICE_URL`, which must be an `https://` URL;
    * a KMS key (rotated) for the projects' artifacts and logs, and a log group kept a month.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        environment: EnvironmentConfig,
        runner: ChecksRunner,
        cluster: EksCluster | None = None,
        vpc: ec2.IVpc | None = None,
        service_check: bool = False,
        **kwargs: Any,
    ) -> None:
        """Args:
        scope: The `PlatformStage`.
        construct_id: Stack id.
        environment: The environment's configuration (names, minimum node count, health
            check path).
        runner: The pipeline account's role that runs the checks; only it may start them.
        cluster: The environment's cluster; the node-reader RBAC is added to it. Defaults to
            no nodes check.
        vpc: The VPC the service check runs in. Defaults to the cluster's VPC.
        service_check: Whether to add the in-VPC service health check (for a service whose
            endpoint is internal). Defaults to False.
        **kwargs: Passed to `aws_cdk.Stack`.
        """
        problems = Problems("EnvironmentChecksStack", construct_path(scope, construct_id))
        problems.check_type("environment", environment, EnvironmentConfig)
        problems.check_type("runner", runner, ChecksRunner)
        problems.check_type("cluster", cluster, EksCluster, optional=True)
        check_object(problems, "vpc", vpc, "ec2.IVpc", optional=True)
        if problems.check_type("service_check", service_check, bool):
            problems.check(
                cluster is not None or service_check,
                "cluster",
                cluster,
                "an EksCluster, or service_check=True: a checks stack without a check is an empty stack",
            )
            problems.check(
                not service_check or vpc is not None or cluster is not None,
                "vpc",
                vpc,
                "the VPC the service check runs in (or a cluster, whose VPC it takes)",
            )
        problems.raise_if_any()
        super().__init__(scope, construct_id, **kwargs)

        key = logs_encryption_key(
            self,
            "Key",
            description=f"Encrypts the post-deploy check builds and logs of {environment.name}",
            removal_policy=RemovalPolicy.DESTROY,
        )
        log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=key,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.nodes_project: codebuild.Project | None = None
        """The in-VPC CodeBuild project that runs `kubectl get nodes`, with a cluster."""
        if cluster is not None:
            self.nodes_project = self._nodes_ready(cluster, environment, key, log_group)
        self.service_project: codebuild.Project | None = None
        """The in-VPC CodeBuild project that requests the internal service URL, with `service_check`."""
        if service_check:
            network = vpc if vpc is not None else cluster.vpc  # type: ignore[union-attr]
            self.service_project = self._service_healthy(network, environment, key, log_group)
        projects = [p for p in (self.nodes_project, self.service_project) if p is not None]

        self.invoker_role = iam.Role(
            self,
            "Invoker",
            role_name=check_invoker_role_name(environment),
            description="Assumed by the delivery pipeline to start the post-deploy checks in this VPC",
            assumed_by=iam.AccountPrincipal(runner.account).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": runner.role_arn_in(self)}}
            ),
            max_session_duration=Duration.hours(1),
        )
        """The role the pipeline's checks role assumes (and only it)."""
        self.invoker_role.add_to_policy(
            iam.PolicyStatement(
                actions=["codebuild:StartBuild", "codebuild:BatchGetBuilds"],
                resources=[p.project_arn for p in projects],
            )
        )
        _deny_start_build_overrides(
            self.invoker_role,
            projects=projects,
            without_variables=[p for p in projects if p is not self.service_project],
            service_project=self.service_project,
        )
        acknowledge_inline_policies(self.invoker_role)
        for project in projects:
            _acknowledge(project)
        if self.nodes_project is not None:
            CfnOutput(self, "NodesReadyProject", value=self.nodes_project.project_name)
        if self.service_project is not None:
            CfnOutput(self, "ServiceHealthyProject", value=self.service_project.project_name)

    def _nodes_ready(
        self, cluster: EksCluster, environment: EnvironmentConfig, key: kms.IKey, log_group: logs.ILogGroup
    ) -> codebuild.Project:
        cluster.add_manifest("NodeReaderRbac", *_NODE_READER_RBAC)
        security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=cluster.vpc,
            description="Nodes-ready check: HTTPS out only (cluster endpoint, AWS APIs, dl.k8s.io)",
            allow_all_outbound=False,
        )
        security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to APIs and dl.k8s.io")
        # Imported here so that the ingress rule lives in this stack: the cluster's stack must
        # not depend on the checks stack, which depends on it.
        ec2.SecurityGroup.from_security_group_id(
            self, "ClusterSecurityGroup", cluster.cluster_security_group.security_group_id
        ).add_ingress_rule(security_group, ec2.Port.tcp(443), "Nodes-ready check to the private API endpoint")

        project = codebuild.Project(
            self,
            "NodesReady",
            project_name=check_project_name(environment),
            description=f"Proves that the nodes of {environment.name}'s cluster are Ready",
            vpc=cluster.vpc,
            subnet_selection=cluster.node_subnets,
            security_groups=[security_group],
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
                environment_variables={
                    "CLUSTER_NAME": codebuild.BuildEnvironmentVariable(value=cluster.cluster.cluster_name),
                    "KUBERNETES_VERSION": codebuild.BuildEnvironmentVariable(value=cluster.version),
                    "MIN_READY_NODES": codebuild.BuildEnvironmentVariable(
                        value=str(environment.capacity.node_min_size)
                    ),
                },
            ),
            build_spec=codebuild.BuildSpec.from_object(_NODES_READY_BUILD_SPEC),
            encryption_key=key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)
            ),
            timeout=Duration.minutes(20),
        )
        role = project.role
        assert role is not None
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["eks:DescribeCluster"], resources=[cluster.cluster.cluster_arn])
        )
        eks.CfnAccessEntry(
            self,
            "NodeReaderAccess",
            cluster_name=cluster.cluster.cluster_name,
            principal_arn=role.role_arn,
            kubernetes_groups=[NODE_READER_GROUP],
            type="STANDARD",
        )
        return project

    def _service_healthy(
        self, vpc: ec2.IVpc, environment: EnvironmentConfig, key: kms.IKey, log_group: logs.ILogGroup
    ) -> codebuild.Project:
        security_group = ec2.SecurityGroup(
            self,
            "ServiceCheckSecurityGroup",
            vpc=vpc,
            description="Service check: HTTPS to addresses inside the VPC only (the internal endpoint)",
            allow_all_outbound=False,
        )
        security_group.add_egress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(443), "HTTPS to the service's internal endpoint"
        )
        return codebuild.Project(
            self,
            "ServiceHealthy",
            project_name=service_check_project_name(environment),
            description=f"Proves that the internal endpoint of {environment.name}'s service answers",
            vpc=vpc,
            subnet_selection=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            security_groups=[security_group],
            environment=codebuild.BuildEnvironment(
                build_image=codebuild.LinuxBuildImage.STANDARD_7_0,
                compute_type=codebuild.ComputeType.SMALL,
                environment_variables={
                    # The pipeline passes the deployed stack's ServiceUrl output when it starts a build.
                    "SERVICE_URL": codebuild.BuildEnvironmentVariable(value=""),
                    "HEALTH_CHECK_PATH": codebuild.BuildEnvironmentVariable(
                        value=environment.health_check_path
                    ),
                },
            ),
            build_spec=codebuild.BuildSpec.from_object(_SERVICE_HEALTHY_BUILD_SPEC),
            encryption_key=key,
            logging=codebuild.LoggingOptions(
                cloud_watch=codebuild.CloudWatchLoggingOptions(log_group=log_group)
            ),
            timeout=Duration.minutes(10),
        )


#: The StartBuild overrides the invoker may never pass, by the IAM condition key CodeBuild sets
#: when the request carries them. Keys from the Service Authorization Reference, "Actions,
#: resources, and condition keys for AWS CodeBuild" (StartBuild's condition keys), used as the
#: CodeBuild user guide's "AWS CodeBuild condition keys" page does ("Prevent unauthorized
#: modifications to project buildspec", "Check the existence of attributes in API requests"):
#: `Null: false` denies a request in which the field is present. Each key gets a statement of its
#: own because the keys of one condition are ANDed. Left out on purpose: computeType and
#: autoRetryLimit (cost and retries, not what runs or as whom) and buildStatusConfig (reporting
#: only). The StartBuild fields without a documented key (sourceVersion, debugSessionEnabled,
#: timeouts, gitCloneDepth) cannot be denied by IAM: the projects have no source to pick a
#: version of, and their roles lack the ssmmessages permissions a debug session needs.
_DENIED_START_BUILD_OVERRIDES: tuple[tuple[str, str], ...] = (
    ("codebuild:source.buildspec", "buildspecOverride"),
    ("codebuild:source", "any source override"),
    ("codebuild:source.location", "sourceLocationOverride"),
    ("codebuild:source.auth.type", "sourceAuthOverride"),
    ("codebuild:source.insecureSsl", "insecureSslOverride"),
    ("codebuild:secondarySources", "secondarySourcesOverride"),
    ("codebuild:environment.image", "imageOverride"),
    ("codebuild:environment.type", "environmentTypeOverride"),
    ("codebuild:environment.fleet.fleetArn", "fleetOverride"),
    ("codebuild:environment.privilegedMode", "privilegedModeOverride"),
    ("codebuild:environment.certificate", "certificateOverride"),
    ("codebuild:environment.imagePullCredentialsType", "imagePullCredentialsTypeOverride"),
    ("codebuild:environment.registryCredential", "registryCredentialOverride"),
    ("codebuild:serviceRole", "serviceRoleOverride"),
    ("codebuild:encryptionKey", "encryptionKeyOverride"),
    ("codebuild:logsConfig", "logsConfigOverride"),
    ("codebuild:artifacts", "artifactsOverride"),
    ("codebuild:secondaryArtifacts", "secondaryArtifactsOverride"),
    ("codebuild:cache", "cacheOverride"),
)

#: The one variable the pipeline passes when it starts a build (the service check's URL, a
#: deployed stack's output the project cannot know at synth), and the values it may take.
_PIPELINE_VARIABLES: dict[str, str] = {"SERVICE_URL": "https://*"}


def _deny_start_build_overrides(
    role: iam.Role,
    *,
    projects: list[codebuild.Project],
    without_variables: list[codebuild.Project],
    service_project: codebuild.Project | None,
) -> None:
    """Explicit Denies so that `role` may only start `projects` as they are defined.

    `without_variables` take no environment variable from the pipeline at all; the service
    project takes `_PIPELINE_VARIABLES` and nothing else, each only with a value of its pattern.
    """
    arns = [p.project_arn for p in projects]
    for key, _field in _DENIED_START_BUILD_OVERRIDES:
        role.add_to_policy(_deny_start_build(arns, {"Null": {key: "false"}}))
    if without_variables:
        fixed = [p.project_arn for p in without_variables]
        # `codebuild:environment` too: whether CodeBuild sets it for environmentVariablesOverride
        # alone is not documented, so the service project, which needs that override, is spared it.
        for key in ("codebuild:environment", "codebuild:environment.environmentVariables"):
            role.add_to_policy(_deny_start_build(fixed, {"Null": {key: "false"}}))
    if service_project is not None:
        role.add_to_policy(
            _deny_start_build(
                [service_project.project_arn],
                {
                    "ForAnyValue:StringNotEquals": {
                        "codebuild:environment.environmentVariables.name": sorted(_PIPELINE_VARIABLES)
                    }
                },
            )
        )
        for name, pattern in _PIPELINE_VARIABLES.items():
            # A negated operator is true when the key is absent: a build without the URL is
            # refused here as its build spec would refuse it.
            role.add_to_policy(
                _deny_start_build(
                    [service_project.project_arn],
                    {"StringNotLike": {f"codebuild:environment.environmentVariables/{name}.value": pattern}},
                )
            )


def _deny_start_build(resources: list[str], conditions: dict[str, Any]) -> iam.PolicyStatement:
    return iam.PolicyStatement(
        effect=iam.Effect.DENY, actions=["codebuild:StartBuild"], resources=resources, conditions=conditions
    )


def _acknowledge(project: codebuild.Project) -> None:
    acknowledge_codebuild_defaults(project)
    acknowledge_inline_policies(project)
    acknowledge_rules(project, SOURCE_URL_REASON, "CodeBuildProjectSourceRepoUrl", packs=(HIPAA, PCI))
    # aws-cdk-lib writes a VPC project's network permissions into a policy of the project's own
    vpc_policy = project.node.try_find_child("PolicyDocument")
    if vpc_policy is not None:
        acknowledge_rules(vpc_policy, VPC_POLICY_REASON, "IAMNoInlinePolicy", packs=(NIST, HIPAA, PCI))
    acknowledge(
        project,
        ["IAM5[Resource::*]"],
        "A CodeBuild project in a VPC needs ec2:CreateNetworkInterface, DescribeNetworkInterfaces, "
        "DeleteNetworkInterface, DescribeSubnets, DescribeSecurityGroups, DescribeDhcpOptions and "
        "DescribeVpcs, which support no resource-level permissions",
    )
    acknowledge(
        project,
        ["IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]"],
        "CodeBuild creates the build's network interface at run time; ec2:CreateNetworkInterfacePermission "
        "is conditioned on the project's subnets and on codebuild.amazonaws.com as the authorized service",
    )
    acknowledge(
        project,
        ["IAM5[Action::kms:GenerateDataKey*]", "IAM5[Action::kms:ReEncrypt*]"],
        "aws-cdk-lib's encrypt/decrypt grant action group on the one key of this checks stack, which "
        "encrypts only this stack's check projects' artifacts and logs",
    )


#: The request both service checks make: the health check path until it answers 2xx or 3xx,
#: retrying for about two and a half minutes, printing the status and the final URL.
_CURL_HEALTH_CHECK = (
    "curl --fail --silent --show-error --location --retry 10 --retry-delay 15 --retry-all-errors "
    '--max-time 10 --output /dev/null --write-out "%{http_code} %{url_effective}\\n" '
    '"${SERVICE_URL%/}${HEALTH_CHECK_PATH}"'
)

_SERVICE_HEALTHY_BUILD_SPEC: dict[str, Any] = {
    "version": "0.2",
    "env": {"shell": "bash"},
    "phases": {
        "build": {
            "commands": [
                'case "$SERVICE_URL" in https://?*) ;; '
                "*) echo \"SERVICE_URL is '$SERVICE_URL', not the https:// ServiceUrl output\"; "
                "exit 1 ;; esac",
                _CURL_HEALTH_CHECK,
            ]
        },
    },
}


_NODES_READY_BUILD_SPEC: dict[str, Any] = {
    "version": "0.2",
    "env": {"shell": "bash"},
    "phases": {
        "install": {
            "commands": [
                'release=$(curl -fsSL "https://dl.k8s.io/release/stable-${KUBERNETES_VERSION}.txt")',
                'curl -fsSLo /usr/local/bin/kubectl "https://dl.k8s.io/release/${release}/bin/linux/amd64/kubectl"',
                'echo "$(curl -fsSL "https://dl.k8s.io/release/${release}/bin/linux/amd64/kubectl.sha256")'
                '  /usr/local/bin/kubectl" | sha256sum --check',
                "chmod +x /usr/local/bin/kubectl",
            ]
        },
        "build": {
            "commands": [
                'aws eks update-kubeconfig --name "$CLUSTER_NAME"',
                "kubectl get nodes -o wide",
                "kubectl wait --for=condition=Ready nodes --all --timeout=600s",
                "ready=$(kubectl get nodes --no-headers | awk '$2 == \"Ready\"' | wc -l)",
                'echo "$ready nodes Ready, at least $MIN_READY_NODES wanted"',
                'test "$ready" -ge "$MIN_READY_NODES"',
            ]
        },
    },
}


def _start_check_build_commands(*variables: str) -> list[str]:
    """Shell that assumes the invoker role, starts `$CHECK_PROJECT`, waits, and fails unless it SUCCEEDED.

    The build starts as its project defines it: the only override is `variables` (names from
    `_PIPELINE_VARIABLES`, passed as plain text from the step's environment), the one the
    invoker role's policy lets through.
    """
    unknown = [v for v in variables if v not in _PIPELINE_VARIABLES]
    if unknown:
        raise ValueError(
            f"variables={unknown!r} are not in _PIPELINE_VARIABLES: the invoker may not pass them"
        )
    pairs = " ".join(f'"name={v},value=${v},type=PLAINTEXT"' for v in variables)
    override = f" --environment-variables-override {pairs}" if variables else ""
    return [
        'aws configure set profile.target.role_arn "$CHECK_ROLE_ARN"',
        "aws configure set profile.target.credential_source EcsContainer",
        'aws configure set profile.target.region "$CHECK_REGION"',
        f'build=$(aws --profile target codebuild start-build --project-name "$CHECK_PROJECT"{override} '
        "--query build.id --output text)",
        'echo "Started $build"',
        'while status=$(aws --profile target codebuild batch-get-builds --ids "$build" '
        "--query 'builds[0].buildStatus' --output text); "
        '[ "$status" = IN_PROGRESS ]; do sleep 15; done',
        'echo "$build: $status"',
        'test "$status" = SUCCEEDED',
    ]


def _check_environment(
    environment: EnvironmentConfig, runner_role: iam.IRole, project: str
) -> dict[str, str]:
    partition = Stack.of(runner_role).partition
    invoker = check_invoker_role_name(environment)
    return {
        "CHECK_ROLE_ARN": f"arn:{partition}:iam::{environment.account}:role/{invoker}",
        "CHECK_PROJECT": project,
        "CHECK_REGION": environment.region,
    }


def nodes_ready_step(environment: EnvironmentConfig, *, runner_role: iam.IRole) -> pipelines.CodeBuildStep:
    """The pipeline step that runs `environment`'s in-VPC nodes check and waits for its result.

    It assumes the environment's invoker role (through a profile with
    `credential_source = EcsContainer`, so no credentials are printed or stored), starts the
    project, polls until the build ends, prints the build's id and status, and exits non-zero
    unless the build SUCCEEDED.

    Args:
        environment: The environment whose nodes are checked.
        runner_role: The pipeline account's checks role (it may assume the invoker role).
    """
    return pipelines.CodeBuildStep(
        f"{environment.name}-NodesReady",
        role=runner_role,
        env=_check_environment(environment, runner_role, check_project_name(environment)),
        commands=_start_check_build_commands(),
        timeout=Duration.minutes(30),
    )


def service_healthy_step(environment: EnvironmentConfig, service_url: CfnOutput) -> pipelines.ShellStep:
    """The pipeline step that requests the service's health check path until it answers 2xx/3xx.

    For a public endpoint (App Runner): the step runs in the pipeline account and reaches
    the URL over the internet.

    Args:
        environment: The environment (its `health_check_path`).
        service_url: The stack output holding the service's `https://` URL.
    """
    return pipelines.ShellStep(
        f"{environment.name}-ServiceHealthy",
        env_from_cfn_outputs={"SERVICE_URL": service_url},
        env={"HEALTH_CHECK_PATH": environment.health_check_path},
        commands=[_CURL_HEALTH_CHECK],
    )


def internal_service_healthy_step(
    environment: EnvironmentConfig, service_url: CfnOutput, *, runner_role: iam.IRole
) -> pipelines.CodeBuildStep:
    """The pipeline step that checks an internal service URL from inside the environment's VPC.

    For an internal endpoint (ECS Express Mode in private subnets), which the pipeline
    account cannot reach: the step reads the deployed stack's `service_url` output, assumes
    the environment's invoker role, starts the in-VPC service check project of
    `EnvironmentChecksStack` with that URL in `SERVICE_URL`, waits, and fails unless the build
    SUCCEEDED. The URL travels as an output, not as a cross-stack export, so replacing the
    service never has to wait for the checks stack to let go of it.

    Args:
        environment: The environment whose service is checked.
        service_url: The stack output holding the service's `https://` URL.
        runner_role: The pipeline account's checks role (it may assume the invoker role).
    """
    return pipelines.CodeBuildStep(
        f"{environment.name}-ServiceHealthy",
        role=runner_role,
        env_from_cfn_outputs={"SERVICE_URL": service_url},
        env=_check_environment(environment, runner_role, service_check_project_name(environment)),
        commands=_start_check_build_commands("SERVICE_URL"),
        timeout=Duration.minutes(20),
    )
