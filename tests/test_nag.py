"""Acknowledgement helpers shared by every construct (cdk_containers._nag)."""

from __future__ import annotations

import pytest
from aws_cdk import Environment, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from cdk_containers._nag import (
    HIPAA,
    INLINE_POLICY_REASON,
    NIST,
    PCI,
    acknowledge_inline_policies,
    acknowledge_rules,
    nag_arn,
)
from cdk_containers.testing import Acknowledgement, synthesize
from tests.conftest import make_app


def test_nag_arn_spells_each_stack_its_own_way_however_often_it_is_asked() -> None:
    # Each stack's spelling is read once and kept: two stacks of one app, and a stack of another
    # app, must still each get their own.
    app = make_app()
    agnostic = Stack(app, "Agnostic")
    pinned = Stack(app, "Pinned", env=Environment(account="111122223333", region="eu-west-1"))
    other = Stack(make_app(), "Other", env=Environment(account="444455556666", region="us-east-2"))
    rest = "fsx:{region}:{account}:file-system/*"
    for _ in range(2):
        assert (
            nag_arn(agnostic, rest) == "arn:<AWS::Partition>:fsx:<AWS::Region>:<AWS::AccountId>:file-system/*"
        )
        assert nag_arn(pinned, rest) == "arn:aws:fsx:eu-west-1:111122223333:file-system/*"
        assert nag_arn(other, rest) == "arn:aws:fsx:us-east-2:444455556666:file-system/*"


def test_acknowledge_rules_records_the_rule_of_each_pack_named() -> None:
    app = make_app()
    stack = Stack(app, "Rules")
    bucket = s3.Bucket(stack, "Bucket")
    reason = "a reason long enough for a reviewer to read and accept it"
    acknowledge_rules(bucket, reason, "S3BucketLoggingEnabled", packs=(NIST, HIPAA))
    found = synthesize(app).acknowledgements
    assert set(found) == {
        Acknowledgement("/Rules/Bucket", f"Annotation::{NIST}-S3BucketLoggingEnabled", reason),
        Acknowledgement("/Rules/Bucket", f"Annotation::{HIPAA}-S3BucketLoggingEnabled", reason),
    }


@pytest.mark.parametrize("granted_role", ["First", "Second"])
def test_inline_policies_are_acknowledged_on_grants_made_after_the_call_and_only_there(
    granted_role: str,
) -> None:
    # Two apps of one process, each granting a different role, each get the acknowledgement on
    # their own granted role only, once per pack.
    app = make_app()
    stack = Stack(app, "Inline")
    roles = {
        name: iam.Role(stack, name, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
        for name in ("First", "Second")
    }
    for role in roles.values():
        acknowledge_inline_policies(role)
    s3.Bucket(stack, "Bucket").grant_read(roles[granted_role])  # creates its DefaultPolicy now
    found = synthesize(app).acknowledgements
    inline = [(a.construct_path, a.rule) for a in found if a.reason == INLINE_POLICY_REASON]
    assert sorted(inline) == sorted(
        (f"/Inline/{granted_role}/DefaultPolicy", f"Annotation::{pack}-IAMNoInlinePolicy")
        for pack in (NIST, HIPAA, PCI)
    )
