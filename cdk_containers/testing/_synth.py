"""Synthesize an app once and read everything a test needs from the output."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_cdk import App, assertions

__all__ = ["Acknowledgement", "SynthResult", "Violation", "cdk_json_context", "cli_context", "synthesize"]


def cdk_json_context(cdk_json: str | Path = "cdk.json") -> dict[str, Any]:
    """The ``context`` of a ``cdk.json`` (feature flags and settings).

    Build test apps with it, ``App(context=cdk_json_context())``, so that the
    tests synthesize the same templates as ``cdk synth`` does.
    """
    with open(cdk_json, encoding="utf-8") as handle:
        context: dict[str, Any] = json.load(handle).get("context", {})
    return context


def cli_context(cdk_json: str | Path = "cdk.json") -> dict[str, Any]:
    """The context `cdk synth` would pass to the app, or `{}` when the CLI already passed it.

    The CDK CLI runs the app with the context of `cdk.json` and `cdk.context.json` (feature
    flags, cached lookups) and its own settings (path and asset metadata, version reporting,
    bundling) in the environment; `App()` reads them from there. `python app.py` run directly
    gets none of it and synthesizes a different template. Pass this to the app,
    `App(context=cli_context())`, and both ways give byte-identical templates.

    Args:
        cdk_json: Path of the app's `cdk.json`; `cdk.context.json` is read from the same folder.
            Defaults to `cdk.json` in the working directory, where the CLI looks for it too.

    Returns:
        The context as the CLI builds it, or an empty dict when the CLI started the app (it
        sets `CDK_CONTEXT_JSON` or `CDK_CONTEXT_FILE`).
    """
    if "CDK_CONTEXT_JSON" in os.environ or "CDK_CONTEXT_FILE" in os.environ:
        return {}
    cdk_json = Path(cdk_json)
    with open(cdk_json, encoding="utf-8") as handle:
        settings: dict[str, Any] = json.load(handle)
    context: dict[str, Any] = dict(settings.get("context", {}))
    cached = cdk_json.with_name("cdk.context.json")
    if cached.exists():
        context.update(json.loads(cached.read_text(encoding="utf-8")))
    # What the CLI adds from its settings (aws-cdk CLI, `cdk.json` keys of the same names).
    if settings.get("pathMetadata", True):
        context["aws:cdk:enable-path-metadata"] = True
    if settings.get("assetMetadata", True):
        context["aws:cdk:enable-asset-metadata"] = True
    if settings.get("versionReporting", True):
        context["aws:cdk:version-reporting"] = True
    else:
        context["aws:cdk:disable-version-reporting"] = True
    if not settings.get("staging", True):
        context["aws:cdk:disable-asset-staging"] = True
    context["aws:cdk:bundling-stacks"] = settings.get("bundlingStacks", ["**"])
    # The CLI also sets @aws-cdk/core:failSynthOnValidationErrors to false, because it reports
    # validation failures itself; run directly, the app keeps failing on them. It changes no
    # template.
    return context


@dataclass(frozen=True)
class Violation:
    """One finding of a validation plugin (cdk-nag pack, CloudFormation Validate)."""

    plugin: str
    rule: str
    severity: str
    description: str
    construct_paths: tuple[str, ...]

    def __str__(self) -> str:
        paths = ", ".join(self.construct_paths)
        return f"[{self.plugin}] {self.severity} {self.rule}: {self.description} ({paths})"


@dataclass(frozen=True)
class Acknowledgement:
    """A rule acknowledged with ``Validations.of(scope).acknowledge(...)``."""

    construct_path: str
    rule: str
    reason: str


@dataclass(frozen=True)
class SynthResult:
    """What one synthesis of an app produced.

    Attributes:
        outdir: The cloud assembly directory.
        template_files: Template path of every stack, by stack name.
        violations: Findings of every validation plugin (empty when valid).
        acknowledgements: Every acknowledged rule with its reason, in the stacks of nested
            stages too.
    """

    outdir: Path
    template_files: dict[str, Path]
    violations: tuple[Violation, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    _templates: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def template_json(self, stack_name: str) -> dict[str, Any]:
        """The parsed template of ``stack_name`` (read once, then cached)."""
        if stack_name not in self._templates:
            if stack_name not in self.template_files:
                raise KeyError(f"no stack {stack_name!r}; stacks: {sorted(self.template_files)}")
            text = self.template_files[stack_name].read_text(encoding="utf-8")
            self._templates[stack_name] = json.loads(text)
        return self._templates[stack_name]

    def template(self, stack_name: str) -> assertions.Template:
        """An ``assertions.Template`` of ``stack_name`` for fine-grained tests."""
        return assertions.Template.from_json(self.template_json(stack_name))

    def violations_of(self, plugin: str, *, severities: tuple[str, ...] = ("error",)) -> list[Violation]:
        """Findings of one plugin (e.g. ``"AwsSolutions"``) at the given severities."""
        return [v for v in self.violations if v.plugin == plugin and v.severity in severities]


def _read_violations(outdir: Path) -> tuple[Violation, ...]:
    report_file = outdir / "validation-report.json"
    if not report_file.exists():
        return ()
    report = json.loads(report_file.read_text(encoding="utf-8"))
    violations = []
    for plugin_report in report.get("pluginReports", []):
        for violation in plugin_report.get("violations", []):
            violations.append(
                Violation(
                    plugin=plugin_report.get("pluginName", "?"),
                    rule=violation.get("ruleName", "?"),
                    severity=violation.get("severity", "?"),
                    description=violation.get("description", ""),
                    construct_paths=tuple(
                        c.get("constructPath", "?") for c in violation.get("violatingConstructs", [])
                    ),
                )
            )
    return tuple(violations)


def _read_acknowledgements(outdir: Path, manifest: dict[str, Any]) -> tuple[Acknowledgement, ...]:
    found: list[Acknowledgement] = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "cdk:cloud-assembly":  # a Stage: its stacks are in a nested assembly
            nested = outdir / artifact.get("properties", {}).get("directoryName", "")
            if (nested / "manifest.json").exists():
                nested_manifest = json.loads((nested / "manifest.json").read_text(encoding="utf-8"))
                found.extend(_read_acknowledgements(nested, nested_manifest))
            continue
        # Metadata sits in the manifest or, for stacks, in a file beside it.
        metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
        metadata_file = artifact.get("additionalMetadataFile") or ""
        if metadata_file and (outdir / metadata_file).exists():
            metadata.update(json.loads((outdir / metadata_file).read_text(encoding="utf-8")))
        for path, entries in metadata.items():
            for entry in entries:
                if entry.get("type") != "aws:cdk:acknowledged-rules":
                    continue
                for rule, reason in entry.get("data", {}).items():
                    found.append(Acknowledgement(construct_path=path, rule=rule, reason=reason))
    return tuple(found)


def synthesize(app: App) -> SynthResult:
    """Synthesize ``app`` once and collect templates, findings and acknowledgements.

    Unlike ``app.synth()``, a validation failure (for example an
    unacknowledged cdk-nag finding) does not raise: the findings are returned
    in :attr:`SynthResult.violations`, so one synthesis serves every test.
    """
    try:
        assembly = app.synth()
        outdir = Path(assembly.directory)
    except RuntimeError as error:
        if "ValidationFailed" not in str(error) and "Validation failed" not in str(error):
            raise
        outdir = Path(str(app.outdir))
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    template_files: dict[str, Path] = {}
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        name = properties.get("stackName") or artifact.get("displayName") or artifact_id
        template_files[name] = outdir / properties["templateFile"]
    return SynthResult(
        outdir=outdir,
        template_files=template_files,
        violations=_read_violations(outdir),
        acknowledgements=_read_acknowledgements(outdir, manifest),
    )
