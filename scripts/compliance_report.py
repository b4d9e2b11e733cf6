"""Count the unacknowledged findings of every compliance pack on every example stack.

Synthesizes the example app once, as ``app.py`` builds it, with every pack of
`cdk_containers.compliance.CompliancePack` turned on, and prints the findings that no
acknowledgement covers, per pack and stack (per rule and construct with ``--details``), and
how many findings each pack acknowledges. Rerun it after a construct change:

    .venv/bin/python -m scripts.compliance_report            # the tables
    .venv/bin/python -m scripts.compliance_report --details  # every open finding, with its construct
    .venv/bin/python -m scripts.compliance_report --json     # the same, machine-readable

It exits 1 when any pack has an open finding, so it also serves as a one-command gate; the
tests (`tests/stacks/test_compliance_packs_gate.py`) hold the same line with the same code.

One kind of entry is set apart: cdk-validator-cfnguard reports the failed branch of a
disjunction (for example a subnet id that is neither a `Ref` nor a `GetAtt` because it comes
from another stack) as a second violating resource with no logical id, which CDK maps to no
construct, so no acknowledgement can reach it. Such an entry is *unattributed*; it counts as
open unless the same Control Tower rule is acknowledged, with its reason, on a construct.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from aws_cdk import App

from cdk_containers.compliance import CompliancePack, enable_compliance
from cdk_containers.example_app import build_example_app
from cdk_containers.testing import SynthResult, cdk_json_context, synthesize

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Where the rule names of each pack start, in an acknowledgement id.
ACK_PREFIXES = {
    CompliancePack.AWS_SOLUTIONS: "AwsSolutions-",
    CompliancePack.NIST_800_53_R5: "NIST.800.53.R5-",
    CompliancePack.HIPAA_SECURITY: "HIPAA.Security-",
    CompliancePack.PCI_DSS_321: "PCI.DSS.321-",
    CompliancePack.CONTROL_TOWER: "cdk-validator-cfnguard::",
}


@dataclass(frozen=True)
class Finding:
    """One construct one rule of one pack reports (`construct_path` is empty when unattributed)."""

    pack: CompliancePack
    rule: str
    stack: str
    construct_path: str


def synthesize_with_every_pack(outdir: Path) -> tuple[SynthResult, list[str]]:
    """Every example stack with every pack on, synthesized into `outdir`; the stack names."""
    app = App(outdir=str(outdir), context={**cdk_json_context(REPO_ROOT / "cdk.json"), "app_runner": "true"})
    stacks = build_example_app(app)
    enable_compliance(app, packs=list(CompliancePack))
    return synthesize(app), sorted(stacks)


def pack_of(acknowledged_rule: str) -> tuple[CompliancePack, str] | None:
    """The pack and rule name of an acknowledgement id, or `None` for another checker's."""
    rule = acknowledged_rule.removeprefix("Annotation::")
    for pack, prefix in ACK_PREFIXES.items():
        if rule.startswith(prefix):
            return pack, rule.removeprefix("cdk-validator-cfnguard::")
    return None


def findings(synth: SynthResult, stack_names: list[str]) -> list[Finding]:
    """Every unacknowledged error or warning of a pack, one per violating construct."""
    packs = {pack.value: pack for pack in CompliancePack}
    found = []
    for violation in synth.violations:
        if violation.plugin not in packs or violation.severity not in {"error", "warning"}:
            continue
        for path in violation.construct_paths or ("",):
            stack = path.strip("/").split("/")[0] if path else ""
            found.append(
                Finding(
                    pack=packs[violation.plugin],
                    rule=violation.rule,
                    stack=stack if stack in stack_names else "",
                    construct_path=path,
                )
            )
    return found


def open_findings(synth: SynthResult, stack_names: list[str]) -> list[Finding]:
    """The findings that fail the gate: all but unattributed ones of an acknowledged rule."""
    acknowledged = {pack_of(a.rule) for a in synth.acknowledgements} - {None}
    return [
        f for f in findings(synth, stack_names) if f.construct_path or (f.pack, f.rule) not in acknowledged
    ]


def acknowledged_counts(synth: SynthResult, stack_names: list[str]) -> dict[CompliancePack, Counter[str]]:
    """Pack -> stack -> how many (construct, rule) acknowledgements the example app carries."""
    counts: dict[CompliancePack, Counter[str]] = {pack: Counter() for pack in CompliancePack}
    for path, rule in sorted({(a.construct_path, a.rule) for a in synth.acknowledgements}):
        found = pack_of(rule)
        stack = path.strip("/").split("/")[0]
        if found is not None and stack in stack_names:
            counts[found[0]][stack] += 1
    return counts


def _table(title: str, rows: dict[CompliancePack, Counter[str]], stack_names: list[str]) -> list[str]:
    lines = [title, "", "| pack | " + " | ".join(stack_names) + " | total |"]
    lines.append("| --- |" + " --- |" * (len(stack_names) + 1))
    for pack, counts in rows.items():
        cells = [str(counts.get(stack, 0)) for stack in stack_names]
        lines.append(f"| {pack.value} | " + " | ".join(cells) + f" | {sum(counts.values())} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0] if __doc__ else None)
    parser.add_argument("--details", action="store_true", help="print every open finding with its construct")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cdk-containers-compliance-") as outdir:
        synth, stack_names = synthesize_with_every_pack(Path(outdir))
        every = findings(synth, stack_names)
        failing = open_findings(synth, stack_names)
        acknowledged = acknowledged_counts(synth, stack_names)
    if args.json:
        print(
            json.dumps(
                {
                    "open": [{**asdict(f), "pack": f.pack.value} for f in failing],
                    "unattributed": [
                        {**asdict(f), "pack": f.pack.value} for f in every if not f.construct_path
                    ],
                    "acknowledged": {p.value: dict(c) for p, c in acknowledged.items()},
                },
                indent=2,
            )
        )
        return 1 if failing else 0
    columns = [*stack_names, "(unattributed)"] if any(not f.stack for f in failing) else stack_names
    open_counts = {
        pack: Counter(f.stack or "(unattributed)" for f in failing if f.pack is pack)
        for pack in CompliancePack
    }
    lines = _table("Open (unacknowledged) findings:", open_counts, columns)
    lines += ["", *_table("Acknowledged findings (construct and rule):", acknowledged, stack_names)]
    unattributed = Counter((f.pack.value, f.rule) for f in every if not f.construct_path)
    if unattributed:
        lines += ["", "Unattributed entries (no construct; open unless the rule is acknowledged elsewhere):"]
        lines += [f"  {n}  {pack} {rule}" for (pack, rule), n in sorted(unattributed.items())]
    if args.details and failing:
        lines += ["", "Open findings:"]
        lines += [f"  {f.pack.value} {f.rule}: {f.construct_path or '(no construct)'}" for f in failing]
    lines += ["", f"{len(failing)} open findings"]
    print("\n".join(lines))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
