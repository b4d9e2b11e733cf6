"""Turn on the compliance rule packs a team is audited against, for an app or one stack.

Every pack runs as an aws-cdk-lib policy-validation plugin: a finding that is not
acknowledged makes synthesis fail, and `Validations.of(construct).acknowledge(...)`
records an accepted finding, with its reason, at the narrowest construct.

Example:
    from cdk_containers.compliance import CompliancePack, enable_compliance

    app = App()
    build_my_stacks(app)
    enable_compliance(app, packs=[CompliancePack.AWS_SOLUTIONS, CompliancePack.NIST_800_53_R5])
    app.synth()

The cdk-nag packs need the `compliance` extra (`pip install 'cdk-containers[compliance]'`,
which brings `cdk-nag`); the Control Tower proactive controls also need
`cdklabs.cdk-validator-cfnguard`, in the same extra.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from typing import Any, cast

from aws_cdk import CfnResource, Stage, Validations
from constructs import IConstruct

from cdk_containers._extras import require
from cdk_containers._validation import Problems, construct_path, is_token

__all__ = ["CompliancePack", "enable_compliance", "skip_checkov"]


class CompliancePack(enum.Enum):
    """A rule pack `enable_compliance` can turn on; the value is the plugin name in reports."""

    AWS_SOLUTIONS = "AwsSolutions"
    """cdk-nag's AWS Solutions pack: general AWS security best practice."""
    NIST_800_53_R5 = "NIST.800.53.R5"
    """cdk-nag's NIST 800-53 revision 5 pack."""
    HIPAA_SECURITY = "HIPAA.Security"
    """cdk-nag's HIPAA Security pack."""
    PCI_DSS_321 = "PCI.DSS.321"
    """cdk-nag's PCI DSS 3.2.1 pack."""
    CONTROL_TOWER = "cdk-validator-cfnguard"
    """AWS Control Tower's proactive controls, evaluated offline by cfn-guard rules."""


_CHECKOV_ID = r"CKV2?_[A-Z0-9]+_\d+"

_NAG_CLASSES = {
    CompliancePack.AWS_SOLUTIONS: "AwsSolutionsChecks",
    CompliancePack.NIST_800_53_R5: "NIST80053R5Checks",
    CompliancePack.HIPAA_SECURITY: "HIPAASecurityChecks",
    CompliancePack.PCI_DSS_321: "PCIDSS321Checks",
}


def enable_compliance(
    scope: IConstruct,
    *,
    packs: Sequence[CompliancePack] = (CompliancePack.AWS_SOLUTIONS,),
) -> None:
    """Run `packs` over `scope` at synthesis; an unacknowledged finding fails it.

    Args:
        scope: An `App`, a `Stage` or one `Stack`. The cdk-nag packs check only the
            constructs under `scope`; the Control Tower controls check every template of
            the stage (cfn-guard reads templates, not constructs).
        packs: The packs to run. Defaults to `[CompliancePack.AWS_SOLUTIONS]`. Each pack
            appears once, whatever the list says.

    Raises:
        ValueError: `packs` is not a list of `CompliancePack`, or is empty.
        ImportError: the `compliance` extra is not installed.
    """
    problems = Problems("enable_compliance", scope.node.path or "<app>")
    problems.check_list("packs", packs, CompliancePack, optional=False, min_items=1)
    problems.raise_if_any()
    stage = Stage.of(scope) or scope
    plugins: list[Any] = []
    for pack in dict.fromkeys(packs):
        if pack is CompliancePack.CONTROL_TOWER:
            guard = require(
                "cdklabs.cdk_validator_cfnguard", extra="compliance", feature="CompliancePack.CONTROL_TOWER"
            )
            plugins.append(guard.CfnGuardValidator())
        else:
            nag = require("cdk_nag", extra="compliance", feature=f"CompliancePack.{pack.name}")
            plugins.append(getattr(nag, _NAG_CLASSES[pack])(scope))
    Validations.of(stage).add_plugins(*plugins)


def skip_checkov(resource: IConstruct, check_id: str, reason: str) -> None:
    """Record in the template that checkov's `check_id` does not apply to `resource`, and why.

    checkov reads `Metadata.checkov.skip` of a CloudFormation resource, so the reason
    travels with the template to whoever scans it.

    Args:
        resource: A `CfnResource`, or an L2 whose `node.default_child` is one.
        check_id: The checkov check, e.g. `"CKV_AWS_116"`.
        reason: Why the check does not apply; at least 40 characters.

    Raises:
        ValueError: `resource` has no CloudFormation resource, `check_id` is not a checkov
            id, or the reason is too short to explain anything.
    """
    cfn = resource if isinstance(resource, CfnResource) else resource.node.default_child
    problems = Problems("skip_checkov", construct_path(resource))
    problems.check(isinstance(cfn, CfnResource), "resource", resource, "a CfnResource or an L2 that has one")
    # checkov and a reviewer read both in the template as written: a token (resolved only at
    # deploy) is refused rather than let through unchecked, as Problems does for other arguments
    if not (isinstance(check_id, str) and not is_token(check_id) and re.fullmatch(_CHECKOV_ID, check_id)):
        problems.add("check_id", check_id, "a checkov id such as CKV_AWS_116, written out (not a token)")
    if not (isinstance(reason, str) and not is_token(reason) and len(reason.strip()) >= 40):
        problems.add(
            "reason",
            reason,
            "a reason of at least 40 characters that a reviewer would accept, written out (not a token)",
        )
    problems.raise_if_any()
    cfn = cast(CfnResource, cfn)
    existing = cfn.get_metadata("checkov") or {}
    skips = [s for s in existing.get("skip", []) if s.get("id") != check_id]
    skips.append({"id": check_id, "comment": reason})
    cfn.add_metadata("checkov", {**existing, "skip": sorted(skips, key=lambda s: s["id"])})
