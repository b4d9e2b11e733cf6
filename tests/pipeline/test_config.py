"""PlatformConfig: the typed configuration and every rule it is checked against."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cdk_containers.pipeline import (
    CapacityConfig,
    EnvironmentConfig,
    FeaturesConfig,
    PlatformConfig,
    load_platform_config,
    platform_config_from_context,
)
from tests.conftest import REPO_ROOT

CONNECTION = "arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-4000-8000-000000000000"


def _environment(name: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "wave": name,
        "account": "222222222222",
        "region": "eu-west-1",
        "availability_zones": ["eu-west-1a", "eu-west-1b"],
        "cidr": "10.10.0.0/16",
    }
    base.update(overrides)
    return base


def _config(*environments: dict[str, Any], **pipeline: Any) -> dict[str, Any]:
    envs = list(environments) or [_environment("dev")]
    settings: dict[str, Any] = {
        "account": "111111111111",
        "region": "eu-west-1",
        "connection_arn": CONNECTION,
        "repository": "example-org/cdk-containers",
        "waves": sorted({e["wave"] for e in envs}),
    }
    settings.update(pipeline)
    return {"pipeline": settings, "environments": envs}


def _error(data: Any) -> str:
    with pytest.raises(ValueError, match=r"^PlatformConfig 'pipeline.toml'") as caught:
        PlatformConfig.from_mapping(data, source="pipeline.toml")
    return str(caught.value)


def test_the_committed_example_configuration_is_valid() -> None:
    config = load_platform_config(REPO_ROOT / "pipeline.toml")
    assert [e.name for e in config.environments] == ["dev", "staging", "prod-eu", "prod-us"]
    assert config.pipeline.waves == ("dev", "staging", "prod")
    assert [e.region for e in config.in_wave("prod")] == ["eu-west-1", "us-east-1"]
    # One environment keeps App Runner (an older account); the new accounts run Express Mode.
    assert {e.name: e.features.web for e in config.environments} == {
        "dev": "app-runner",
        "staging": "express",
        "prod-eu": "express",
        "prod-us": "express",
    }


def test_a_file_becomes_frozen_typed_dataclasses() -> None:
    config = PlatformConfig.from_mapping(_config(_environment("dev", capacity={"node_min_size": 2})))
    dev = config.environment("dev")
    assert isinstance(dev, EnvironmentConfig)
    assert dev.availability_zones == ("eu-west-1a", "eu-west-1b")
    assert dev.capacity == CapacityConfig(node_min_size=2)
    assert dev.features == FeaturesConfig()
    with pytest.raises(AttributeError):
        dev.name = "other"  # type: ignore[misc]


def test_json_files_are_read_like_toml(tmp_path: Path) -> None:
    file = tmp_path / "platform.json"
    file.write_text(json.dumps(_config()), encoding="utf-8")
    assert load_platform_config(file).environment("dev").cidr == "10.10.0.0/16"


def test_the_cdk_json_context_may_hold_the_configuration_itself() -> None:
    config = platform_config_from_context(_config(), default_file=REPO_ROOT / "missing.toml")
    assert config.pipeline.account == "111111111111"


def test_an_unparsable_file_says_which_file(tmp_path: Path) -> None:
    file = tmp_path / "broken.toml"
    file.write_text("[pipeline\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"PlatformConfig '.*broken.toml': cannot be parsed"):
        load_platform_config(file)


def test_a_bad_account_id_is_refused_with_its_path() -> None:
    message = _error(_config(_environment("dev", account="12345")))
    assert (
        "PlatformConfig 'pipeline.toml': environments[0].account='12345' is invalid: "
        "a 12-digit AWS account id" in message
    )


def test_a_bad_pipeline_account_id_is_refused() -> None:
    assert "pipeline.account='1111' is invalid: a 12-digit AWS account id" in _error(_config(account="1111"))


def test_a_bad_region_is_refused() -> None:
    message = _error(_config(_environment("dev", region="Europe")))
    assert "environments[0].region='Europe' is invalid: an AWS region such as 'eu-west-1'" in message


def test_zones_must_be_in_the_environment_s_region() -> None:
    message = _error(_config(_environment("dev", availability_zones=["eu-west-1a", "us-east-1b"])))
    assert "environments[0].availability_zones[1]='us-east-1b' is invalid: a zone of eu-west-1" in message


def test_one_zone_is_not_enough_for_eks() -> None:
    message = _error(_config(_environment("dev", availability_zones=["eu-west-1a"])))
    assert (
        "environments[0].availability_zones=('eu-west-1a',) is invalid: 2 to 6 items are allowed, got 1"
        in message
    )


def test_zones_must_be_distinct() -> None:
    message = _error(_config(_environment("dev", availability_zones=["eu-west-1a", "eu-west-1a"])))
    assert (
        "environments[0].availability_zones=['eu-west-1a', 'eu-west-1a'] is invalid: distinct zones"
        in message
    )


def test_a_string_where_a_list_of_zones_is_meant_is_refused_by_name() -> None:
    message = _error(_config(_environment("dev", availability_zones="eu-west-1a")))
    assert (
        "environments[0].availability_zones='eu-west-1a' is invalid: "
        "expected a list of str, got a single string" in message
    )


def test_a_public_or_malformed_cidr_is_refused() -> None:
    message = _error(_config(_environment("dev", cidr="8.8.0.0/16")))
    assert (
        "environments[0].cidr='8.8.0.0/16' is invalid: a private IPv4 CIDR block from /16 to /24" in message
    )


def test_peered_environments_with_overlapping_cidrs_are_refused() -> None:
    message = _error(
        _config(
            _environment("prod-eu", wave="prod", cidr="10.30.0.0/16", peers=["prod-us"]),
            _environment(
                "prod-us",
                wave="prod",
                region="us-east-1",
                cidr="10.30.128.0/17",
                availability_zones=["us-east-1a", "us-east-1b"],
            ),
        )
    )
    assert (
        "environments[0].cidr='10.30.0.0/16' is invalid: a block that does not overlap 10.30.128.0/17 of "
        "'prod-us', which it is peered with" in message
    )


def test_environments_that_are_not_peered_may_reuse_a_cidr() -> None:
    config = PlatformConfig.from_mapping(
        _config(_environment("dev"), _environment("staging", account="333333333333"))
    )
    assert {e.cidr for e in config.environments} == {"10.10.0.0/16"}


def test_a_peer_must_be_a_known_environment() -> None:
    message = _error(_config(_environment("dev", peers=["qa"])))
    assert "environments[0].peers[0]='qa' is invalid: the name of an environment: dev" in message


def test_an_environment_is_not_its_own_peer() -> None:
    message = _error(_config(_environment("dev", peers=["dev"])))
    assert "environments[0].peers[0]='dev' is invalid: another environment's name" in message


def test_two_environments_with_the_same_account_region_and_prefix_are_refused() -> None:
    message = _error(_config(_environment("dev"), _environment("qa", cidr="10.11.0.0/16")))
    assert (
        "environments[1]='qa' is invalid: a distinct account, region and name_prefix; environments[0] (dev) "
        "is also 222222222222 eu-west-1 with prefix 'cdkc'" in message
    )


def test_a_second_copy_with_another_prefix_may_share_the_account_and_region() -> None:
    config = PlatformConfig.from_mapping(_config(_environment("dev"), _environment("qa", name_prefix="qa")))
    assert len(config.environments) == 2


def test_environment_names_are_unique() -> None:
    message = _error(_config(_environment("dev"), _environment("dev", account="333333333333")))
    assert "environments[1].name='dev' is invalid: a unique name; environments[0] has it too" in message


def test_names_and_prefixes_are_short_lowercase_words() -> None:
    message = _error(_config(_environment("dev", name_prefix="Platform_Team")))
    assert "environments[0].name_prefix='Platform_Team' is invalid: 1 to 20 characters" in message


def test_admin_principals_are_role_arns() -> None:
    message = _error(_config(_environment("dev", admin_role_arns=["arn:aws:iam::222222222222:user/alice"])))
    assert (
        "environments[0].admin_role_arns[0]='arn:aws:iam::222222222222:user/alice' is invalid: "
        "an IAM role ARN" in message
    )


def test_capacity_sizes_are_bounded_and_ordered() -> None:
    message = _error(
        _config(_environment("dev", capacity={"nat_gateways": 3, "node_min_size": 4, "node_max_size": 2}))
    )
    assert "environments[0].capacity.nat_gateways=3 is invalid: an integer from 1 to 2" in message
    assert "environments[0].capacity.node_max_size=2 is invalid: at least node_min_size" in message


def test_batch_sizes_are_bounded_and_ordered() -> None:
    message = _error(_config(_environment("dev", capacity={"batch_min_size": 3, "batch_max_size": 2})))
    assert "environments[0].capacity.batch_max_size=2 is invalid: at least batch_min_size" in message
    message = _error(_config(_environment("dev", capacity={"batch_min_size": -1, "batch_max_size": 0})))
    assert "environments[0].capacity.batch_min_size=-1 is invalid: an integer from 0 to 100" in message
    assert "environments[0].capacity.batch_max_size=0 is invalid: an integer from 1 to 100" in message


def test_a_bool_is_not_a_size() -> None:
    message = _error(_config(_environment("dev", capacity={"node_min_size": True})))
    assert (
        "environments[0].capacity.node_min_size=True is invalid: an integer from 1 to 100, got a bool"
        in message
    )


def test_features_are_booleans() -> None:
    message = _error(_config(_environment("dev", features={"eks": "yes"})))
    assert "environments[0].features.eks='yes' is invalid: expected bool, got a str" in message


def test_the_web_tier_is_one_of_the_named_choices() -> None:
    message = _error(_config(_environment("dev", features={"web": "fargate"})))
    assert (
        "environments[0].features.web='fargate' is invalid: one of 'none', 'app-runner', 'express'" in message
    )
    assert "features.web=True is invalid" in _error(_config(_environment("dev", features={"web": True})))


def test_the_web_tier_is_none_unless_chosen_and_express_is_read_from_the_file() -> None:
    assert FeaturesConfig().web == "none"
    config = PlatformConfig.from_mapping(_config(_environment("dev", features={"web": "express"})))
    assert config.environment("dev").features.web == "express"


def test_app_runner_is_refused_where_it_does_not_run_and_express_is_suggested() -> None:
    environment = _environment(
        "dev",
        region="eu-north-1",
        availability_zones=["eu-north-1a", "eu-north-1b"],
        features={"web": "app-runner"},
    )
    message = _error(_config(environment))
    assert (
        "environments[0].features.web='app-runner' is invalid: a web tier that runs in eu-north-1" in message
    )
    assert "use 'express' there" in message
    express = _environment(
        "dev",
        region="eu-north-1",
        availability_zones=["eu-north-1a", "eu-north-1b"],
        features={"web": "express"},
    )
    assert PlatformConfig.from_mapping(_config(express)).environment("dev").region == "eu-north-1"


def test_the_old_app_runner_switch_is_an_unknown_key_that_names_web() -> None:
    message = _error(_config(_environment("dev", features={"app_runner": True})))
    assert (
        "environments[0].features.app_runner=True is invalid: an unknown key; "
        "known keys: eks, registry_scanning, web" in message
    )


def test_an_unknown_key_is_refused_so_a_typo_does_not_fall_back_to_a_default() -> None:
    message = _error(_config(_environment("dev", capacty={"node_min_size": 2})))
    assert "environments[0].capacty={'node_min_size': 2} is invalid: an unknown key; known keys:" in message


def test_a_missing_required_key_is_named() -> None:
    data = _config()
    del data["environments"][0]["cidr"]
    assert "environments[0].cidr=None is invalid: a value is required" in _error(data)


def test_every_environment_deploys_in_a_known_wave() -> None:
    message = _error(_config(_environment("dev"), waves=["test"]))
    assert "environments[0].wave='dev' is invalid: one of pipeline.waves: ['test']" in message
    assert "every wave has an environment; 'test' has none" in message


def test_approvals_name_known_waves() -> None:
    message = _error(_config(approval_before=["prod"]))
    assert "pipeline.approval_before[0]='prod' is invalid: one of pipeline.waves: ['dev']" in message


def test_the_source_connection_must_be_a_codeconnections_arn() -> None:
    message = _error(_config(connection_arn="github.com/example-org"))
    assert "pipeline.connection_arn='github.com/example-org' is invalid: a CodeConnections ARN" in message


def test_the_repository_is_owner_and_name() -> None:
    assert "pipeline.repository='cdk-containers' is invalid: 'owner/name'" in _error(
        _config(repository="cdk-containers")
    )


def test_every_problem_is_reported_at_once() -> None:
    data = _config(_environment("dev", account="1", region="x"), account="2")
    message = _error(copy.deepcopy(data))
    assert re.search(r"has \d+ invalid arguments", message)
    for argument in ("environments[0].account", "environments[0].region", "pipeline.account"):
        assert argument in message


def test_a_list_where_the_configuration_mapping_is_meant_is_refused() -> None:
    assert "configuration=[] is invalid: expected a mapping" in _error([])


def test_a_configuration_built_in_python_is_checked_by_validate() -> None:
    config = PlatformConfig.from_mapping(_config())
    broken = PlatformConfig(
        pipeline=config.pipeline, environments=(*config.environments, config.environments[0])
    )
    with pytest.raises(ValueError, match=r"environments\[1\].name='dev' is invalid: a unique name"):
        broken.validate()
