"""The platform's typed configuration: one pipeline and the environments it delivers to.

The configuration comes from one file in the repository (`pipeline.toml` or a JSON file
of the same shape) or from the `pipeline` key of the `cdk.json` context, and is checked
when it is read: every problem is reported at once, through `Problems`, naming the file,
the dotted path of the value (`environments[1].cidr`) and what is allowed.
"""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

from cdk_containers._validation import Problems
from cdk_containers.constructs.app_runner._options import APP_RUNNER_REGIONS
from cdk_containers.pipeline._rules import check_environments_together, check_pipeline_against

__all__ = [
    "CapacityConfig",
    "EnvironmentConfig",
    "FeaturesConfig",
    "PipelineConfig",
    "PlatformConfig",
    "WEB_TIERS",
    "load_platform_config",
    "platform_config_from_context",
]

ACCOUNT = re.compile(r"^\d{12}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
NAME_ALLOWED = "1 to 20 characters: lowercase letters, digits and hyphens, starting with a letter"
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
CONNECTION_ARN = re.compile(
    r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-f-]{36}$"
)
#: Any value in a parsed mapping (bool named because `Problems` does not count it as an int).
_ANY = (object, bool)
REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+$")


@dataclass(frozen=True, kw_only=True)
class CapacityConfig:
    """How big one environment is.

    Attributes:
        nat_gateways: NAT gateways, 1 to the number of zones. Defaults to 1.
        node_min_size: Fewest nodes of the general-purpose (Spot) node group; the nodes check
            waits for at least this many Ready nodes. Defaults to 1.
        node_max_size: Most nodes of the general-purpose node group. Defaults to 4.
        batch_min_size: Nodes the tainted batch node group keeps; with 1 or more, each deploy
            waits until they join the cluster. Defaults to 1 (no cluster autoscaler is installed:
            with 0, batch pods wait until someone scales the group).
        batch_max_size: Most nodes of the tainted batch node group, at least 1 and at least
            `batch_min_size`. Defaults to 3.
    """

    nat_gateways: int = 1
    node_min_size: int = 1
    node_max_size: int = 4
    batch_min_size: int = 1
    batch_max_size: int = 3

    def _check(self, problems: Problems, argument: str, *, zones: int | None) -> None:
        most = zones if zones is not None else 6
        problems.check_int(f"{argument}.nat_gateways", self.nat_gateways, minimum=1, maximum=most)
        problems.check_int(f"{argument}.node_min_size", self.node_min_size, minimum=1, maximum=100)
        if (
            problems.check_int(f"{argument}.node_max_size", self.node_max_size, minimum=1, maximum=100)
            and isinstance(self.node_min_size, int)
            and self.node_max_size < self.node_min_size
        ):
            problems.add(f"{argument}.node_max_size", self.node_max_size, "at least node_min_size")
        problems.check_int(f"{argument}.batch_min_size", self.batch_min_size, minimum=0, maximum=100)
        if (
            problems.check_int(f"{argument}.batch_max_size", self.batch_max_size, minimum=1, maximum=100)
            and isinstance(self.batch_min_size, int)
            and self.batch_max_size < self.batch_min_size
        ):
            problems.add(f"{argument}.batch_max_size", self.batch_max_size, "at least batch_min_size")


#: The web tiers an environment can run, by their `features.web` spelling.
WEB_TIERS: tuple[str, ...] = ("none", "app-runner", "express")


@dataclass(frozen=True, kw_only=True)
class FeaturesConfig:
    """Which optional parts of the platform one environment gets.

    Attributes:
        eks: The EKS cluster (and its storage drivers) and the nodes-Ready check.
            Defaults to `True`.
        web: The web tier and its Valkey cache, with a service health check after each
            deploy: `"app-runner"` (`AppRunnerStack`, public URL, checked from the pipeline
            account), `"express"` (`ExpressServiceStack` on ECS Express Mode, internal URL,
            checked from inside the environment's VPC) or `"none"`. App Runner takes no new
            customers since 2026-04-30, so an environment in a new account uses `"express"`.
            Defaults to `"none"`.
        registry_scanning: The account-wide ECR registry scanning configuration (one per
            account and region; it replaces the account's existing one). Defaults to `False`.
    """

    eks: bool = True
    web: str = "none"
    registry_scanning: bool = False

    def _check(self, problems: Problems, argument: str, *, region: str | None = None) -> None:
        problems.check_type(f"{argument}.eks", self.eks, bool)
        problems.check_type(f"{argument}.registry_scanning", self.registry_scanning, bool)
        if problems.check_choice(f"{argument}.web", self.web, WEB_TIERS) and (
            self.web == "app-runner" and region is not None and region not in APP_RUNNER_REGIONS
        ):
            problems.add(
                f"{argument}.web",
                self.web,
                f"a web tier that runs in {region}: App Runner runs only in "
                f"{', '.join(sorted(APP_RUNNER_REGIONS))}; use 'express' there",
            )


