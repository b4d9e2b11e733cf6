"""Express Mode options: auto scaling and task sizes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from cdk_containers._validation import Problems, is_token

__all__ = ["ExpressAutoScaling", "ExpressScalingMetric"]


class ExpressScalingMetric(enum.Enum):
    """The metric an Express Mode service's target-tracking policy follows."""

    AVERAGE_CPU = "AVERAGE_CPU"
    """Average CPU utilization of the service's tasks, in percent."""
    AVERAGE_MEMORY = "AVERAGE_MEMORY"
    """Average memory utilization of the service's tasks, in percent."""
    REQUEST_COUNT_PER_TARGET = "REQUEST_COUNT_PER_TARGET"
    """Requests per task per minute, counted by the load balancer."""


@dataclass(frozen=True, kw_only=True)
class ExpressAutoScaling:
    """Auto scaling of an Express Mode service (its scalable target and target-tracking policy).

    Attributes:
        min_size: Fewest tasks, at least 1. Defaults to 1.
        max_size: Most tasks, at least `min_size`. Defaults to 20 (Express Mode's own default).
        metric: What the policy tracks. Defaults to `ExpressScalingMetric.AVERAGE_CPU`.
        target_value: The metric's target: a percentage from 1 to 100 for CPU and memory,
            requests per task per minute (at least 1) for `REQUEST_COUNT_PER_TARGET`.
            Defaults to 60 (Express Mode's own default).
    """

    min_size: int = 1
    max_size: int = 20
    metric: ExpressScalingMetric = ExpressScalingMetric.AVERAGE_CPU
    target_value: int = 60

    def _check(self, problems: Problems, argument: str) -> None:
        """Record every problem with these settings under `argument.<field>`."""
        min_ok = problems.check_int(f"{argument}.min_size", self.min_size, minimum=1)
        max_ok = problems.check_int(f"{argument}.max_size", self.max_size, minimum=1)
        if min_ok and max_ok and not is_token(self.min_size) and not is_token(self.max_size):
            problems.check(
                self.min_size <= self.max_size,
                f"{argument}.min_size",
                self.min_size,
                f"at most max_size ({self.max_size})",
            )
        if problems.check_choice(f"{argument}.metric", self.metric, list(ExpressScalingMetric)):
            percent = self.metric is not ExpressScalingMetric.REQUEST_COUNT_PER_TARGET
            problems.check_int(
                f"{argument}.target_value", self.target_value, minimum=1, maximum=100 if percent else None
            )


# Task sizes Express Mode takes: CPU units (powers of two from 256 to 4096) -> the Fargate memory
# sizes for them in MiB (ECS developer guide, "Task CPU and memory").
_FARGATE_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
}


def _check_size(problems: Problems, cpu: Any, memory: Any) -> None:
    """Check `cpu` and `memory_limit_mib` are a Fargate task size."""
    why = "Express Mode sizes the task from it, and the pair must be a Fargate size"
    cpu_known = problems.check_known("cpu", cpu, why)
    memory_known = problems.check_known("memory_limit_mib", memory, why)
    if not (cpu_known and memory_known):
        return
    rule = f"CPU units, one of {sorted(_FARGATE_SIZES)} (1024 = 1 vCPU)"
    if not problems.check_int("cpu", cpu, allowed=f"{rule}, got {type(cpu).__name__}"):
        return
    if not problems.check(cpu in _FARGATE_SIZES, "cpu", cpu, rule):
        return
    allowed = _FARGATE_SIZES[cpu]
    if problems.check_int("memory_limit_mib", memory):
        problems.check(
            memory in allowed,
            "memory_limit_mib",
            memory,
            f"with cpu {cpu} one of {list(allowed)} MiB"
            if len(allowed) <= 4
            else f"with cpu {cpu} {allowed[0]} to {allowed[-1]} MiB in steps of {allowed[1] - allowed[0]}",
        )
