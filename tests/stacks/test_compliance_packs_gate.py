"""Every compliance pack over every example stack: an unacknowledged finding fails.

The app is synthesized once more with every pack of `CompliancePack` on (the session fixture
`every_pack_synth`), and each pack is checked per stack. The gate's own ability to fail is
shown in tests/test_compliance_packs.py, which feeds each pack a non-compliant resource.
``python -m scripts.compliance_report`` prints the same counts for a person.
"""

from __future__ import annotations

import pytest

from cdk_containers.compliance import CompliancePack
from cdk_containers.testing import SynthResult
from scripts.compliance_report import Finding, findings, open_findings, pack_of
from tests.conftest import example_stack_names


@pytest.fixture(scope="module")
def open_by_pack(every_pack_synth: SynthResult) -> dict[CompliancePack, list[Finding]]:
    found = open_findings(every_pack_synth, example_stack_names())
    return {pack: [f for f in found if f.pack is pack] for pack in CompliancePack}


@pytest.mark.parametrize("pack", list(CompliancePack), ids=lambda p: p.name)
def test_every_stack_passes_every_compliance_pack(
    open_by_pack: dict[CompliancePack, list[Finding]], pack: CompliancePack, example_stack_name: str
) -> None:
    found = [f for f in open_by_pack[pack] if f.stack == example_stack_name]
    assert found == [], f"unacknowledged {pack.value} findings:\n" + "\n".join(map(str, found))


@pytest.mark.parametrize("pack", list(CompliancePack), ids=lambda p: p.name)
def test_no_finding_of_a_pack_escapes_attribution_to_a_stack(
    open_by_pack: dict[CompliancePack, list[Finding]], pack: CompliancePack
) -> None:
    # An entry with no construct is tolerated only for a rule acknowledged on a construct
    # (cdk-validator-cfnguard's reporting of a failed disjunction branch; see the script).
    found = [f for f in open_by_pack[pack] if not f.stack]
    assert found == [], f"{pack.value} findings that name no example stack:\n" + "\n".join(map(str, found))


def test_the_example_app_carries_acknowledgements_of_every_pack(every_pack_synth: SynthResult) -> None:
    # The acknowledgement ids must be spelled as each pack reports its rules, or they would
    # silently acknowledge nothing (and the tables in the docs would list them all the same).
    acknowledged = {found[0] for a in every_pack_synth.acknowledgements if (found := pack_of(a.rule))}
    assert acknowledged == set(CompliancePack)


def test_an_unattributed_entry_of_an_unacknowledged_rule_would_fail(every_pack_synth: SynthResult) -> None:
    # The one exception of the gate, held to its rule: drop every Control Tower acknowledgement
    # and an unattributed entry (if the plugin reported one) counts as open again.
    unattributed = [f for f in findings(every_pack_synth, example_stack_names()) if not f.construct_path]
    stripped = type(every_pack_synth)(
        outdir=every_pack_synth.outdir,
        template_files=every_pack_synth.template_files,
        violations=every_pack_synth.violations,
        acknowledgements=tuple(
            a for a in every_pack_synth.acknowledgements if not a.rule.startswith("cdk-validator-cfnguard::")
        ),
    )
    assert len(open_findings(stripped, example_stack_names())) == len(unattributed)