@dataclass(frozen=True, kw_only=True)
class EnvironmentConfig:
    """One copy of the platform: an account, a region and how it is built there.

    Attributes:
        name: Unique name, used in stack names and in the pipeline (`dev`, `prod-eu`);
            1 to 20 lowercase letters, digits and hyphens.
        account: The 12-digit AWS account id.
        region: The AWS region, e.g. `eu-west-1`.
        availability_zones: The zones the VPC spans, at least two (EKS needs two), all in
            `region`. Given explicitly so synthesis needs no lookup and no credentials.
        cidr: The VPC's private IPv4 block, /16 to /24.
        wave: The pipeline wave this environment deploys in; environments of one wave deploy
            in parallel.
        name_prefix: Prefix of the physical names of this copy of the platform, so two copies
            can live in one account and region. Defaults to `"cdkc"`.
        admin_role_arns: IAM roles given cluster-admin access to the EKS cluster. Defaults
            to none.
        peers: Names of environments whose VPCs are (or will be) connected to this one by
            peering or Transit Gateway; their CIDRs must not overlap. cdk-containers does not
            create the connection. Defaults to none.
        health_check_path: Path the service health check requests. Defaults to `"/"`.
        capacity: Sizes. Defaults to `CapacityConfig()`.
        features: Optional parts. Defaults to `FeaturesConfig()`.
    """

    name: str
    account: str
    region: str
    availability_zones: tuple[str, ...]
    cidr: str
    wave: str
    name_prefix: str = "cdkc"
    admin_role_arns: tuple[str, ...] = ()
    peers: tuple[str, ...] = ()
    health_check_path: str = "/"
    capacity: CapacityConfig = field(default_factory=CapacityConfig)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)

    @property
    def network(self) -> ipaddress.IPv4Network | None:
        """The parsed `cidr`, or `None` when it is not a valid IPv4 block."""
        try:
            network = ipaddress.ip_network(self.cidr, strict=True)
        except (TypeError, ValueError):
            return None
        return network if isinstance(network, ipaddress.IPv4Network) else None

    def _check(self, problems: Problems, argument: str) -> None:
        problems.check_str(f"{argument}.name", self.name, pattern=NAME, allowed=NAME_ALLOWED)
        problems.check_str(
            f"{argument}.account", self.account, pattern=ACCOUNT, allowed="a 12-digit AWS account id"
        )
        region_ok = problems.check_str(
            f"{argument}.region", self.region, pattern=REGION, allowed="an AWS region such as 'eu-west-1'"
        )
        zones_ok = problems.check_list(
            f"{argument}.availability_zones",
            self.availability_zones,
            str,
            optional=False,
            min_items=2,
            max_items=6,
        )
        if zones_ok and region_ok:
            for index, zone in enumerate(self.availability_zones):
                problems.check(
                    re.fullmatch(re.escape(self.region) + r"[a-z]", zone) is not None,
                    f"{argument}.availability_zones[{index}]",
                    zone,
                    f"a zone of {self.region}, such as '{self.region}a'",
                )
            if len(set(self.availability_zones)) != len(self.availability_zones):
                problems.add(
                    f"{argument}.availability_zones", list(self.availability_zones), "distinct zones"
                )
        network = self.network
        problems.check(
            network is not None and network.is_private and 16 <= network.prefixlen <= 24,
            f"{argument}.cidr",
            self.cidr,
            "a private IPv4 CIDR block from /16 to /24, e.g. '10.10.0.0/16'",
        )
        problems.check_str(f"{argument}.wave", self.wave, pattern=NAME, allowed=NAME_ALLOWED)
        problems.check_str(f"{argument}.name_prefix", self.name_prefix, pattern=NAME, allowed=NAME_ALLOWED)
        problems.check_list(
            f"{argument}.admin_role_arns",
            self.admin_role_arns,
            str,
            item_check=lambda arn: ROLE_ARN.fullmatch(arn) is not None,
            item_allowed="an IAM role ARN, arn:aws:iam::<account>:role/<name>",
        )
        problems.check_list(f"{argument}.peers", self.peers, str)
        problems.check_str(
            f"{argument}.health_check_path",
            self.health_check_path,
            pattern=r"/[\w./~%-]*",
            allowed="a URL path starting with '/'",
        )
        if problems.check_type(f"{argument}.capacity", self.capacity, CapacityConfig):
            zones = len(self.availability_zones) if zones_ok else None
            self.capacity._check(problems, f"{argument}.capacity", zones=zones)
        if problems.check_type(f"{argument}.features", self.features, FeaturesConfig):
            self.features._check(problems, f"{argument}.features", region=self.region if region_ok else None)


@dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    """Where the delivery pipeline runs and what it watches.

    Attributes:
        account: The 12-digit id of the account the pipeline (the "tooling" account) lives in.
        region: The pipeline's region.
        connection_arn: ARN of the CodeConnections connection to the source repository
            (created once in the console; a connection starts in PENDING until approved).
        repository: The repository, `owner/name`.
        waves: Wave names in delivery order; every environment deploys in one of them.
        branch: The branch that is delivered. Defaults to `"main"`.
        name_prefix: Prefix of the pipeline's physical names. Defaults to `"cdkc"`.
        approval_before: Waves that wait for a manual approval before they deploy.
            Defaults to none.
    """

    account: str
    region: str
    connection_arn: str
    repository: str
    waves: tuple[str, ...]
    branch: str = "main"
    name_prefix: str = "cdkc"
    approval_before: tuple[str, ...] = ()

    def _check(self, problems: Problems, argument: str) -> None:
        problems.check_str(
            f"{argument}.account", self.account, pattern=ACCOUNT, allowed="a 12-digit AWS account id"
        )
        problems.check_str(
            f"{argument}.region", self.region, pattern=REGION, allowed="an AWS region such as 'eu-west-1'"
        )
        problems.check_str(
            f"{argument}.connection_arn",
            self.connection_arn,
            pattern=CONNECTION_ARN,
            allowed="a CodeConnections ARN, arn:aws:codeconnections:<region>:<account>:connection/<uuid>",
        )
        problems.check_str(
            f"{argument}.repository", self.repository, pattern=REPOSITORY, allowed="'owner/name'"
        )
        problems.check_str(
            f"{argument}.branch", self.branch, pattern=r"[^\s]{1,255}", allowed="a branch name"
        )
        problems.check_str(f"{argument}.name_prefix", self.name_prefix, pattern=NAME, allowed=NAME_ALLOWED)
        problems.check_list(
            f"{argument}.waves",
            self.waves,
            str,
            optional=False,
            min_items=1,
            item_check=lambda wave: NAME.fullmatch(wave) is not None,
            item_allowed=NAME_ALLOWED,
        )
        problems.check_list(f"{argument}.approval_before", self.approval_before, str)


