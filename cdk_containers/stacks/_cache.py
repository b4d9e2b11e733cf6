"""The private data store of the web-service example stacks: an ElastiCache Serverless (Valkey) cache."""

from __future__ import annotations

import re

from aws_cdk import Aws, Duration, Fn, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_containers._kms import limit_grants_to_aws_services

__all__: list[str] = []

#: ElastiCache Serverless serves writes on 6379 and reads (READONLY connections) on 6380; TLS only.
CACHE_PORT = 6379
CACHE_READER_PORT = 6380


class _ValkeyCache(Construct):
    """A Valkey 8 serverless cache in private subnets, encrypted with a rotating retained key.

    Its security group admits nobody until `allow_from` names a peer, and then exactly 6379
    (primary) and 6380 (readers). Its name is unique per stack creation, so a redeploy after
    `cdk destroy` (which retains the cache) and a second copy of the stack both work.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        snapshot_retention: Duration,
        owner: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.key = limit_grants_to_aws_services(
            kms.Key(
                self,
                "Key",
                description=f"Encrypts the {owner} example's ElastiCache Serverless cache at rest",
                enable_key_rotation=True,
                removal_policy=RemovalPolicy.RETAIN,
            )
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"ElastiCache Serverless cache: only the {owner} service may connect",
            allow_all_outbound=False,
        )
        self.cache = elasticache.CfnServerlessCache(
            self,
            "Cache",
            engine="valkey",
            major_engine_version="8",
            serverless_cache_name=_cache_name(scope),
            description=f"Cache of the {owner} example service",
            kms_key_id=self.key.key_arn,
            security_group_ids=[self.security_group.security_group_id],
            subnet_ids=vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnet_ids,
            snapshot_retention_limit=int(snapshot_retention.to_days()),
            daily_snapshot_time="03:00",
        )
        self.cache.apply_removal_policy(RemovalPolicy.RETAIN)
        self.connections = ec2.Connections(
            security_groups=[self.security_group], default_port=ec2.Port.tcp(CACHE_PORT)
        )

    @property
    def endpoint_address(self) -> str:
        """The cache's primary endpoint host name."""
        return self.cache.attr_endpoint_address

    def client_environment(self) -> dict[str, str]:
        """What a client needs to connect, as environment variables for the service.

        ElastiCache Serverless accepts TLS connections only: a client left at its default
        (plain text) cannot connect, so the variables say so twice, as `CACHE_TLS=true` and as
        the scheme of `CACHE_URL` (`rediss://`, which redis-py's `from_url`, ioredis and
        go-redis's `ParseURL` read as TLS).
        """
        return {
            "CACHE_HOST": self.endpoint_address,
            "CACHE_PORT": str(CACHE_PORT),
            "CACHE_READER_PORT": str(CACHE_READER_PORT),
            "CACHE_TLS": "true",
            "CACHE_URL": f"rediss://{self.endpoint_address}:{CACHE_PORT}",
        }

    def allow_from(self, peer: ec2.IConnectable, description: str) -> None:
        """Admit `peer` on the primary (6379) and reader (6380) ports, nothing else."""
        self.connections.allow_from(peer, ec2.Port.tcp_range(CACHE_PORT, CACHE_READER_PORT), description)


def _cache_name(scope: Construct) -> str:
    """`<stack name>-<first 8 hex of the stack's UUID>`: unique per stack creation, <= 40 characters.

    A fixed name collides with the cache that `cdk destroy` retained, and with a second copy
    of the stack; the stack id's UUID is new for every stack creation.
    """
    from aws_cdk import Stack

    stack_name = Stack.of(scope).stack_name
    base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9]", "-", stack_name.lower())).strip("-")
    if not base or not base[0].isalpha():
        base = f"c-{base}".strip("-")
    uuid_head = Fn.select(0, Fn.split("-", Fn.select(2, Fn.split("/", Aws.STACK_ID))))
    return Fn.join("-", [base[:31].rstrip("-"), uuid_head])
