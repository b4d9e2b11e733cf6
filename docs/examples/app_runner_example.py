"""App Runner: a service from a private ECR repository, inside a VPC, talking to Postgres."""

import aws_cdk.aws_apprunner_alpha as apprunner
from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from cdk_containers.constructs import AppRunnerAutoScaling, AppRunnerService


def build(stack: Stack) -> None:
    """Add a VPC-connected App Runner service and a private one to ``stack``."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    repository = ecr.Repository.from_repository_name(stack, "ApiRepository", "cdk-containers/api")
    db_password = secretsmanager.Secret.from_secret_name_v2(stack, "DbPassword", "prod/api/db-password")

    # The security group of something the service must reach (a database, for example).
    database_sg = ec2.SecurityGroup(stack, "DatabaseSg", vpc=vpc, allow_all_outbound=False)
    database = ec2.Connections(security_groups=[database_sg])

    api = AppRunnerService(
        stack,
        "Api",
        repository=repository,  # or a ContainerRepository
        tag="v1.4.2",
        port=8080,
        cpu=apprunner.Cpu.ONE_VCPU,
        memory=apprunner.Memory.TWO_GB,
        environment={"LOG_LEVEL": "info"},
        secrets={"DB_PASSWORD": apprunner.Secret.from_secrets_manager(db_password)},
        vpc=vpc,  # connector in the private subnets with egress
        auto_scaling=AppRunnerAutoScaling(min_size=1, max_size=5, max_concurrency=80),
        health_check=apprunner.HealthCheck.http(path="/health"),
    )
    # One ingress rule on the database: from the connector's security group, on 5432 only.
    database.allow_from(api, ec2.Port.tcp(5432), "API to Postgres")
    # The service is an iam.IGrantable: grants go to its instance role.
    s3.Bucket.from_bucket_name(stack, "Assets", "example-assets").grant_read(api)

    # A service reachable only from inside the VPC (interface endpoint + VPC ingress connection).
    AppRunnerService(
        stack,
        "Internal",
        public_image="public.ecr.aws/aws-containers/hello-app-runner:latest",
        port=8000,
        vpc=vpc,
        private=True,
    )
