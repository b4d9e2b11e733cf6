"""AppRunnerService: an App Runner web service from ECR with a VPC connector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk.aws_apprunner_alpha as apprunner
import pytest
from aws_cdk import Duration, Environment, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_ssm as ssm
from aws_cdk.assertions import Annotations, Match, Template

from cdk_containers.constructs.app_runner import (
    APP_RUNNER_REGIONS,
    AppRunnerAutoScaling,
    AppRunnerService,
)
from tests.conftest import make_app

DIGEST = "sha256:" + "ab" * 32


def _resources(template: Template, type_: str) -> dict[str, Any]:
    return dict(template.find_resources(type_))


def _only(template: Template, type_: str) -> dict[str, Any]:
    found = _resources(template, type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    return next(iter(found.values()))


def _policy_of(template: Template, role_logical_id: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in _resources(template, "AWS::IAM::Policy").values():
        if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _role_id(template: Template, service_principal: str) -> str:
    for logical_id, role in _resources(template, "AWS::IAM::Role").items():
        principal = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        if principal.get("Service") == service_principal:
            return logical_id
    raise AssertionError(f"no role trusted by {service_principal}")


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


# --- A service with everything on: private ECR, VPC, secrets, private ingress --------------


@dataclass
class Full:
    template: Template
    stack: Stack
    service: AppRunnerService
    repository_arn: Any
    repository_name: Any
    secret_ref: Any
    parameter_name: str


@pytest.fixture(scope="module")
def full() -> Full:
    stack = Stack(make_app(), "Full")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    repository = ecr.Repository(stack, "Repo")
    ecr.Repository(stack, "OtherRepo")
    secret = secretsmanager.Secret(stack, "DbPassword")
    secretsmanager.Secret(stack, "UnrelatedSecret")
    parameter = ssm.StringParameter.from_secure_string_parameter_attributes(
        stack, "ApiKey", parameter_name="/app/api-key", version=1
    )
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    service = AppRunnerService(
        stack,
        "Api",
        repository=repository,
        tag="v1.2.3",
        port=3000,
        cpu=apprunner.Cpu.TWO_VCPU,
        memory=apprunner.Memory.FOUR_GB,
        environment={"LOG_LEVEL": "info"},
        start_command="node server.js",
        secrets={
            "DB_PASSWORD": apprunner.Secret.from_secrets_manager(secret),
            "API_KEY": apprunner.Secret.from_ssm_parameter(parameter),
        },
        vpc=vpc,
        auto_scaling=AppRunnerAutoScaling(min_size=2, max_size=10, max_concurrency=50),
        health_check=apprunner.HealthCheck.http(path="/health", interval=Duration.seconds(10)),
        encryption_key=key,
        private=True,
        service_name="api-service",
    )
    service.add_to_role_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=["arn:aws:s3:::assets/*"])
    )
    return Full(
        template=Template.from_stack(stack),
        stack=stack,
        service=service,
        repository_arn=stack.resolve(repository.repository_arn),
        repository_name=stack.resolve(repository.repository_name),
        secret_ref=stack.resolve(secret.secret_arn),
        parameter_name="/app/api-key",
    )


def test_the_connector_uses_the_vpcs_private_subnets(full: Full) -> None:
    private = _resources(full.template, "AWS::EC2::Subnet")
    private_ids = sorted(k for k, v in private.items() if not v["Properties"]["MapPublicIpOnLaunch"])
    connector = _only(full.template, "AWS::AppRunner::VpcConnector")
    assert sorted(s["Ref"] for s in connector["Properties"]["Subnets"]) == private_ids


def test_the_service_sends_its_outbound_traffic_through_the_connector(full: Full) -> None:
    network = _only(full.template, "AWS::AppRunner::Service")["Properties"]["NetworkConfiguration"]
    assert network["EgressConfiguration"]["EgressType"] == "VPC"
    connector_id = next(iter(_resources(full.template, "AWS::AppRunner::VpcConnector")))
    assert network["EgressConfiguration"]["VpcConnectorArn"] == {
        "Fn::GetAtt": [connector_id, "VpcConnectorArn"]
    }


def test_connections_are_the_connectors_security_group(full: Full) -> None:
    groups = full.service.connections.security_groups
    assert len(groups) == 1
    connector = _only(full.template, "AWS::AppRunner::VpcConnector")
    assert connector["Properties"]["SecurityGroups"] == [full.stack.resolve(groups[0].security_group_id)]


def test_the_access_role_can_pull_only_the_given_repository(full: Full) -> None:
    role_id = _role_id(full.template, "build.apprunner.amazonaws.com")
    statements = _policy_of(full.template, role_id)
    assert statements, "the access role has no policy"
    for statement in statements:
        if _actions(statement) == ["ecr:GetAuthorizationToken"]:
            assert statement["Resource"] == "*"  # the action has no resource-level permissions
        else:
            assert statement["Resource"] == full.repository_arn, statement
            assert all(a.startswith("ecr:") for a in _actions(statement))
    pull = {a for s in statements for a in _actions(s)}
    assert {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"} <= pull
    assert not any(a.startswith("ecr:Put") or a.endswith("*") for a in pull)


def test_the_access_role_uses_no_managed_policy(full: Full) -> None:
    role = _resources(full.template, "AWS::IAM::Role")[
        _role_id(full.template, "build.apprunner.amazonaws.com")
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    service = _only(full.template, "AWS::AppRunner::Service")["Properties"]
    assert service["SourceConfiguration"]["AuthenticationConfiguration"]["AccessRoleArn"] == {
        "Fn::GetAtt": [_role_id(full.template, "build.apprunner.amazonaws.com"), "Arn"]
    }


def test_the_instance_role_reads_only_the_given_secrets(full: Full) -> None:
    role_id = _role_id(full.template, "tasks.apprunner.amazonaws.com")
    statements = _policy_of(full.template, role_id)
    secret_statements = [s for s in statements if any(a.startswith("secretsmanager:") for a in _actions(s))]
    assert [s["Resource"] for s in secret_statements] == [full.secret_ref]
    ssm_statements = [s for s in statements if any(a.startswith("ssm:") for a in _actions(s))]
    assert len(ssm_statements) == 1
    assert full.parameter_name.lstrip("/") in str(ssm_statements[0]["Resource"])
    unrelated = next(k for k in _resources(full.template, "AWS::SecretsManager::Secret") if "Unrelated" in k)
    assert unrelated not in str(statements)


def test_extra_statements_land_on_the_instance_role(full: Full) -> None:
    statements = _policy_of(full.template, _role_id(full.template, "tasks.apprunner.amazonaws.com"))
    assert {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::assets/*"} in statements


def test_the_service_waits_for_its_roles_policies(full: Full) -> None:
    service = _only(full.template, "AWS::AppRunner::Service")
    access_policy = next(k for k in _resources(full.template, "AWS::IAM::Policy") if "AccessRole" in k)
    instance_policy = next(k for k in _resources(full.template, "AWS::IAM::Policy") if "InstanceRole" in k)
    assert {access_policy, instance_policy} <= set(service["DependsOn"])


def test_environment_and_secrets_reach_the_container(full: Full) -> None:
    image = _only(full.template, "AWS::AppRunner::Service")["Properties"]["SourceConfiguration"][
        "ImageRepository"
    ]
    config = image["ImageConfiguration"]
    assert config["Port"] == "3000"
    assert config["StartCommand"] == "node server.js"
    assert config["RuntimeEnvironmentVariables"] == [{"Name": "LOG_LEVEL", "Value": "info"}]
    assert sorted(s["Name"] for s in config["RuntimeEnvironmentSecrets"]) == ["API_KEY", "DB_PASSWORD"]
    assert image["ImageRepositoryType"] == "ECR"
    assert image["ImageIdentifier"]["Fn::Join"][1][-2:] == [full.repository_name, ":v1.2.3"]


def test_a_private_ecr_tag_redeploys_on_push(full: Full) -> None:
    source = _only(full.template, "AWS::AppRunner::Service")["Properties"]["SourceConfiguration"]
    assert source["AutoDeploymentsEnabled"] is True


def test_private_mode_creates_the_ingress_connection_and_turns_public_access_off(full: Full) -> None:
    service_id = next(iter(_resources(full.template, "AWS::AppRunner::Service")))
    service = _resources(full.template, "AWS::AppRunner::Service")[service_id]["Properties"]
    assert service["NetworkConfiguration"]["IngressConfiguration"] == {"IsPubliclyAccessible": False}
    endpoint_id, endpoint = next(iter(_resources(full.template, "AWS::EC2::VPCEndpoint").items()))
    assert endpoint["Properties"]["VpcEndpointType"] == "Interface"
    assert endpoint["Properties"]["ServiceName"] == {
        "Fn::Join": ["", ["com.amazonaws.", {"Ref": "AWS::Region"}, ".apprunner.requests"]]
    }
    connection = _only(full.template, "AWS::AppRunner::VpcIngressConnection")["Properties"]
    assert connection["ServiceArn"] == {"Fn::GetAtt": [service_id, "ServiceArn"]}
    assert connection["IngressVpcConfiguration"]["VpcEndpointId"] == {"Ref": endpoint_id}


def test_x_ray_tracing_is_on_by_default(full: Full) -> None:
    config_id, config = next(
        iter(_resources(full.template, "AWS::AppRunner::ObservabilityConfiguration").items())
    )
    assert config["Properties"]["TraceConfiguration"] == {"Vendor": "AWSXRAY"}
    service = _only(full.template, "AWS::AppRunner::Service")["Properties"]
    assert service["ObservabilityConfiguration"] == {
        "ObservabilityEnabled": True,
        "ObservabilityConfigurationArn": {"Fn::GetAtt": [config_id, "ObservabilityConfigurationArn"]},
    }
    statements = _policy_of(full.template, _role_id(full.template, "tasks.apprunner.amazonaws.com"))
    assert any("xray:PutTraceSegments" in _actions(s) for s in statements)


def test_auto_scaling_health_check_size_and_encryption_are_rendered(full: Full) -> None:
    full.template.has_resource_properties(
        "AWS::AppRunner::AutoScalingConfiguration", {"MinSize": 2, "MaxSize": 10, "MaxConcurrency": 50}
    )
    full.template.has_resource_properties(
        "AWS::AppRunner::Service",
        {
            "ServiceName": "api-service",
            "InstanceConfiguration": Match.object_like({"Cpu": "2 vCPU", "Memory": "4 GB"}),
            "HealthCheckConfiguration": Match.object_like(
                {"Protocol": "HTTP", "Path": "/health", "Interval": 10}
            ),
            "AutoScalingConfigurationArn": {
                "Fn::GetAtt": [Match.string_like_regexp("AutoScaling"), Match.any_value()]
            },
            "EncryptionConfiguration": {"KmsKey": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]}},
        },
    )


# --- A public-image service without VPC or tracing --------------------------------------------


@pytest.fixture(scope="module")
def public_template() -> Template:
    stack = Stack(make_app(), "Public")
    AppRunnerService(
        stack,
        "Hello",
        public_image="public.ecr.aws/aws-containers/hello-app-runner:latest",
        port=8000,
        cpu=apprunner.Cpu.QUARTER_VCPU,
        memory=apprunner.Memory.HALF_GB,
        tracing=False,
    )
    return Template.from_stack(stack)


def test_a_public_image_needs_no_access_role_and_is_not_auto_deployed(public_template: Template) -> None:
    service = _only(public_template, "AWS::AppRunner::Service")["Properties"]
    assert "AccessRoleArn" not in service["SourceConfiguration"].get("AuthenticationConfiguration", {})
    assert service["SourceConfiguration"]["AutoDeploymentsEnabled"] is False
    image = service["SourceConfiguration"]["ImageRepository"]
    assert image["ImageRepositoryType"] == "ECR_PUBLIC"
    assert image["ImageIdentifier"] == "public.ecr.aws/aws-containers/hello-app-runner:latest"
    assert image["ImageConfiguration"] == {"Port": "8000"}
    roles = _resources(public_template, "AWS::IAM::Role").values()
    assert all("build.apprunner" not in str(r) for r in roles)


def test_without_a_vpc_the_service_is_public_with_default_egress(public_template: Template) -> None:
    network = _only(public_template, "AWS::AppRunner::Service")["Properties"]["NetworkConfiguration"]
    assert network["EgressConfiguration"] == {"EgressType": "DEFAULT"}
    assert network["IngressConfiguration"] == {"IsPubliclyAccessible": True}
    public_template.resource_count_is("AWS::AppRunner::VpcConnector", 0)
    public_template.resource_count_is("AWS::AppRunner::VpcIngressConnection", 0)


def test_tracing_can_be_turned_off(public_template: Template) -> None:
    public_template.resource_count_is("AWS::AppRunner::ObservabilityConfiguration", 0)
    assert "ObservabilityConfiguration" not in _only(public_template, "AWS::AppRunner::Service")["Properties"]


def test_the_smallest_instance_size_is_rendered(public_template: Template) -> None:
    instance = _only(public_template, "AWS::AppRunner::Service")["Properties"]["InstanceConfiguration"]
    assert (instance["Cpu"], instance["Memory"]) == ("0.25 vCPU", "0.5 GB")


# --- A digest from a ContainerRepository-like source, through an existing connector ----------


@dataclass(frozen=True)
class _RepositoryHolder:
    repository: ecr.IRepository


@pytest.fixture(scope="module")
def pinned_template() -> Template:
    stack = Stack(make_app(), "Pinned", env=Environment(account="111111111111", region="eu-west-1"))
    connector = apprunner.VpcConnector.from_vpc_connector_attributes(
        stack,
        "Connector",
        vpc_connector_arn="arn:aws:apprunner:eu-west-1:111111111111:vpcconnector/shared/1/abc",
        vpc_connector_name="shared",
        vpc_connector_revision=1,
        security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-12345678")],
    )
    service = AppRunnerService(
        stack,
        "Api",
        repository=_RepositoryHolder(ecr.Repository.from_repository_name(stack, "Repo", "team/api")),
        digest=DIGEST,
        vpc_connector=connector,
    )
    assert service.connections.security_groups[0].security_group_id == "sg-12345678"
    return Template.from_stack(stack)


def test_a_digest_pins_the_image_and_turns_auto_deploy_off(pinned_template: Template) -> None:
    source = _only(pinned_template, "AWS::AppRunner::Service")["Properties"]["SourceConfiguration"]
    assert source["AutoDeploymentsEnabled"] is False
    assert str(source["ImageRepository"]["ImageIdentifier"]).endswith(f"team/api@{DIGEST}']]}}")


def test_an_existing_connector_is_used_instead_of_a_new_one(pinned_template: Template) -> None:
    pinned_template.resource_count_is("AWS::AppRunner::VpcConnector", 0)
    network = _only(pinned_template, "AWS::AppRunner::Service")["Properties"]["NetworkConfiguration"]
    assert network["EgressConfiguration"] == {
        "EgressType": "VPC",
        "VpcConnectorArn": "arn:aws:apprunner:eu-west-1:111111111111:vpcconnector/shared/1/abc",
    }


def test_a_container_repository_source_pulls_from_its_repository(pinned_template: Template) -> None:
    statements = _policy_of(pinned_template, _role_id(pinned_template, "build.apprunner.amazonaws.com"))
    scoped = [s["Resource"] for s in statements if _actions(s) != ["ecr:GetAuthorizationToken"]]
    assert scoped
    assert all("repository/team/api" in str(r) for r in scoped)


# --- Bad input ----------------------------------------------------------------------------------


def _try(region: str | None = None, with_vpc: bool = False, **kwargs: Any) -> AppRunnerService:
    env = Environment(account="111111111111", region=region) if region else None
    stack = Stack(make_app(), "Bad", env=env)
    if with_vpc:
        kwargs["vpc"] = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "Secret", "db")
    if kwargs.get("secrets") == "DB":
        kwargs["secrets"] = {"DB": apprunner.Secret.from_secrets_manager(secret)}
    if kwargs.get("secrets") == "AWSAPPRUNNER_DB":
        kwargs["secrets"] = {"AWSAPPRUNNER_DB": apprunner.Secret.from_secrets_manager(secret)}
    kwargs.setdefault("repository", ecr.Repository.from_repository_name(stack, "Repo", "api"))
    return AppRunnerService(stack, "Svc", **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"tag": "v1", "digest": DIGEST},
            r"tag/digest=\('v1', 'sha256:ab.*'\) is invalid: a tag or a digest, not both",
        ),
        ({"digest": "sha256:xyz"}, r"digest='sha256:xyz' is invalid: 'sha256:' and 64 lowercase hex"),
        ({"tag": "bad tag"}, r"tag='bad tag' is invalid: an ECR tag"),
        (
            {"repository": None},
            r"repository/public_image=\(False, None\) is invalid: exactly one: a private ECR repository",
        ),
        (
            {"public_image": "public.ecr.aws/x/y:1"},
            r"repository/public_image=\(True, 'public.ecr.aws/x/y:1'\) is invalid: exactly one",
        ),
        (
            {"repository": None, "public_image": "docker.io/nginx"},
            r"public_image='docker.io/nginx' is invalid: an ECR Public image URI",
        ),
        (
            {"repository": None, "public_image": "public.ecr.aws/x/y:1", "auto_deploy": True},
            r"auto_deploy=True is invalid: False or None with public_image",
        ),
        (
            {"cpu": apprunner.Cpu.ONE_VCPU, "memory": apprunner.Memory.EIGHT_GB},
            r"memory='8 GB' is invalid: with cpu '1 vCPU' one of \['2 GB', '3 GB', '4 GB'\]",
        ),
        (
            {"cpu": "1 vCPU"},
            r"cpu='1 vCPU' is invalid: expected apprunner.Cpu such as apprunner.Cpu.ONE_VCPU, got str",
        ),
        ({"port": 0}, r"port=0 is invalid: an integer from 1 to 65535"),
        ({"port": 65536}, r"port=65536 is invalid: an integer from 1 to 65535"),
        (
            {"auto_scaling": AppRunnerAutoScaling(min_size=5, max_size=2)},
            r"auto_scaling.min_size=5 is invalid: at most max_size \(2\)",
        ),
        (
            {"auto_scaling": AppRunnerAutoScaling(min_size=0)},
            r"auto_scaling.min_size=0 is invalid: an integer from 1 to 25",
        ),
        (
            {"auto_scaling": AppRunnerAutoScaling(max_size=26)},
            r"auto_scaling.max_size=26 is invalid: an integer from 1 to 25",
        ),
        (
            {"auto_scaling": AppRunnerAutoScaling(max_concurrency=0)},
            r"auto_scaling.max_concurrency=0 is invalid: an integer from 1 to 200",
        ),
        (
            {"auto_scaling": AppRunnerAutoScaling(max_concurrency=201)},
            r"auto_scaling.max_concurrency=201 is invalid",
        ),
        (
            {"environment": {"AWSAPPRUNNER_X": "1"}},
            r"environment key='AWSAPPRUNNER_X' is invalid: .*AWSAPPRUNNER \(reserved\)",
        ),
        (
            {"secrets": "AWSAPPRUNNER_DB"},
            r"secrets key='AWSAPPRUNNER_DB' is invalid: .*AWSAPPRUNNER \(reserved\)",
        ),
        (
            {"environment": {"DB": "x"}, "secrets": "DB"},
            r"secrets='DB' is invalid: a name not also set in environment",
        ),
        ({"private": True}, r"private=True is invalid: True only with vpc"),
        (
            {"vpc_subnets": ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)},
            r"vpc_subnets=.* is invalid: only with vpc",
        ),
        ({"service_name": "a b"}, r"service_name='a b' is invalid: 4 to 40 letters"),
        ({"port": True}, r"port=True is invalid: an integer from 1 to 65535, got a bool"),
        (
            {"digest": DIGEST, "auto_deploy": True},
            r"auto_deploy=True is invalid: False or None with digest",
        ),
        ({"start_command": " "}, r"start_command=' ' is invalid: a non-empty command on one line"),
        ({"start_command": "a\nb"}, r"start_command='a\\nb' is invalid: a non-empty command on one line"),
    ],
)
def test_bad_service_arguments_are_refused_with_a_clear_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=r"AppRunnerService 'Bad/Svc': " + message):
        _try(**kwargs)


def test_public_subnets_are_refused_for_the_connector() -> None:
    with pytest.raises(
        ValueError, match=r"vpc_subnets=.*PUBLIC.* is invalid: private subnets with a NAT route"
    ):
        _try(with_vpc=True, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC))


def test_subnets_the_vpc_lacks_are_refused() -> None:
    with pytest.raises(
        ValueError, match=r"vpc_subnets=.*ISOLATED.* is invalid: subnets that exist in the VPC"
    ):
        _try(with_vpc=True, vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED))


def _connector_warnings(vpc_subnets: ec2.SubnetSelection | None) -> list[str]:
    stack = Stack(make_app(), "Isolated")
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=1,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="Public", subnet_type=ec2.SubnetType.PUBLIC),
            ec2.SubnetConfiguration(name="App", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
            ec2.SubnetConfiguration(name="Data", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )
    repository = ecr.Repository.from_repository_name(stack, "Repo", "api")
    AppRunnerService(stack, "Svc", repository=repository, vpc=vpc, vpc_subnets=vpc_subnets)
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("isolated subnets"))
    return [str(w.entry.data) for w in found]


@pytest.mark.parametrize(
    "selection",
    [
        ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ec2.SubnetSelection(subnet_group_name="Data"),
    ],
    ids=["by-type", "by-group-name"],
)
def test_a_connector_in_isolated_subnets_is_warned_about(selection: ec2.SubnetSelection) -> None:
    # No NAT route: the service would reach no internet address and AWS APIs only via endpoints
    (warning,) = _connector_warnings(selection)
    assert "Use PRIVATE_WITH_EGRESS subnets" in warning
    assert "[ack: cdk-containers:apprunner-isolated-connector]" in warning


@pytest.mark.parametrize(
    "selection",
    [None, ec2.SubnetSelection(subnet_group_name="App")],
    ids=["default", "private-with-egress-by-name"],
)
def test_a_connector_in_subnets_with_nat_gets_no_warning(selection: ec2.SubnetSelection | None) -> None:
    assert _connector_warnings(selection) == []


def test_a_region_without_app_runner_is_refused() -> None:
    with pytest.raises(ValueError, match=r"region='ca-central-1' is invalid: a region where App Runner runs"):
        _try(region="ca-central-1")


def test_a_region_with_app_runner_is_accepted() -> None:
    assert "eu-west-1" in APP_RUNNER_REGIONS
    assert _try(region="eu-west-1").service_arn


def test_connections_without_a_vpc_raise_a_clear_error() -> None:
    service = _try()
    with pytest.raises(ValueError, match=r"AppRunnerService 'Bad/Svc': connections exist only with vpc"):
        _ = service.connections


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"has 3 invalid arguments") as error:
        _try(port=0, cpu="3 vCPU", tag="v1", digest=DIGEST)
    assert "port=0" in str(error.value)
    assert "cpu='3 vCPU'" in str(error.value)
    assert "tag/digest" in str(error.value)


# --- aws-cdk-lib's slots: IGrantable and IConnectable ------------------------------------------


@dataclass
class Slots:
    template: Template
    stack: Stack
    service: AppRunnerService
    database_sg: ec2.SecurityGroup


@pytest.fixture(scope="module")
def slots() -> Slots:
    from aws_cdk import aws_dynamodb as dynamodb
    from aws_cdk import aws_s3 as s3

    stack = Stack(make_app(), "Slots")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    service = AppRunnerService(stack, "Api", repository=ecr.Repository(stack, "Repo"), tag="v1", vpc=vpc)
    s3.Bucket(stack, "Assets").grant_read(service)
    table = dynamodb.Table(
        stack, "Table", partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING)
    )
    table.grant_read_data(service)
    database_sg = ec2.SecurityGroup(stack, "DatabaseSg", vpc=vpc, allow_all_outbound=False)
    database_sg.connections.allow_from(service, ec2.Port.tcp(5432), "API to Postgres")
    return Slots(Template.from_stack(stack), stack, service, database_sg)


def test_a_bucket_grants_read_to_the_service_as_an_igrantable(slots: Slots) -> None:
    statements = _policy_of(slots.template, _role_id(slots.template, "tasks.apprunner.amazonaws.com"))
    s3_actions = {a for s in statements for a in _actions(s) if a.startswith("s3:")}
    assert {"s3:GetObject*", "s3:List*"} <= s3_actions


def test_a_table_grants_read_data_to_the_service_as_an_igrantable(slots: Slots) -> None:
    statements = _policy_of(slots.template, _role_id(slots.template, "tasks.apprunner.amazonaws.com"))
    assert any("dynamodb:GetItem" in _actions(s) for s in statements)


def test_a_security_group_admits_the_service_as_an_iconnectable(slots: Slots) -> None:
    connector_sg = slots.stack.resolve(slots.service.connections.security_groups[0].security_group_id)
    slots.template.has_resource_properties(
        "AWS::EC2::SecurityGroupIngress",
        {
            "GroupId": slots.stack.resolve(slots.database_sg.security_group_id),
            "SourceSecurityGroupId": connector_sg,
            "FromPort": 5432,
            "ToPort": 5432,
        },
    )


def test_importing_the_constructs_does_not_load_the_app_runner_alpha() -> None:
    import subprocess
    import sys

    code = "import sys, cdk_containers.constructs; print('aws_cdk.aws_apprunner_alpha' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_a_missing_apprunner_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "aws_cdk.aws_apprunner_alpha", None)
    stack = Stack(make_app(), "NoExtra")
    with pytest.raises(
        ImportError, match=r"AppRunnerService needs .*pip install 'cdk-containers\[apprunner\]'"
    ):
        AppRunnerService(stack, "Api", public_image="public.ecr.aws/x/y:1")
