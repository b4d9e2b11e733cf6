"""The delivery pipeline's picture, read from the synthesized pipeline template.

The picture is drawn from what CodePipeline will run, not from what we meant it to run:
the `AWS::CodePipeline::Pipeline` resource of the pipeline stack lists its stages in order
and, in each, its actions with their run order, provider, region and configuration, and
the template holds the CodeBuild project behind every build action. From them:

* the tooling account's frame holds one box per stage before the first deploy: the source
  (repository and branch of the connection), the synth step (the commands of its build
  spec), the self-mutation (the stack it deploys) and the asset publishing;
* each deploying stage is a frame; a wave with several environments holds one frame per
  environment, side by side, and its manual approval above them;
* each environment shows one box for its deploys (stack names, grouped by run order: the
  stacks in one line deploy in parallel) and one box per post-deploy check, marked with
  where it runs (inside the environment's VPC when it starts a build there, else in the
  tooling account) and whether it reads a stack output (`ServiceUrl`);
* arrows follow the run order: stage after stage, deploys before their checks.

The model is plain data (`scripts.diagram_model.Model`); `scripts.diagram_dot` draws it.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from scripts.diagram_model import Edge, Group, Model, Node

__all__ = ["PIPELINE", "build_pipeline_model"]

#: The picture's name: docs/diagrams/pipeline.dot and .png.
PIPELINE = "pipeline"

_ACCOUNT = re.compile(r":iam::(\d{12}):role/")
_PROVIDERS = {"CodeStarSourceConnection": "CodeConnections", "CodeCommit": "CodeCommit", "S3": "S3"}


def _pipeline(template: Mapping[str, Any]) -> Mapping[str, Any]:
    found = [
        r for r in template.get("Resources", {}).values() if r.get("Type") == "AWS::CodePipeline::Pipeline"
    ]
    if len(found) != 1:
        raise ValueError(f"expected one AWS::CodePipeline::Pipeline in the template, found {len(found)}")
    properties: Mapping[str, Any] = found[0]["Properties"]
    return properties


def _build_spec(template: Mapping[str, Any], action: Mapping[str, Any]) -> dict[str, Any]:
    """The parsed build spec of a CodeBuild action's project ({} when it lives in a file)."""
    project = action.get("Configuration", {}).get("ProjectName")
    if not isinstance(project, Mapping) or "Ref" not in project:
        return {}
    resource = template.get("Resources", {}).get(project["Ref"], {})
    spec = resource.get("Properties", {}).get("Source", {}).get("BuildSpec")
    try:
        parsed = json.loads(spec) if isinstance(spec, str) else {}
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _project_variables(template: Mapping[str, Any], action: Mapping[str, Any]) -> dict[str, Any]:
    project = action.get("Configuration", {}).get("ProjectName")
    if not isinstance(project, Mapping) or "Ref" not in project:
        return {}
    resource = template.get("Resources", {}).get(project["Ref"], {})
    variables = resource.get("Properties", {}).get("Environment", {}).get("EnvironmentVariables", [])
    return {v["Name"]: v.get("Value") for v in variables if isinstance(v, Mapping) and "Name" in v}


def _commands(spec: Mapping[str, Any], phase: str) -> list[str]:
    commands = spec.get("phases", {}).get(phase, {}).get("commands", [])
    return [c for c in commands if isinstance(c, str)]


