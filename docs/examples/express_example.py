"""ECS Express Mode: a private service from ECR, in a VPC, talking to Postgres."""

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager

from cdk_containers.constructs import ExpressAutoScaling, ExpressScalingMetric, ExpressService


def build(stack: Stack) -> None:
    """Add a private Express Mode service and a public one to ``stack``."""
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    repository = ecr.Repository.from_repository_name(stack, "ApiRepository", "cdk-containers/api")
    db_password = secretsmanager.Secret.from_secret_name_v2(stack, "DbPassword", "prod/api/db-password")

    # The security group of something the service must reach (a database, for example).
    database_sg = ec2.SecurityGroup(stack, "DatabaseSg", vpc=vpc, allow_all_outbound=False)
    database = ec2.Connections(security_groups=[database_sg])

    api = ExpressService(
        stack,
        "Api",
        vpc=vpc,  # tasks and an internal load balancer in the private subnets with egress
        repository=repository,  # or a ContainerRepository
        tag="v1.4.2",
        port=8080,
        cpu=1024,
        memory_limit_mib=2048,
        environment={"LOG_LEVEL": "info"},
        secrets={"DB_PASSWORD": ecs.Secret.from_secrets_manager(db_password)},
        health_check_path="/health",
        auto_scaling=ExpressAutoScaling(
            min_size=2, max_size=10, metric=ExpressScalingMetric.AVERAGE_CPU, target_value=60
        ),
    )
    # One ingress rule on the database: from the tasks' security group, on 5432 only.
    database.allow_from(api, ec2.Port.tcp(5432), "API to Postgres")
    # The service is an iam.IGrantable: grants go to its task role, never to the execution role.
    s3.Bucket.from_bucket_name(stack, "Assets", "example-assets").grant_read(api)

    # A public endpoint: the load balancer (and the tasks) go into the public subnets.
    ExpressService(
        stack,
        "Hello",
        vpc=vpc,
        public_image="public.ecr.aws/aws-containers/hello-app-runner:latest",
        port=8000,
        private=False,
    )