@dataclass(frozen=True, kw_only=True)
class PlatformConfig:
    """The pipeline and every environment it delivers the platform to.

    Attributes:
        pipeline: The pipeline's own settings.
        environments: The environments, in any order; `pipeline.waves` orders them.
    """

    pipeline: PipelineConfig
    environments: tuple[EnvironmentConfig, ...]

    def environment(self, name: str) -> EnvironmentConfig:
        """The environment called `name`.

        Raises:
            KeyError: No environment has that name.
        """
        for environment in self.environments:
            if environment.name == name:
                return environment
        raise KeyError(f"no environment {name!r}; environments: {[e.name for e in self.environments]}")

    def in_wave(self, wave: str) -> list[EnvironmentConfig]:
        """The environments of one wave, in the order the configuration lists them."""
        return [e for e in self.environments if e.wave == wave]

    def _check(self, problems: Problems) -> None:
        if problems.check_type("pipeline", self.pipeline, PipelineConfig):
            self.pipeline._check(problems, "pipeline")
        if not problems.check_list("environments", self.environments, EnvironmentConfig, optional=False):
            return
        problems.check(len(self.environments) > 0, "environments", [], "at least one environment")
        for index, environment in enumerate(self.environments):
            environment._check(problems, f"environments[{index}]")
        check_environments_together(problems, self.environments)
        if isinstance(self.pipeline, PipelineConfig):
            check_pipeline_against(problems, self.pipeline, self.environments)

    def validate(self, source: str = "PlatformConfig") -> None:
        """Raise one `ValueError` listing every problem of this configuration.

        Args:
            source: Where the configuration came from, for the message. Defaults to
                `"PlatformConfig"`.

        Raises:
            ValueError: The configuration has problems.
        """
        problems = Problems("PlatformConfig", source)
        self._check(problems)
        problems.raise_if_any()

    @classmethod
    def from_mapping(cls, data: Any, source: str = "PlatformConfig") -> PlatformConfig:
        """Build and validate a configuration from parsed TOML, JSON or context.

        Unknown keys are errors (a typo must not silently fall back to a default).

        Args:
            data: The mapping: a `pipeline` table and an `environments` list.
            source: Where it came from, for error messages. Defaults to `"PlatformConfig"`.

        Raises:
            ValueError: Every problem with the configuration, in one message.
        """
        problems = Problems("PlatformConfig", source)
        if not problems.check_mapping("configuration", data, _ANY, optional=False):
            problems.raise_if_any()
        top = _fields_of(
            problems, "", data, {"pipeline", "environments"}, required={"pipeline", "environments"}
        )
        pipeline = _build(problems, PipelineConfig, "pipeline", top.get("pipeline"))
        environments: list[Any] = []
        raw_environments: Any = top.get("environments")
        if problems.check_list("environments", raw_environments, Mapping, optional=False):
            for index, raw in enumerate(raw_environments):
                environments.append(_build(problems, EnvironmentConfig, f"environments[{index}]", raw))
        problems.raise_if_any()
        config = cls(pipeline=pipeline, environments=tuple(environments))
        config._check(problems)
        problems.raise_if_any()
        return config


_NESTED: dict[str, type] = {"capacity": CapacityConfig, "features": FeaturesConfig}


def _fields_of(
    problems: Problems, argument: str, data: Mapping[str, Any], known: set[str], *, required: set[str]
) -> dict[str, Any]:
    prefix = f"{argument}." if argument else ""
    for key in data:
        if key not in known:
            problems.add(
                f"{prefix}{key}", data[key], f"an unknown key; known keys: {', '.join(sorted(known))}"
            )
    for key in sorted(required - set(data)):
        problems.add(f"{prefix}{key}", None, "a value is required")
    return {k: v for k, v in data.items() if k in known}


def _build(problems: Problems, kind: type, argument: str, data: Any) -> Any:
    if not problems.check_mapping(argument, data, _ANY, optional=False):
        return None
    known = {f.name for f in fields(kind)}
    required = {f.name for f in fields(kind) if f.default is MISSING and f.default_factory is MISSING}
    values = _fields_of(problems, argument, data, known, required=required)
    if required - set(values):
        return None
    for key, value in list(values.items()):
        if key in _NESTED:
            values[key] = _build(problems, _NESTED[key], f"{argument}.{key}", value)
        elif isinstance(value, list):
            # TOML and JSON have lists; the frozen dataclasses hold tuples.
            values[key] = tuple(value)
    if any(v is None for k, v in values.items() if k in _NESTED):
        return None
    return kind(**values)


def load_platform_config(path: str | Path) -> PlatformConfig:
    """Read and validate a configuration file (`.toml` or `.json`).

    Args:
        path: The file.

    Raises:
        ValueError: The file cannot be parsed, or the configuration has problems.
    """
    file = Path(path)
    text = file.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if file.suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"PlatformConfig '{file}': cannot be parsed: {error}") from error
    return PlatformConfig.from_mapping(data, source=str(file))


def platform_config_from_context(context: object, default_file: Path) -> PlatformConfig:
    """The configuration from the `pipeline` context (a mapping, or a file path), else a file.

    Args:
        context: The value of the `pipeline` context key: the configuration itself (as in
            `cdk.json`), the path of a file, or `None`.
        default_file: The file read when `context` is `None`.

    Raises:
        ValueError: The configuration has problems.
    """
    if context is None:
        return load_platform_config(default_file)
    if isinstance(context, str):
        return load_platform_config(context)
    return PlatformConfig.from_mapping(context, source="cdk.json context 'pipeline'")
