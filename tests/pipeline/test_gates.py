"""Compliance gates over every stack of the delivery app, as for the example stacks."""

from __future__ import annotations

from typing import Any

import pytest

from cdk_containers.compliance import CompliancePack
from cdk_containers.pipeline import DeliveryPipelineStack
from cdk_containers.testing import SynthResult, cfn_lint
from scripts.compliance_report import open_findings, pack_of
from tests.pipeline.conftest import stage_template_json
from tests.stacks.test_compliance import CFN_LINT_IGNORE, MIN_REASON_LENGTH

#: The pipeline stack and the replication-bucket stack CDK adds for the second region.
TOP_LEVEL = ("DeliveryPipeline", "DeliveryPipeline-support-us-east-1")

#: What the pipeline's templates additionally skip, each with the reason it is safe.
PIPELINE_CFN_LINT_IGNORE = {
    **CFN_LINT_IGNORE,
    "E3703": (
        "CDK Pipelines writes the ARNs of the target accounts' bootstrap roles as Fn::Join over "
        "AWS::Partition; cfn-lint prefers Fn::Sub, which resolves to the same string"
    ),
}


def test_the_pipeline_stack_matches_its_snapshot(delivery_synth: SynthResult, cdk_snapshot: Any) -> None:
    assert delivery_synth.template_json("DeliveryPipeline") == cdk_snapshot


def test_no_stack_of_the_delivery_app_has_an_unacknowledged_nag_finding(delivery_synth: SynthResult) -> None:
    findings = delivery_synth.violations_of("AwsSolutions", severities=("error", "warning"))
    assert findings == [], "unacknowledged cdk-nag findings:\n" + "\n".join(map(str, findings))


@pytest.mark.parametrize("pack", list(CompliancePack), ids=lambda p: p.name)
def test_no_stack_of_the_delivery_app_has_an_unacknowledged_compliance_finding(
    delivery_synth: SynthResult, pack: CompliancePack
) -> None:
    # Unattributed cfn-guard entries (a Lambda's subnets from another stack) pass only where
    # the same rule is acknowledged on a construct, as for the example app.
    found = [f for f in open_findings(delivery_synth, []) if f.pack is pack]
    assert found == [], f"unacknowledged {pack.value} findings:\n" + "\n".join(map(str, found))


def test_the_delivery_app_carries_acknowledgements_of_every_pack(delivery_synth: SynthResult) -> None:
    # Misspelled acknowledgement ids would acknowledge nothing and the gate above would fail,
    # but a pack that reported nothing would pass it too: each pack must have been run.
    acknowledged = {found[0] for a in delivery_synth.acknowledgements if (found := pack_of(a.rule))}
    assert acknowledged == set(CompliancePack)


def test_cdk_s_own_cloudformation_validation_finds_nothing(delivery_synth: SynthResult) -> None:
    findings = delivery_synth.violations_of("CloudFormation Validate", severities=("error", "warning"))
    assert findings == [], "\n".join(map(str, findings))


def test_every_pipeline_acknowledgement_gives_a_real_reason(delivery_synth: SynthResult) -> None:
    ours = [
        a
        for a in delivery_synth.acknowledgements
        if a.construct_path.startswith(("/DeliveryPipeline", "DeliveryPipeline"))
    ]
    assert ours, "the pipeline stack acknowledges its generated roles and buckets"
    weak = [a for a in ours if len(a.reason.strip()) < MIN_REASON_LENGTH]
    assert weak == []


@pytest.mark.parametrize("stack_name", TOP_LEVEL)
def test_the_pipeline_templates_pass_cfn_lint(delivery_synth: SynthResult, stack_name: str) -> None:
    findings = cfn_lint(delivery_synth.template_files[stack_name], ignore=PIPELINE_CFN_LINT_IGNORE)
    assert findings == [], "\n".join(map(str, findings))


def test_the_checks_templates_pass_cfn_lint(
    delivery_pipeline: DeliveryPipelineStack, delivery_synth: SynthResult
) -> None:
    for stage in delivery_pipeline.stages.values():
        assert stage.checks is not None
        stage_template_json(delivery_synth, stage.checks)  # written by the session's synthesis
        template_file = f"{stage.outdir}/{stage.checks.template_file}"
        findings = cfn_lint(template_file, regions=(str(stage.region),), ignore=CFN_LINT_IGNORE)
        assert findings == [], "\n".join(map(str, findings))
