"""App Runner options: auto scaling, instance sizes, regions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cdk_containers._validation import Problems

if TYPE_CHECKING:
    import aws_cdk.aws_apprunner_alpha as apprunner

__all__ = ["APP_RUNNER_REGIONS", "AppRunnerAutoScaling"]

#: Regions where App Runner runs (AWS docs, 2026-11).
APP_RUNNER_REGIONS: frozenset[str] = frozenset(
    {
        "ap-northeast-1",
        "ap-south-1",
        "ap-southeast-1",
        "ap-southeast-2",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-west-3",
        "us-east-1",
        "us-east-2",
        "us-west-2",
    }
)

# App Runner's valid instance sizes (vCPU -> memory), by the alpha's unit strings; the alpha
# checks each value's shape but not the pair, which App Runner refuses at deploy time.
_CPU_MEMORY: dict[str, tuple[str, ...]] = {
    "0.25 vCPU": ("0.5 GB", "1 GB"),
    "0.5 vCPU": ("1 GB",),
    "1 vCPU": ("2 GB", "3 GB", "4 GB"),
    "2 vCPU": ("4 GB", "6 GB"),
    "4 vCPU": ("8 GB", "10 GB", "12 GB"),
}


@dataclass(frozen=True, kw_only=True)
class AppRunnerAutoScaling:
    """Auto scaling of an App Runner service (becomes an `apprunner.AutoScalingConfiguration`).

    Attributes:
        min_size: Instances kept provisioned, 1 to 25. Defaults to 1.
        max_size: Most instances, 1 to 25 and at least `min_size`. Defaults to 25.
        max_concurrency: Concurrent requests per instance before scaling out, 1 to 200.
            Defaults to 100.
    """

    min_size: int = 1
    max_size: int = 25
    max_concurrency: int = 100

    def _check(self, problems: Problems, argument: str) -> None:
        """Record every problem with these settings under `argument.<field>`."""
        why = "the alpha's AutoScalingConfiguration compares it with its bounds at synth"
        known = [
            problems.check_known(f"{argument}.{name}", getattr(self, name), why)
            for name in ("min_size", "max_size", "max_concurrency")
        ]
        if not all(known):
            return
        min_ok = problems.check_int(f"{argument}.min_size", self.min_size, minimum=1, maximum=25)
        max_ok = problems.check_int(f"{argument}.max_size", self.max_size, minimum=1, maximum=25)
        if min_ok and max_ok:
            problems.check(
                self.min_size <= self.max_size,
                f"{argument}.min_size",
                self.min_size,
                f"at most max_size ({self.max_size})",
            )
        problems.check_int(f"{argument}.max_concurrency", self.max_concurrency, minimum=1, maximum=200)


def _check_size(problems: Problems, cpu: Any, memory: Any, alpha: Any) -> None:
    """Check `cpu` and `memory` are the alpha's `Cpu`/`Memory` and a pair App Runner offers."""
    cpu_ok = cpu is None or problems.check_type(
        "cpu", cpu, alpha.Cpu, allowed=_enum_rule("apprunner.Cpu", cpu)
    )
    memory_ok = memory is None or problems.check_type(
        "memory", memory, alpha.Memory, allowed=_enum_rule("apprunner.Memory", memory)
    )
    if not (cpu_ok and memory_ok):
        return
    cpu_unit = _unit(cpu or alpha.Cpu.ONE_VCPU)
    memory_unit = _unit(memory or alpha.Memory.TWO_GB)
    if cpu_unit not in _CPU_MEMORY:
        problems.add("cpu", cpu_unit, f"one of {list(_CPU_MEMORY)}")
        return
    allowed = _CPU_MEMORY[cpu_unit]
    problems.check(
        memory_unit in allowed, "memory", memory_unit, f"with cpu {cpu_unit!r} one of {list(allowed)}"
    )


def _unit(value: apprunner.Cpu | apprunner.Memory) -> str:
    return " ".join(str(value.unit).split())


def _enum_rule(kind: str, value: Any) -> str:
    example = "apprunner.Cpu.ONE_VCPU" if kind.endswith("Cpu") else "apprunner.Memory.TWO_GB"
    hint = " (the string forms are gone)" if isinstance(value, str) else ""
    return f"expected {kind} such as {example}, got {type(value).__name__}{hint}"