def _words(name: str) -> str:
    """`NodesReady` -> `Nodes Ready`."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def _account_of(action: Mapping[str, Any]) -> str | None:
    match = _ACCOUNT.search(json.dumps(action.get("RoleArn", "")))
    return match[1] if match else None


def _tooling_nodes(
    template: Mapping[str, Any], stages: list[Mapping[str, Any]], frame: str
) -> tuple[list[Node], list[str]]:
    """One box per stage before the first deploy; returns the boxes and their ids in order."""
    nodes: list[Node] = []
    for index, stage in enumerate(stages, start=1):
        actions = stage["Actions"]
        names = ", ".join(a["Name"] for a in actions)
        facts: list[str] = []
        for action in actions:
            configuration = action.get("Configuration", {})
            kind = action["ActionTypeId"]
            if kind["Category"] == "Source":
                facts.append(_PROVIDERS.get(kind["Provider"], kind["Provider"]))
                if "FullRepositoryId" in configuration:
                    facts.append(str(configuration["FullRepositoryId"]))
                if "BranchName" in configuration:
                    facts.append(f"branch {configuration['BranchName']}")
                continue
            spec = _build_spec(template, action)
            if not spec:
                facts.append("cdk-assets publish")
                continue
            for command in _commands(spec, "install") + _commands(spec, "build"):
                deploy = re.search(r"\bcdk .*\bdeploy (\S+)", command)
                install = re.fullmatch(r"npm install -g aws-cdk@(\S+)", command)
                if deploy:
                    facts.append(f"cdk deploy {deploy[1]}")
                elif install:
                    facts.append(f"CDK CLI {install[1]}")
                else:
                    facts.append(command)
        nodes.append(
            Node(
                id=f"{index:02d}-{stage['Name']}",
                kind="pipeline_source" if index == 1 else "pipeline_build",
                # A source action is named after its repository, which its facts already show.
                title=stage["Name"] if index == 1 or names == stage["Name"] else f"{stage['Name']}: {names}",
                facts=tuple(facts),
                group=frame,
            )
        )
    return nodes, [n.id for n in nodes]


def _environment_nodes(
    template: Mapping[str, Any], actions: list[Mapping[str, Any]], prefix: str, frame: str
) -> tuple[list[Node], list[Edge], str, list[str]]:
    """The deploy box and the check boxes of one environment; returns them, their arrows, the
    deploy box's id and the check boxes' ids."""
    deploys: dict[int, list[str]] = defaultdict(list)
    checks: list[Mapping[str, Any]] = []
    for action in actions:
        kind = action["ActionTypeId"]
        if kind["Provider"] == "CloudFormation" and action["Name"].endswith(".Deploy"):
            deploys[int(action["RunOrder"])].append(action["Name"].removesuffix(".Deploy").split(".")[-1])
        elif kind["Category"] in ("Build", "Test"):
            checks.append(action)
    stacks = sum(len(v) for v in deploys.values())
    lines = [", ".join(sorted(deploys[order])) for order in sorted(deploys)]
    deploy_id = f"{frame}/1-deploy"
    nodes = [
        Node(
            id=deploy_id,
            kind="pipeline_deploy",
            title=f"Deploy {stacks} stacks",
            facts=tuple(lines[:1] + [f"then {line}" for line in lines[1:]]),
            group=frame,
        )
    ]
    edges: list[Edge] = []
    check_ids: list[str] = []
    for action in sorted(checks, key=lambda a: a["Name"]):
        name = action["Name"].removeprefix(prefix).split("-")[-1]
        spec = json.dumps(_build_spec(template, action))
        variables = json.dumps(action.get("Configuration", {}).get("EnvironmentVariables", ""))
        facts = []
        if "ServiceUrl" in variables:
            facts.append("of the ServiceUrl output")
        in_vpc = "start-build" in spec and "CHECK_PROJECT" in _project_variables(template, action)
        facts.append("runs inside the VPC" if in_vpc else "runs in the tooling account")
        check_id = f"{frame}/2-{name}"
        nodes.append(
            Node(id=check_id, kind="pipeline_check", title=_words(name), facts=tuple(facts), group=frame)
        )
        edges.append(Edge(deploy_id, check_id))
        check_ids.append(check_id)
    return nodes, edges, deploy_id, check_ids


def build_pipeline_model(template: Mapping[str, Any], *, account: str, region: str) -> Model:
    """The delivery pipeline of a synthesized pipeline stack, stage by stage.

    Args:
        template: The pipeline stack's template.
        account: The pipeline (tooling) account, for the frame's label.
        region: The pipeline's region: actions without a `Region` run there.

    Raises:
        ValueError: The template holds no pipeline, or more than one.
    """
    stages: list[Mapping[str, Any]] = list(_pipeline(template)["Stages"])
    deploying = [
        i
        for i, s in enumerate(stages)
        if any(a["ActionTypeId"]["Provider"] == "CloudFormation" for a in s["Actions"])
    ]
    first_deploy = deploying[0] if deploying else len(stages)
    tooling = Group(id="00-tooling", label=f"Tooling account {account}, {region}", kind="account")
    groups: list[Group] = [tooling]
    nodes, order = _tooling_nodes(template, stages[:first_deploy], tooling.id)
    edges = [Edge(a, b) for a, b in itertools.pairwise(order)]
    last: list[str] = order[-1:]  # what the next stage's arrow starts from

    for index, stage in enumerate(stages[first_deploy:], start=first_deploy + 1):
        actions: list[Mapping[str, Any]] = stage["Actions"]
        frame = f"{index:02d}-{stage['Name']}"
        approvals = [a for a in actions if a["ActionTypeId"]["Category"] == "Approval"]
        rest = [a for a in actions if a["ActionTypeId"]["Category"] != "Approval"]
        # A wave of several environments prefixes its actions with the environment's stage
        # (`cdkc-prod-eu.network.Deploy`); a wave of one is a stage named after it, unprefixed.
        prefixed = _is_prefixed(rest)
        environments: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for action in rest:
            environments[action["Name"].partition(".")[0] if prefixed else stage["Name"]].append(action)
        several = len(environments) > 1
        label = (
            f"Wave {stage['Name']}: {len(environments)} environments in parallel"
            if several
            else _environment_label(stage["Name"], rest, region)
        )
        groups.append(Group(id=frame, label=label, kind="wave" if several else "environment"))
        entries: list[str] = []
        if approvals:
            approval_id = f"{frame}/0-approval"
            title = "Manual approval"
            nodes.append(
                Node(
                    id=approval_id,
                    kind="pipeline_approval",
                    title=title,
                    facts=tuple(a["Name"] for a in approvals),
                    group=frame,
                )
            )
            entries.append(approval_id)
        deploy_ids: list[str] = []
        checks_of_stage: list[str] = []
        for name in sorted(environments):
            inner = frame
            if several:
                inner = f"{frame}/{name}"
                env_label = _environment_label(name, environments[name], region)
                groups.append(Group(id=inner, label=env_label, kind="environment", parent=frame))
            prefix = f"{name}." if prefixed else ""
            env_nodes, env_edges, deploy_id, check_ids = _environment_nodes(
                template, environments[name], prefix, inner
            )
            nodes += env_nodes
            edges += env_edges
            deploy_ids.append(deploy_id)
            checks_of_stage += check_ids or [deploy_id]
        edges += [Edge(a, d) for a in entries for d in deploy_ids]
        passed = "all checks passed" if any("/2-" in a for a in last) else ""
        edges += [Edge(a, t, passed) for a in last for t in (entries or deploy_ids)]
        last = checks_of_stage[-1:]
    return Model(name=PIPELINE, nodes=tuple(nodes), groups=tuple(groups), edges=tuple(sorted(set(edges))))


def _is_prefixed(actions: list[Mapping[str, Any]]) -> bool:
    """Whether every action name carries an environment prefix (`cdkc-prod-eu.network.Deploy`)."""
    return all(
        a["Name"].count(".") >= (2 if a["ActionTypeId"]["Provider"] == "CloudFormation" else 1)
        for a in actions
    )


def _environment_label(name: str, actions: list[Mapping[str, Any]], region: str) -> str:
    accounts = sorted({a for a in map(_account_of, actions) if a})
    regions = sorted(
        {str(a.get("Region", region)) for a in actions if a["ActionTypeId"]["Provider"] == "CloudFormation"}
    )
    return f"{name}: {', '.join(accounts) or 'tooling account'}, {', '.join(regions) or region}"
