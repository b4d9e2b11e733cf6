"""Rules that hold between environments, and between the pipeline and its environments."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cdk_containers._validation import Problems

if TYPE_CHECKING:
    from cdk_containers.pipeline.config import EnvironmentConfig, PipelineConfig

__all__ = ["check_environments_together", "check_pipeline_against"]


def _network(environment: EnvironmentConfig) -> ipaddress.IPv4Network | None:
    return environment.network


def check_environments_together(problems: Problems, environments: Sequence[EnvironmentConfig]) -> None:
    """Names are unique, copies do not collide, peered networks do not overlap."""
    index_of: dict[str, int] = {}
    for index, environment in enumerate(environments):
        if not isinstance(environment.name, str):
            continue
        if environment.name in index_of:
            problems.add(
                f"environments[{index}].name",
                environment.name,
                f"a unique name; environments[{index_of[environment.name]}] has it too",
            )
        else:
            index_of[environment.name] = index

    placed: dict[tuple[object, object, object], int] = {}
    for index, environment in enumerate(environments):
        key = (environment.account, environment.region, environment.name_prefix)
        if not all(isinstance(part, str) for part in key):
            continue
        if key in placed:
            problems.add(
                f"environments[{index}]",
                environment.name,
                f"a distinct account, region and name_prefix; environments[{placed[key]}] "
                f"({environments[placed[key]].name}) is also {key[0]} {key[1]} with prefix {key[2]!r}, "
                "and the two copies would fight over the same stack and resource names",
            )
        else:
            placed[key] = index

    reported: set[frozenset[str]] = set()
    for index, environment in enumerate(environments):
        if isinstance(environment.peers, str) or not isinstance(environment.peers, Sequence):
            continue
        for peer_index, peer in enumerate(environment.peers):
            argument = f"environments[{index}].peers[{peer_index}]"
            if peer == environment.name:
                problems.add(
                    argument, peer, "another environment's name (an environment is not its own peer)"
                )
                continue
            if peer not in index_of:
                problems.add(argument, peer, f"the name of an environment: {', '.join(index_of)}")
                continue
            pair = frozenset((environment.name, peer))
            other = environments[index_of[peer]]
            mine, theirs = _network(environment), _network(other)
            if pair in reported or mine is None or theirs is None or not mine.overlaps(theirs):
                continue
            reported.add(pair)
            problems.add(
                f"environments[{index}].cidr",
                environment.cidr,
                f"a block that does not overlap {other.cidr} of {peer!r}, which it is peered with "
                "(overlapping networks cannot route to each other)",
            )


def check_pipeline_against(
    problems: Problems, pipeline: PipelineConfig, environments: Sequence[EnvironmentConfig]
) -> None:
    """Every environment is in a known wave, every wave has one, approvals name waves."""
    if isinstance(pipeline.waves, str) or not isinstance(pipeline.waves, Sequence):
        return
    waves = list(pipeline.waves)
    if len(set(waves)) != len(waves):
        problems.add("pipeline.waves", waves, "distinct wave names")
    for index, environment in enumerate(environments):
        if isinstance(environment.wave, str) and environment.wave not in waves:
            problems.add(f"environments[{index}].wave", environment.wave, f"one of pipeline.waves: {waves}")
    for wave in waves:
        if not any(environment.wave == wave for environment in environments):
            problems.add("pipeline.waves", waves, f"every wave has an environment; {wave!r} has none")
    if not isinstance(pipeline.approval_before, str) and isinstance(pipeline.approval_before, Sequence):
        for index, wave in enumerate(pipeline.approval_before):
            if wave not in waves:
                problems.add(f"pipeline.approval_before[{index}]", wave, f"one of pipeline.waves: {waves}")
