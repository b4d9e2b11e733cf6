"""enable_compliance: each pack runs, fails on a non-compliant resource, and honours acknowledgements."""

from __future__ import annotations

import jsii
import pytest
from aws_cdk import Acknowledgment, App, CfnParameter, IStableStringProducer, Lazy, Stack, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs

from cdk_containers.compliance import CompliancePack, enable_compliance, skip_checkov
from cdk_containers.testing import SynthResult, synthesize
from tests.conftest import make_app

#: A rule each pack must report on an unencrypted log group or an SSH-open security group.
EXPECTED = {
    CompliancePack.AWS_SOLUTIONS: ("AwsSolutions-EC23", "Open/OpenSG"),
    CompliancePack.NIST_800_53_R5: ("NIST.800.53.R5-CloudWatchLogGroupEncrypted", "Open/Logs"),
    CompliancePack.HIPAA_SECURITY: ("HIPAA.Security-CloudWatchLogGroupEncrypted", "Open/Logs"),
    CompliancePack.PCI_DSS_321: ("PCI.DSS.321-CloudWatchLogGroupEncrypted", "Open/Logs"),
    CompliancePack.CONTROL_TOWER: ("cloudwatch_log_group_encrypted_check", "Open/Logs"),
}


def _non_compliant_app(*, acknowledge: bool) -> App:
    app = make_app()
    stack = Stack(app, "Open")
    logs_group = logs.CfnLogGroup(stack, "Logs", retention_in_days=365)
    group = ec2.CfnSecurityGroup(
        stack,
        "OpenSG",
        group_description="open to the world",
        security_group_ingress=[
            ec2.CfnSecurityGroup.IngressProperty(
                ip_protocol="tcp", from_port=22, to_port=22, cidr_ip="0.0.0.0/0"
            )
        ],
    )
    if acknowledge:
        for rule, path in EXPECTED.values():
            target = group if path.endswith("OpenSG") else logs_group
            if rule == "cloudwatch_log_group_encrypted_check":
                rule = f"cdk-validator-cfnguard::{rule}"
            Validations.of(target).acknowledge(
                Acknowledgment(
                    id=rule, reason="a deliberately non-compliant resource for the gate's own test"
                )
            )
    enable_compliance(app, packs=list(CompliancePack))
    return app


@pytest.fixture(scope="module")
def findings() -> SynthResult:
    return synthesize(_non_compliant_app(acknowledge=False))


@pytest.fixture(scope="module")
def acknowledged() -> SynthResult:
    return synthesize(_non_compliant_app(acknowledge=True))


@pytest.mark.parametrize("pack", list(CompliancePack), ids=lambda p: p.name)
def test_each_pack_fails_synthesis_on_a_non_compliant_resource(
    findings: SynthResult, pack: CompliancePack
) -> None:
    rule, path = EXPECTED[pack]
    hits = [
        v
        for v in findings.violations
        if v.plugin == pack.value
        and v.rule.endswith(rule)
        and any(p.startswith(path) for p in v.construct_paths)
    ]
    assert hits, f"{pack.name} reported no {rule} on {path}: {[str(v) for v in findings.violations]}"


@pytest.mark.parametrize("pack", list(CompliancePack), ids=lambda p: p.name)
def test_an_acknowledged_finding_no_longer_fails(acknowledged: SynthResult, pack: CompliancePack) -> None:
    rule, path = EXPECTED[pack]
    hits = [
        v
        for v in acknowledged.violations
        if v.plugin == pack.value
        and v.rule.endswith(rule)
        and any(p.startswith(path) for p in v.construct_paths)
    ]
    assert hits == []


def test_packs_must_be_a_list_of_compliance_packs() -> None:
    app = make_app()
    with pytest.raises(ValueError, match=r"packs='NIST' is invalid: expected a list of CompliancePack"):
        enable_compliance(app, packs="NIST")  # type: ignore[arg-type]


def test_a_checkov_skip_is_written_into_the_resource_metadata_with_its_reason() -> None:
    stack = Stack(make_app(), "Skips")
    group = logs.LogGroup(stack, "Logs")
    reason = "flow logs of a sandbox VPC that holds no regulated data, kept for 1 day"
    skip_checkov(group, "CKV_AWS_158", reason)
    skip_checkov(group, "CKV_AWS_66", reason)
    template = stack.resolve(group.node.default_child.get_metadata("checkov"))  # type: ignore[union-attr]
    assert template == {
        "skip": [{"id": "CKV_AWS_158", "comment": reason}, {"id": "CKV_AWS_66", "comment": reason}]
    }


def test_a_checkov_skip_needs_a_real_id_and_reason() -> None:
    stack = Stack(make_app(), "BadSkips")
    group = logs.LogGroup(stack, "Logs")
    with pytest.raises(ValueError, match=r"2 invalid arguments") as caught:
        skip_checkov(group, "encryption", "n/a")
    assert "check_id='encryption' is invalid: a checkov id" in str(caught.value)
    assert "reason='n/a' is invalid" in str(caught.value)


def test_a_checkov_skip_refuses_a_token_for_its_id_or_reason() -> None:
    # a token resolves only at deploy: nobody could check or read it in the template as written
    stack = Stack(make_app(), "TokenSkips")
    group = logs.LogGroup(stack, "Logs")
    reason = Lazy.string(_Reason())
    check_id = CfnParameter(stack, "CheckId").value_as_string
    with pytest.raises(ValueError, match=r"^skip_checkov 'TokenSkips/Logs' has 2 invalid") as caught:
        skip_checkov(group, check_id, reason)
    assert "check_id='${Token[" in str(caught.value)
    assert "a checkov id such as CKV_AWS_116, written out (not a token)" in str(caught.value)
    assert "reason='${Token[" in str(caught.value)
    assert group.node.default_child.get_metadata("checkov") is None  # type: ignore[union-attr]


@jsii.implements(IStableStringProducer)
class _Reason:
    def produce(self) -> str:
        return "flow logs of a sandbox VPC that holds no regulated data, kept for 1 day"
