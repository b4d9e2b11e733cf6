"""Compliance gates over every stack that app.py defines.

A new example stack is checked by these tests without new test code: the
stacks are parametrized from ``build_example_app``.
"""

from __future__ import annotations

import filecmp

from cdk_containers.testing import SynthResult, cfn_lint

#: cfn-lint rules skipped for every template, each with the reason it is safe.
CFN_LINT_IGNORE = {
    "W3005": (
        "CDK adds explicit DependsOn next to a Ref/GetAtt to the same resource (for example a "
        "custom resource provider's role); the duplicate edge is harmless and comes from aws-cdk-lib"
    ),
}

#: An acknowledgement reason shorter than this cannot explain why a finding is acceptable.
MIN_REASON_LENGTH = 40


def test_every_stack_passes_the_aws_solutions_nag_pack(
    example_synth: SynthResult, example_stack_name: str
) -> None:
    findings = [
        v
        for v in example_synth.violations_of("AwsSolutions", severities=("error", "warning"))
        if any(path.startswith(f"{example_stack_name}/") for path in v.construct_paths)
    ]
    assert findings == [], "unacknowledged cdk-nag findings:\n" + "\n".join(map(str, findings))


def test_cdk_s_own_cloudformation_validation_finds_nothing(example_synth: SynthResult) -> None:
    findings = example_synth.violations_of("CloudFormation Validate", severities=("error", "warning"))
    assert findings == [], "\n".join(map(str, findings))


def test_every_acknowledgement_gives_a_real_reason(example_synth: SynthResult) -> None:
    weak = [ack for ack in example_synth.acknowledgements if len(ack.reason.strip()) < MIN_REASON_LENGTH]
    assert weak == [], f"acknowledgements need a reason of {MIN_REASON_LENGTH}+ characters: {weak}"


def test_every_template_passes_cfn_lint(example_synth: SynthResult, example_stack_name: str) -> None:
    findings = cfn_lint(example_synth.template_files[example_stack_name], ignore=CFN_LINT_IGNORE)
    assert findings == [], "\n".join(map(str, findings))


def test_synthesizing_twice_gives_byte_identical_templates(
    example_synth: SynthResult, every_pack_synth: SynthResult, example_stack_name: str
) -> None:
    # The second synthesis has every compliance pack on: packs read templates, never change them.
    first = example_synth.template_files[example_stack_name]
    second = every_pack_synth.template_files[example_stack_name]
    assert filecmp.cmp(first, second, shallow=False), f"{example_stack_name} differs between syntheses"
