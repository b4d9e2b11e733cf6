"""EKS: a private cluster with managed, self-managed and Fargate capacity."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam

from cdk_containers.constructs import (
    EksCluster,
    FargateProfileOptions,
    FargateSelector,
    ManagedNodeGroupOptions,
    SelfManagedNodeGroupOptions,
    Taint,
)


def build(stack: Stack) -> None:
    vpc = ec2.Vpc(stack, "Vpc", max_azs=2, nat_gateways=1)
    ops = iam.Role(stack, "Ops", assumed_by=iam.AccountRootPrincipal())

    # Private endpoint, all logs, KMS-encrypted secrets, Kubernetes 1.36; `ops` is cluster admin.
    cluster = EksCluster(stack, "Eks", vpc=vpc, admin_roles=[ops])

    # Managed: Spot over three instance types, Graviton-free x86 AL2023.
    cluster.add_managed_node_group(
        "Spot",
        ManagedNodeGroupOptions(
            capacity_type=eks.CapacityType.SPOT,
            instance_types=["m7i.large", "m6i.large", "m5.large"],
            max_size=6,
        ),
    )
    # Self-managed: an ARM64 Auto Scaling group for batch jobs, tainted so only they land there.
    cluster.add_self_managed_node_group(
        "Batch",
        SelfManagedNodeGroupOptions(
            ami_type=eks.NodegroupAmiType.AL2023_ARM_64_STANDARD,
            instance_types=["c7g.xlarge", "c6g.xlarge"],
            capacity_type=eks.CapacityType.SPOT,
            min_size=0,
            labels={"workload": "batch"},
            taints=[Taint(key="workload", value="batch")],
        ),
    )
    # Fargate: every pod of the "serverless" namespace.
    cluster.add_fargate_profile(
        "Serverless", FargateProfileOptions(selectors=[FargateSelector(namespace="serverless")])
    )

    # An add-on after compute, a Pod Identity role for EC2 pods, an IRSA role for Fargate pods,
    # a manifest (these create the kubectl handler), and pulls through the ECR cache prefixes.
    cluster.add_addon("metrics-server")
    cluster.add_pod_identity("Reports", namespace="reports", service_account="exporter")
    cluster.add_irsa_service_account("Functions", namespace="serverless", service_account="functions")
    cluster.allow_pull_through(["ecr-public", "k8s"])
    cluster.add_manifest(
        "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "reports"}}
    )
