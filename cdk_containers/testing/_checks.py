"""Static checks on synthesized templates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CfnLintFinding", "cfn_lint"]


@dataclass(frozen=True)
class CfnLintFinding:
    """One cfn-lint match: rule id, severity (error, warning, informational), where and why."""

    rule: str
    severity: str
    message: str
    line: int

    def __str__(self) -> str:
        return f"{self.rule} ({self.severity}) line {self.line}: {self.message}"


def cfn_lint(
    template_file: str | Path,
    *,
    regions: Iterable[str] = ("us-east-1",),
    ignore: Mapping[str, str] | None = None,
) -> list[CfnLintFinding]:
    """Run cfn-lint on one template and return its findings.

    Args:
        template_file: Path of a synthesized ``*.template.json``.
        regions: Regions whose resource specification the template is checked
            against. Defaults to ``us-east-1``.
        ignore: Rules to skip, each mapped to the reason it is safe to skip
            (an empty reason is refused). Defaults to none.
    """
    from cfnlint.api import ManualArgs, lint_file

    ignore = dict(ignore or {})
    unreasoned = [rule for rule, reason in ignore.items() if not reason.strip()]
    if unreasoned:
        raise ValueError(f"cfn_lint: ignore={unreasoned!r} needs a reason for every ignored rule")
    config = ManualArgs(regions=list(regions), ignore_checks=sorted(ignore))
    return [
        CfnLintFinding(
            rule=match.rule.id,
            severity=str(getattr(match.rule, "severity", "error")),
            message=match.message,
            line=match.linenumber,
        )
        for match in lint_file(Path(template_file), config=config)
    ]
