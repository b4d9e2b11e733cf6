"""ExpressService: an ECS Express Mode web service, private by default, least privilege."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Template

from cdk_containers.constructs.express import ExpressAutoScaling, ExpressScalingMetric, ExpressService
from tests.support import make_stack, make_vpc

DIGEST = "sha256:" + "cd" * 32
TYPE = "AWS::ECS::ExpressGatewayService"


def _only(template: Template, type_: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.items()))


def _role_id(template: Template, principal: str, description: str) -> str:
    for logical_id, role in template.find_resources("AWS::IAM::Role").items():
        statement = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]
        if statement["Principal"].get("Service") == principal and description in role["Properties"].get(
            "Description", ""
        ):
            return logical_id
    raise AssertionError(f"no role trusted by {principal} described as {description!r}")


def _statements(template: Template, role_id: str) -> list[dict[str, Any]]:
    return [
        s
        for policy in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


@dataclass
class Full:
    template: Template
    stack: Stack
    service: ExpressService
    repository: ecr.Repository
    secret: secretsmanager.Secret
    database_sg: ec2.SecurityGroup


@pytest.fixture(scope="module")
def full() -> Full:
    stack = make_stack("Full")
    vpc = make_vpc(stack)
    repository = ecr.Repository(stack, "Repo")
    ecr.Repository(stack, "OtherRepo")
    secret = secretsmanager.Secret(stack, "DbPassword")
    secretsmanager.Secret(stack, "UnrelatedSecret")
    parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "ApiKey", parameter_name="/app/api-key", version=1
    )
    service = ExpressService(
        stack,
        "Api",
        vpc=vpc,
        repository=repository,
        tag="v1.2.3",
        port=3000,
        cpu=2048,
        memory_limit_mib=8192,
        environment={"LOG_LEVEL": "info"},
        secrets={
            "DB_PASSWORD": ecs.Secret.from_secrets_manager(secret),
            "API_KEY": ecs.Secret.from_ssm_parameter(parameter),
        },
        command=["node", "server.js"],
        health_check_path="/health",
        auto_scaling=ExpressAutoScaling(
            min_size=2, max_size=10, metric=ExpressScalingMetric.REQUEST_COUNT_PER_TARGET, target_value=500
        ),
        log_retention=logs.RetentionDays.ONE_MONTH,
        service_name="api",
    )
    s3.Bucket(stack, "Assets").grant_read(service)
    table = dynamodb.Table(
        stack, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_data(service)
    database_sg = ec2.SecurityGroup(stack, "DatabaseSg", vpc=vpc, allow_all_outbound=False)
    database_sg.connections.allow_from(service, ec2.Port.tcp(5432), "API to Postgres")
    return Full(Template.from_stack(stack), stack, service, repository, secret, database_sg)


def test_tasks_run_in_the_private_subnets_with_their_own_security_group(full: Full) -> None:
    _, service = _only(full.template, TYPE)
    network = service["Properties"]["NetworkConfiguration"]
    private = [
        {"Ref": k}
        for k, v in full.template.find_resources("AWS::EC2::Subnet").items()
        if not v["Properties"]["MapPublicIpOnLaunch"]
    ]
    assert sorted(map(str, network["Subnets"])) == sorted(map(str, private))
    assert network["SecurityGroups"] == [full.stack.resolve(full.service.security_group.security_group_id)]


def test_the_task_security_group_admits_nothing_of_its_own(full: Full) -> None:
    group_id = full.stack.resolve(full.service.security_group.security_group_id)
    group = full.template.find_resources("AWS::EC2::SecurityGroup")[group_id["Fn::GetAtt"][0]]
    assert "SecurityGroupIngress" not in group["Properties"]
    ingress = full.template.find_resources(
        "AWS::EC2::SecurityGroupIngress", {"Properties": {"GroupId": group_id}}
    )
    assert ingress == {}


def test_the_execution_role_pulls_only_the_given_repository(full: Full) -> None:
    role = _role_id(full.template, "ecs-tasks.amazonaws.com", "Starts the Express Mode tasks")
    statements = _statements(full.template, role)
    ecr_statements = [s for s in statements if any(a.startswith("ecr:") for a in _actions(s))]
    for statement in ecr_statements:
        if _actions(statement) == ["ecr:GetAuthorizationToken"]:
            assert statement["Resource"] == "*"
        else:
            assert statement["Resource"] == full.stack.resolve(full.repository.repository_arn)
    assert {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"} <= {
        a for s in ecr_statements for a in _actions(s)
    }


def test_the_execution_role_writes_only_its_own_log_group(full: Full) -> None:
    role = _role_id(full.template, "ecs-tasks.amazonaws.com", "Starts the Express Mode tasks")
    logs_statements = [
        s for s in _statements(full.template, role) if any(a.startswith("logs:") for a in _actions(s))
    ]
    assert logs_statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": full.stack.resolve(full.service.log_group.log_group_arn),
        }
    ]


def test_the_execution_role_reads_only_the_given_secrets(full: Full) -> None:
    role = _role_id(full.template, "ecs-tasks.amazonaws.com", "Starts the Express Mode tasks")
    statements = _statements(full.template, role)
    secret_resources = [
        s["Resource"] for s in statements if any(a.startswith("secretsmanager:") for a in _actions(s))
    ]
    assert secret_resources == [full.stack.resolve(full.secret.secret_arn)]
    assert any("parameter/app/api-key" in str(s["Resource"]) for s in statements if "ssm:" in str(s))
    assert "Unrelated" not in str(statements)


def test_grants_go_to_a_separate_task_role(full: Full) -> None:
    task_role = _role_id(full.template, "ecs-tasks.amazonaws.com", "Role the Express Mode service's code")
    statements = _statements(full.template, task_role)
    actions = {a for s in statements for a in _actions(s)}
    assert {"s3:GetObject*", "dynamodb:GetItem"} <= actions
    assert not any(a.startswith(("ecr:", "logs:", "secretsmanager:")) for a in actions)
    _, service = _only(full.template, TYPE)
    assert service["Properties"]["TaskRoleArn"] == {"Fn::GetAtt": [task_role, "Arn"]}


def test_the_infrastructure_role_is_trusted_by_ecs_with_the_express_managed_policy(full: Full) -> None:
    role_id = _role_id(full.template, "ecs.amazonaws.com", "Lets Express Mode manage")
    role = full.template.find_resources("AWS::IAM::Role")[role_id]
    assert "AmazonECSInfrastructureRoleforExpressGatewayServices" in str(
        role["Properties"]["ManagedPolicyArns"]
    )
    _, service = _only(full.template, TYPE)
    assert service["Properties"]["InfrastructureRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}


def test_the_log_group_is_retained_with_a_retention_and_a_rotating_customer_key(full: Full) -> None:
    log_id, log_group = _only(full.template, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert (log_group["DeletionPolicy"], log_group["UpdateReplacePolicy"]) == ("Retain", "Retain")
    key_id = log_group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0]
    key = full.template.find_resources("AWS::KMS::Key")[key_id]
    assert key["Properties"]["EnableKeyRotation"] is True
    assert "logs." in str(key["Properties"]["KeyPolicy"])
    _, service = _only(full.template, TYPE)
    assert service["Properties"]["PrimaryContainer"]["AwsLogsConfiguration"] == {
        "LogGroup": {"Ref": log_id},
        "LogStreamPrefix": "ecs",
    }


def test_a_cluster_with_container_insights_is_created(full: Full) -> None:
    cluster_id, cluster = _only(full.template, "AWS::ECS::Cluster")
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["Properties"]["ClusterSettings"]
    _, service = _only(full.template, TYPE)
    assert service["Properties"]["Cluster"] == {"Ref": cluster_id}


def test_the_container_gets_its_image_port_command_environment_and_secrets(full: Full) -> None:
    _, service = _only(full.template, TYPE)
    container = service["Properties"]["PrimaryContainer"]
    assert container["ContainerPort"] == 3000
    assert container["Command"] == ["node", "server.js"]
    assert container["Environment"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    assert [s["Name"] for s in container["Secrets"]] == ["API_KEY", "DB_PASSWORD"]
    assert container["Secrets"][1]["ValueFrom"] == full.stack.resolve(full.secret.secret_arn)
    assert container["Image"]["Fn::Join"][1][-1] == ":v1.2.3"


def test_size_health_check_scaling_and_name_are_rendered(full: Full) -> None:
    full.template.has_resource_properties(
        TYPE,
        {
            "Cpu": "2048",
            "Memory": "8192",
            "HealthCheckPath": "/health",
            "ServiceName": "api",
            "ScalingTarget": {
                "MinTaskCount": 2,
                "MaxTaskCount": 10,
                "AutoScalingMetric": "REQUEST_COUNT_PER_TARGET",
                "AutoScalingTargetValue": 500,
            },
        },
    )


def test_the_service_waits_for_its_roles_policies(full: Full) -> None:
    _, service = _only(full.template, TYPE)
    policies = set(full.template.find_resources("AWS::IAM::Policy"))
    assert any("ExecutionRole" in p for p in policies & set(service["DependsOn"]))
    assert any("TaskRole" in p for p in policies & set(service["DependsOn"]))


def test_a_security_group_admits_the_service_as_an_iconnectable(full: Full) -> None:
    full.template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": full.stack.resolve(full.database_sg.security_group_id),
            "SourceSecurityGroupId": full.stack.resolve(full.service.security_group.security_group_id),
            "FromPort": 5432,
        },
    )


def test_the_url_and_arn_are_the_services_attributes(full: Full) -> None:
    service_id, _ = _only(full.template, TYPE)
    assert full.stack.resolve(full.service.service_url) == {"Fn::GetAtt": [service_id, "Endpoint"]}
    assert full.stack.resolve(full.service.service_arn) == {"Fn::GetAtt": [service_id, "ServiceArn"]}


# --- A public image, a public endpoint, the user's cluster and key -------------------------------


@pytest.fixture(scope="module")
def public() -> tuple[Template, Stack]:
    stack = make_stack("Public")
    vpc = make_vpc(stack)
    cluster = ecs.Cluster(stack, "Shared", vpc=vpc, container_insights_v2=ecs.ContainerInsights.ENABLED)
    key = kms.Key(stack, "MyLogsKey", enable_key_rotation=True)
    ExpressService(
        stack,
        "Hello",
        vpc=vpc,
        public_image="public.ecr.aws/aws-containers/hello-app-runner:latest",
        port=8000,
        private=False,
        cluster=cluster,
        logs_encryption_key=key,
    )
    return Template.from_stack(stack), stack


def test_a_public_image_needs_no_pull_permission(public: tuple[Template, Stack]) -> None:
    template, _ = public
    _, service = _only(template, TYPE)
    assert service["Properties"]["PrimaryContainer"]["Image"] == (
        "public.ecr.aws/aws-containers/hello-app-runner:latest"
    )
    assert "ecr:" not in str(template.find_resources("AWS::IAM::Policy"))


def test_a_public_endpoint_puts_the_service_in_the_public_subnets(public: tuple[Template, Stack]) -> None:
    template, _ = public
    _, service = _only(template, TYPE)
    public_subnets = [
        {"Ref": k}
        for k, v in template.find_resources("AWS::EC2::Subnet").items()
        if v["Properties"]["MapPublicIpOnLaunch"]
    ]
    assert sorted(map(str, service["Properties"]["NetworkConfiguration"]["Subnets"])) == sorted(
        map(str, public_subnets)
    )


def test_the_users_cluster_and_logs_key_are_used(public: tuple[Template, Stack]) -> None:
    template, _ = public
    assert len(template.find_resources("AWS::ECS::Cluster")) == 1
    _, service = _only(template, TYPE)
    assert service["Properties"]["Cluster"]["Ref"].startswith("Shared")
    _, log_group = _only(template, "AWS::Logs::LogGroup")
    assert log_group["Properties"]["KmsKeyId"]["Fn::GetAtt"][0].startswith("MyLogsKey")
    assert len(template.find_resources("AWS::KMS::Key")) == 1


def test_a_digest_pins_the_image() -> None:
    stack = make_stack("Pinned")
    ExpressService(
        stack,
        "Api",
        vpc=make_vpc(stack),
        repository=ecr.Repository.from_repository_name(stack, "Repo", "team/api"),
        digest=DIGEST,
    )
    _, service = _only(Template.from_stack(stack), TYPE)
    assert str(service["Properties"]["PrimaryContainer"]["Image"]).endswith(f"team/api@{DIGEST}']]}}")


@dataclass(frozen=True)
class _RepositoryHolder:
    """Stands for a ContainerRepository: anything with a `.repository`."""

    repository: ecr.IRepository


def test_a_container_repository_source_pulls_from_its_repository() -> None:
    stack = make_stack("Holder")
    repository = ecr.Repository(stack, "Repo")
    ExpressService(stack, "Api", vpc=make_vpc(stack), repository=_RepositoryHolder(repository), tag="v1")
    template = Template.from_stack(stack)
    pulls = [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "ecr:BatchGetImage" in s["Action"]
    ]
    assert [s["Resource"] for s in pulls] == [stack.resolve(repository.repository_arn)]
