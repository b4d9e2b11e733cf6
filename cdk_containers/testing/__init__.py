"""Testing helpers for CDK apps: synthesis, snapshots and compliance checks.

Everything here is public and documented for users of the library as well as
for its own tests:

* :func:`synthesize` synthesizes an ``App`` once (collecting the validation
  report instead of raising) and returns the templates, so a test session can
  share one synthesis between many tests;
* :class:`CdkTemplateSnapshotExtension` and the ``cdk_snapshot`` pytest fixture
  (registered as a pytest plugin when ``cdk-containers[testing]`` is
  installed) snapshot templates with syrupy, masking only what changes without
  a behaviour change: asset hashes, the runtime of CDK's own handler Lambdas,
  and ``BootstrapVersion``;
* :func:`cfn_lint` runs cfn-lint on a template;
* :func:`cdk_json_context` reads the feature flags of a ``cdk.json`` so test
  apps synthesize exactly what ``cdk synth`` does;
* :func:`cli_context` is the whole context the CDK CLI would pass, so ``python app.py``
  and ``cdk synth`` give byte-identical templates.
"""

from typing import TYPE_CHECKING

from cdk_containers.testing._checks import CfnLintFinding, cfn_lint
from cdk_containers.testing._mask import mask_template
from cdk_containers.testing._synth import (
    Acknowledgement,
    SynthResult,
    Violation,
    cdk_json_context,
    cli_context,
    synthesize,
)

if TYPE_CHECKING:
    from cdk_containers.testing._snapshot import CdkTemplateSnapshotExtension

__all__ = [
    "Acknowledgement",
    "CdkTemplateSnapshotExtension",
    "CfnLintFinding",
    "SynthResult",
    "Violation",
    "cdk_json_context",
    "cfn_lint",
    "cli_context",
    "mask_template",
    "synthesize",
]


def __getattr__(name: str) -> object:
    # syrupy is an optional dependency (the ``testing`` extra): import the
    # extension only when it is asked for.
    if name == "CdkTemplateSnapshotExtension":
        from cdk_containers.testing._snapshot import CdkTemplateSnapshotExtension

        return CdkTemplateSnapshotExtension
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
