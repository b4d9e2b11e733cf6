"""tests/test_my_stacks.py in a user's CDK app, run from the app's root (beside cdk.json).

Needs ``pip install "cdk-containers[testing]"``: that brings pytest, syrupy and the
``cdk_snapshot`` fixture, which pytest loads by itself.
"""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from cdk_containers.stacks import NetworkStack
from cdk_containers.testing import SynthResult, cdk_json_context, cfn_lint, synthesize


class WorkerStack(Stack):
    """The user's own stack: a security group in the shared VPC and a log group."""

    def __init__(self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc) -> None:
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self, "Workers", vpc=vpc, description="Worker tasks", allow_all_outbound=False
        )
        logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.RETAIN
        )


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    # Synthesize once per module: every jsii call costs time. The feature flags
    # come from cdk.json so the test sees the template that `cdk synth` writes.
    app = App(context=cdk_json_context("cdk.json"), outdir=str(tmp_path_factory.mktemp("cdk.out")))
    network = NetworkStack(app, "Network", nat_gateways=2)
    WorkerStack(app, "Workers", vpc=network.vpc)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return synthesize(app)  # collects cdk-nag findings instead of raising on the first


def test_worker_stack_matches_its_snapshot(synth: SynthResult, cdk_snapshot: Any) -> None:
    # First run: pytest --snapshot-update, then review and commit __snapshots__/.
    assert synth.template_json("Workers") == cdk_snapshot


def test_no_unacknowledged_cdk_nag_findings(synth: SynthResult) -> None:
    findings = synth.violations_of("AwsSolutions", severities=("error", "warning"))
    assert findings == [], "\n".join(map(str, findings))


def test_network_has_a_nat_gateway_per_zone(synth: SynthResult) -> None:
    synth.template("Network").resource_count_is("AWS::EC2::NatGateway", 2)


def test_workers_accept_no_inbound_traffic(synth: SynthResult) -> None:
    groups = synth.template("Workers").find_resources("AWS::EC2::SecurityGroup")
    assert [g["Properties"].get("SecurityGroupIngress") for g in groups.values()] == [None]


@pytest.mark.parametrize("stack_name", ["Network", "Workers"])
def test_templates_pass_cfn_lint(synth: SynthResult, stack_name: str) -> None:
    findings = cfn_lint(synth.template_files[stack_name], ignore={"W3005": "CDK-generated DependsOn"})
    assert findings == [], "\n".join(map(str, findings))
