"""PlatformStage: the example stacks for one environment, built from its configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_containers.pipeline import (
    ChecksRunner,
    DeliveryPipelineStack,
    EnvironmentConfig,
    FeaturesConfig,
    PlatformStage,
)
from cdk_containers.testing import SynthResult
from tests.conftest import make_app
from tests.pipeline.conftest import stage_template, stage_template_json
from tests.support import resources_of_type


def _stage(pipeline: DeliveryPipelineStack, name: str) -> PlatformStage:
    return pipeline.stages[name]


def test_every_environment_gets_its_own_account_and_region(delivery_pipeline: DeliveryPipelineStack) -> None:
    placed = {name: (stage.account, stage.region) for name, stage in delivery_pipeline.stages.items()}
    assert placed == {
        "dev": ("222222222222", "eu-west-1"),
        "staging": ("333333333333", "eu-west-1"),
        "prod-eu": ("444444444444", "eu-west-1"),
        "prod-us": ("444444444444", "us-east-1"),
    }


def test_stack_names_carry_the_prefix_and_the_environment(delivery_pipeline: DeliveryPipelineStack) -> None:
    stage = _stage(delivery_pipeline, "prod-us")
    assert stage.network.stack_name == "cdkc-prod-us-network"
    assert stage.registry.stack_name == "cdkc-prod-us-registry"
    assert stage.eks_cluster is not None
    assert stage.eks_cluster.stack_name == "cdkc-prod-us-ekscluster"


def test_the_vpc_spans_exactly_the_configured_zones_and_cidr(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    template = stage_template_json(delivery_synth, _stage(delivery_pipeline, "staging").network)
    (vpc,) = resources_of_type(template, "AWS::EC2::VPC").values()
    assert vpc["Properties"]["CidrBlock"] == "10.20.0.0/16"
    zones = {
        s["Properties"]["AvailabilityZone"] for s in resources_of_type(template, "AWS::EC2::Subnet").values()
    }
    assert zones == {"eu-west-1a", "eu-west-1b", "eu-west-1c"}


def test_synthesis_needs_no_context_lookup(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    for stage in delivery_pipeline.stages.values():
        manifest = json.loads((Path(str(stage.outdir)) / "manifest.json").read_text(encoding="utf-8"))
        assert manifest.get("missing", []) == [], stage.stage_name


def test_nat_gateways_follow_the_capacity(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    prod = stage_template(delivery_synth, _stage(delivery_pipeline, "prod-eu").network)
    prod.resource_count_is("AWS::EC2::NatGateway", 3)
    dev = stage_template(delivery_synth, _stage(delivery_pipeline, "dev").network)
    dev.resource_count_is("AWS::EC2::NatGateway", 1)


def test_node_group_sizes_follow_the_capacity(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    cluster = _stage(delivery_pipeline, "prod-eu").eks_cluster
    assert cluster is not None
    template = stage_template(delivery_synth, cluster)
    template.has_resource_properties(
        "AWS::EKS::Nodegroup", {"ScalingConfig": {"MinSize": 3, "MaxSize": 10, "DesiredSize": 3}}
    )
    template.has_resource_properties("AWS::AutoScaling::AutoScalingGroup", {"MinSize": "2", "MaxSize": "5"})


def test_configured_admin_roles_get_cluster_admin_access(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    cluster = _stage(delivery_pipeline, "dev").eks_cluster
    assert cluster is not None
    entries = resources_of_type(stage_template_json(delivery_synth, cluster), "AWS::EKS::AccessEntry")
    (admin,) = [
        e
        for e in entries.values()
        if e["Properties"]["PrincipalArn"] == "arn:aws:iam::222222222222:role/PlatformAdmin"
    ]
    (policy,) = admin["Properties"]["AccessPolicies"]
    assert policy["AccessScope"] == {"Type": "cluster"}
    assert "AmazonEKSClusterAdminPolicy" in json.dumps(policy["PolicyArn"])


def test_registry_scanning_exists_only_where_it_is_opted_in(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    scanning = "AWS::ECR::RegistryScanningConfiguration"
    dev = stage_template_json(delivery_synth, _stage(delivery_pipeline, "dev").registry)
    prod = stage_template_json(delivery_synth, _stage(delivery_pipeline, "prod-eu").registry)
    assert resources_of_type(dev, scanning) == {}
    assert len(resources_of_type(prod, scanning)) == 1


def test_each_environment_runs_the_web_tier_it_names(delivery_pipeline: DeliveryPipelineStack) -> None:
    built = {
        name: (type(stage.web).__name__ if stage.web else None, stage.service_url_is_internal)
        for name, stage in delivery_pipeline.stages.items()
    }
    assert built == {
        "dev": ("AppRunnerStack", False),
        "staging": ("ExpressServiceStack", True),
        "prod-eu": ("ExpressServiceStack", True),
        "prod-us": ("ExpressServiceStack", True),
    }
    express = _stage(delivery_pipeline, "staging").express
    assert express is not None
    assert express.stack_name == "cdkc-staging-expressservice"


def test_the_service_url_output_is_the_web_stack_s_own(delivery_pipeline: DeliveryPipelineStack) -> None:
    for stage in delivery_pipeline.stages.values():
        output = stage.service_url_output
        assert output is not None
        assert output.stack is stage.web
        assert output.node.id == "ServiceUrl"


def test_the_express_service_runs_in_the_environment_s_vpc_from_its_registry(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    stage = _stage(delivery_pipeline, "prod-us")
    assert stage.express is not None
    template = stage_template_json(delivery_synth, stage.express)
    (service,) = resources_of_type(template, "AWS::ECS::ExpressGatewayService").values()
    subnets = service["Properties"]["NetworkConfiguration"]["Subnets"]
    # The environment's network stack's private subnets, one per configured zone.
    assert [s["Fn::GetStackOutput"]["StackName"] for s in subnets] == ["cdkc-prod-us-network"] * 3
    assert all("PrivateSubnet" in s["Fn::GetStackOutput"]["OutputName"] for s in subnets)


def test_a_stage_without_a_cluster_still_checks_an_express_service_from_its_vpc() -> None:
    stage = PlatformStage(
        make_app(),
        "web-only",
        environment=_environment(features=FeaturesConfig(eks=False, web="express")),
        checks_runner=ChecksRunner(account="111111111111", role_name="cdkc-pipeline-checks"),
    )
    assert stage.eks_cluster is None
    assert stage.checks is not None
    assert stage.checks.nodes_project is None
    assert stage.checks.service_project is not None


def test_a_stage_with_nothing_to_check_from_inside_has_no_checks_stack() -> None:
    stage = PlatformStage(
        make_app(),
        "registry-only",
        environment=_environment(features=FeaturesConfig(eks=False, web="app-runner")),
        checks_runner=ChecksRunner(account="111111111111", role_name="cdkc-pipeline-checks"),
    )
    assert stage.checks is None
    assert stage.app_runner is not None


def _environment(**overrides: Any) -> EnvironmentConfig:
    values: dict[str, Any] = {
        "name": "dev",
        "wave": "dev",
        "account": "222222222222",
        "region": "eu-west-1",
        "availability_zones": ("eu-west-1a", "eu-west-1b"),
        "cidr": "10.10.0.0/16",
    }
    values.update(overrides)
    return EnvironmentConfig(**values)


def test_a_stage_refuses_an_invalid_environment_built_in_code() -> None:
    with pytest.raises(
        ValueError,
        match=r"PlatformStage 'dev': environment.account='42' is invalid: a 12-digit AWS account id",
    ):
        PlatformStage(make_app(), "dev", environment=_environment(account="42"))


def test_a_stage_refuses_a_mapping_where_the_environment_is_meant() -> None:
    with pytest.raises(
        ValueError, match=r"environment=\{\} is invalid: expected EnvironmentConfig, got a dict"
    ):
        PlatformStage(make_app(), "dev", environment={})  # type: ignore[arg-type]


def test_a_stage_takes_its_env_from_the_configuration_only() -> None:
    with pytest.raises(ValueError, match=r"env=.* is invalid: no env: it comes from `environment`"):
        PlatformStage(make_app(), "dev", environment=_environment(), env={"account": "1"})
