"""From synthesized templates to a small, deterministic architecture model.

A stack's diagram shows what a reader cares about (VPC and subnets, NAT, the
EKS cluster, node groups, Fargate profiles, add-ons and Kubernetes manifests,
storage, repositories, the App Runner service and its VPC connector, keys,
data stores) and the arrows between them, not every CloudFormation resource.
The model is plain data (nodes, groups, edges) so it can be committed as JSON,
compared in a test without Graphviz, and rendered by :mod:`scripts.docs_gen`.

How edges are found, all from the templates of the whole app:

* a visible resource that references another (``Ref``, ``Fn::GetAtt``,
  ``Fn::Sub``, or across stacks ``Fn::GetStackOutput`` / ``Fn::ImportValue``)
  points at it, also through a launch template or instance profile;
* a visible resource that uses an IAM role points at what the role's policies
  grant access to;
* a security-group ingress rule points from the resources behind the source
  group to the resources behind the target group, labelled with the port;
* route tables give the subnets' default routes (NAT, internet gateway), flow
  logs point from the VPC to their log group, EFS mount targets from the file
  system to its subnets.

Subnets are drawn per kind (public, private, isolated), one node per VPC each.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Edge", "Group", "Model", "Node", "build_model", "read_assembly"]

Template = Mapping[str, Any]
Key = tuple[str, str]  # (stack name, logical id)

#: CloudFormation type -> model kind, for the resources that get a node.
KINDS: dict[str, str] = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::NatGateway": "nat_gateway",
    "AWS::EC2::InternetGateway": "internet_gateway",
    "AWS::EC2::VPCEndpoint": "vpc_endpoint",
    "AWS::EKS::Cluster": "eks_cluster",
    "AWS::EKS::Nodegroup": "managed_node_group",
    "AWS::AutoScaling::AutoScalingGroup": "auto_scaling_group",
    "AWS::EKS::FargateProfile": "fargate_profile",
    "AWS::EKS::Addon": "eks_addon",
    "Custom::AWSCDK-EKS-KubernetesResource": "kubernetes_manifest",
    "Custom::AWSCDK-EKS-HelmChart": "helm_chart",
    "AWS::ECR::Repository": "ecr_repository",
    "AWS::ECR::RegistryScanningConfiguration": "ecr_registry_setting",
    "AWS::ECR::ReplicationConfiguration": "ecr_registry_setting",
    "AWS::ECR::PullThroughCacheRule": "ecr_registry_setting",
    "AWS::ECR::RepositoryCreationTemplate": "ecr_registry_setting",
    "AWS::ECR::RegistryPolicy": "ecr_registry_setting",
    "AWS::EFS::FileSystem": "efs_file_system",
    "AWS::FSx::FileSystem": "fsx_file_system",
    "AWS::FSx::StorageVirtualMachine": "fsx_storage_virtual_machine",
    "AWS::FSx::Volume": "fsx_volume",
    "AWS::AppRunner::Service": "app_runner_service",
    "AWS::AppRunner::VpcConnector": "app_runner_vpc_connector",
    "AWS::AppRunner::VpcIngressConnection": "app_runner_ingress",
    "AWS::KMS::Key": "kms_key",
    "AWS::Logs::LogGroup": "log_group",
    "AWS::S3::Bucket": "s3_bucket",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::RDS::DBCluster": "database",
    "AWS::RDS::DBInstance": "database",
    "AWS::DynamoDB::Table": "database",
    "AWS::DynamoDB::GlobalTable": "database",
    "AWS::ElastiCache::ReplicationGroup": "database",
    "AWS::ElastiCache::ServerlessCache": "database",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load_balancer",
    "AWS::SNS::Topic": "sns_topic",
    "AWS::SQS::Queue": "sqs_queue",
    "AWS::Events::Rule": "event_rule",
}

#: Kinds drawn only when an arrow touches them (CDK adds log groups of its own).
ON_DEMAND_KINDS = frozenset({"log_group"})

#: Resources looked through when collecting what a visible resource uses.
TRANSPARENT_TYPES = frozenset({"AWS::EC2::LaunchTemplate", "AWS::IAM::InstanceProfile"})

CAPTIONS: dict[str, str] = {
    "vpc": "VPC",
    "public_subnets": "Public subnets",
    "private_subnets": "Private subnets",
    "isolated_subnets": "Isolated subnets",
    "nat_gateway": "NAT gateway",
    "internet_gateway": "Internet gateway",
    "vpc_endpoint": "VPC endpoint",
    "eks_cluster": "EKS cluster",
    "managed_node_group": "Managed node group",
    "auto_scaling_group": "Self-managed nodes (ASG)",
    "fargate_profile": "Fargate profile",
    "eks_addon": "EKS add-on",
    "kubernetes_manifest": "Kubernetes manifest",
    "storage_class": "StorageClass",
    "helm_chart": "Helm chart",
    "ecr_repository": "ECR repository",
    "ecr_registry_setting": "ECR registry setting",
    "efs_file_system": "EFS file system",
    "fsx_file_system": "FSx file system",
    "fsx_storage_virtual_machine": "FSx ONTAP SVM",
    "fsx_volume": "FSx ONTAP volume",
    "app_runner_service": "App Runner service",
    "app_runner_vpc_connector": "App Runner VPC connector",
    "app_runner_ingress": "App Runner VPC ingress",
    "kms_key": "KMS key",
    "log_group": "Log group",
    "s3_bucket": "S3 bucket",
    "secret": "Secret",
    "database": "Database",
    "load_balancer": "Load balancer",
    "sns_topic": "SNS topic",
    "sqs_queue": "SQS queue",
    "event_rule": "EventBridge rule",
}

#: Labels of arrows between two kinds; other arrows carry no label.
RELATIONS: dict[tuple[str, str], str] = {
    ("managed_node_group", "eks_cluster"): "joins",
    ("auto_scaling_group", "eks_cluster"): "joins",
    ("fargate_profile", "eks_cluster"): "runs pods of",
    ("eks_addon", "eks_cluster"): "add-on of",
    ("kubernetes_manifest", "eks_cluster"): "applied to",
    ("storage_class", "eks_cluster"): "applied to",
    ("helm_chart", "eks_cluster"): "installed in",
    ("app_runner_service", "app_runner_vpc_connector"): "egress via",
    ("app_runner_service", "ecr_repository"): "image from",
    ("efs_file_system", "private_subnets"): "mount targets",
    ("nat_gateway", "public_subnets"): "in",
    ("efs_file_system", "isolated_subnets"): "mount targets",
    ("event_rule", "sns_topic"): "notifies",
    ("event_rule", "sqs_queue"): "notifies",
    ("event_rule", "ecr_repository"): "watches",
}
#: Labels of arrows into a kind, whatever points at it.
TARGET_RELATIONS: dict[str, str] = {"kms_key": "encrypted with", "log_group": "logs to"}

_SUB_VARIABLE = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")
_MANIFEST_KIND = re.compile(r'"kind"\s*:\s*"([A-Za-z]+)"')
_MANIFEST_NAME = re.compile(r'"metadata"\s*:\s*\{[^{}]*?"name"\s*:\s*"([^"]+)"')
_PULL_ACTIONS = frozenset(
    {
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetAuthorizationToken",
        "ecr:DescribeImages",
    }
)


@dataclass(frozen=True, order=True)
class Node:
    """One box in the diagram."""

    id: str
    kind: str
    label: str
    group: str | None = None
    #: The stack that defines the resource, when it is not the diagram's stack.
    external: str | None = None


@dataclass(frozen=True, order=True)
class Group:
    """A frame around nodes (a VPC)."""

    id: str
    label: str


@dataclass(frozen=True, order=True)
class Edge:
    """An arrow from ``source`` (the resource that uses) to ``target``."""

    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Model:
    """The architecture of one stack: nodes, the VPCs they sit in, arrows."""

    stack: str
    nodes: tuple[Node, ...]
    groups: tuple[Group, ...] = ()
    edges: tuple[Edge, ...] = ()

    def to_json(self) -> str:
        """Stable JSON: sorted, indented, one trailing newline."""
        data = {
            "stack": self.stack,
            "groups": [asdict(g) for g in sorted(self.groups)],
            "nodes": [asdict(n) for n in sorted(self.nodes)],
            "edges": [asdict(e) for e in sorted(self.edges)],
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        return cls(
            stack=data["stack"],
            groups=tuple(Group(**g) for g in data["groups"]),
            nodes=tuple(Node(**n) for n in data["nodes"]),
            edges=tuple(Edge(**e) for e in data["edges"]),
        )


def _literal(value: Any) -> str | None:
    """``value`` as text when it is a literal (not a CloudFormation function), else ``None``."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _literal_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _literal_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _literal_strings(item)


@dataclass
class _App:
    templates: Mapping[str, Template]
    paths: Mapping[str, Mapping[str, str]]
    exports: dict[str, tuple[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stack, template in self.templates.items():
            for output in template.get("Outputs", {}).values():
                name = output.get("Export", {}).get("Name")
                if isinstance(name, str):
                    self.exports[name] = (stack, output.get("Value"))

    def resource(self, key: Key) -> Mapping[str, Any]:
        resource: Mapping[str, Any] = self.templates[key[0]].get("Resources", {}).get(key[1], {})
        return resource

    def type_of(self, key: Key) -> str:
        return str(self.resource(key).get("Type", ""))

    def properties(self, key: Key) -> Mapping[str, Any]:
        properties: Mapping[str, Any] = self.resource(key).get("Properties", {})
        return properties

    def resources(self, stack: str) -> list[Key]:
        return sorted((stack, logical_id) for logical_id in self.templates[stack].get("Resources", {}))

    def refs(self, stack: str, value: Any) -> set[Key]:
        """Every resource that ``value`` (a property value of ``stack``) refers to."""
        found: set[Key] = set()
        resources = self.templates[stack].get("Resources", {})

        def walk(item: Any) -> None:
            if isinstance(item, list):
                for element in item:
                    walk(element)
                return
            if not isinstance(item, dict):
                return
            if len(item) == 1:
                ((function, argument),) = item.items()
                if function == "Ref" and isinstance(argument, str):
                    if argument in resources:
                        found.add((stack, argument))
                    return
                if function == "Fn::GetAtt":
                    target = argument[0] if isinstance(argument, list) else str(argument).split(".")[0]
                    if isinstance(target, str) and target in resources:
                        found.add((stack, target))
                    return
                if function == "Fn::GetStackOutput" and isinstance(argument, dict):
                    other, output = argument.get("StackName"), argument.get("OutputName")
                    if isinstance(other, str) and other in self.templates and isinstance(output, str):
                        value = self.templates[other].get("Outputs", {}).get(output, {}).get("Value")
                        found.update(self.refs(other, value))
                    return
                if function == "Fn::ImportValue" and isinstance(argument, str) and argument in self.exports:
                    other, value = self.exports[argument]
                    found.update(self.refs(other, value))
                    return
                if function == "Fn::Sub":
                    text, variables = (
                        (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
                    )
                    for name in _SUB_VARIABLE.findall(text):
                        if name in resources and name not in variables:
                            found.add((stack, name))
                    walk(list(variables.values()))
                    return
            for element in item.values():
                walk(element)

        walk(value)
        return found

    def uses(self, key: Key) -> set[Key]:
        """What ``key`` references, looking through launch templates and instance profiles."""
        seen: set[Key] = set()
        pending = [key]
        while pending:
            current = pending.pop()
            for target in self.refs(current[0], self.properties(current)):
                if target in seen or target == key:
                    continue
                seen.add(target)
                if self.type_of(target) in TRANSPARENT_TYPES:
                    pending.append(target)
        return seen


def _subnet_kind(app: _App, key: Key) -> str:
    properties = app.properties(key)
    for tag in properties.get("Tags", []):
        if tag.get("Key") == "aws-cdk:subnet-type" and isinstance(tag.get("Value"), str):
            return f"{tag['Value'].lower()}_subnets"
    return "public_subnets" if properties.get("MapPublicIpOnLaunch") is True else "private_subnets"


def _details(app: _App, key: Key, kind: str) -> list[str]:
    p = app.properties(key)
    if kind == "vpc":
        return [text] if (text := _literal(p.get("CidrBlock"))) else []
    if kind == "eks_cluster":
        version = _literal(p.get("Version"))
        vpc_config = p.get("ResourcesVpcConfig", {})
        public = vpc_config.get("EndpointPublicAccess")
        endpoint = "public+private endpoint" if public is True else "private endpoint"
        return [f"Kubernetes {version}, {endpoint}" if version else endpoint]
    if kind == "managed_node_group":
        lines = []
        types = [t for t in p.get("InstanceTypes", []) if isinstance(t, str)]
        if types:
            lines.append(", ".join(types) + (" (spot)" if p.get("CapacityType") == "SPOT" else ""))
        scaling = p.get("ScalingConfig", {})
        if all(_literal(scaling.get(k)) is not None for k in ("MinSize", "MaxSize")):
            lines.append(f"{scaling['MinSize']}-{scaling['MaxSize']} nodes")
        if ami := _literal(p.get("AmiType")):
            lines.append(str(ami))
        return lines
    if kind == "auto_scaling_group":
        if all(_literal(p.get(k)) is not None for k in ("MinSize", "MaxSize")):
            return [f"{p['MinSize']}-{p['MaxSize']} nodes"]
        return []
    if kind == "fargate_profile":
        namespaces = sorted(
            str(s["Namespace"]) for s in p.get("Selectors", []) if _literal(s.get("Namespace")) is not None
        )
        return [f"namespaces: {', '.join(namespaces)}"] if namespaces else []
    if kind == "eks_addon":
        return [text] if (text := _literal(p.get("AddonName"))) else []
    if kind in ("kubernetes_manifest", "storage_class"):
        text = "".join(_literal_strings(p.get("Manifest")))
        kinds = _MANIFEST_KIND.findall(text)
        names = _MANIFEST_NAME.findall(text)
        if kinds and len(kinds) == len(names):
            return [f"{k} {n}" for k, n in zip(kinds, names, strict=True)]
        return sorted(set(kinds))
    if kind == "event_rule":
        pattern = p.get("EventPattern", {})
        detail_types = pattern.get("detail-type", []) if isinstance(pattern, dict) else []
        return [str(d) for d in detail_types if isinstance(d, str)]
    if kind == "helm_chart":
        return [text] if (text := _literal(p.get("Chart"))) else []
    if kind == "ecr_repository":
        lines = [str(name)] if (name := _literal(p.get("RepositoryName"))) else []
        if mutability := _literal(p.get("ImageTagMutability")):
            lines.append(f"tags {str(mutability).lower().replace('_', ' ')}")
        return lines
    if kind == "ecr_registry_setting":
        return [app.type_of(key).removeprefix("AWS::ECR::")]
    if kind == "fsx_file_system":
        fs_type = _literal(p.get("FileSystemType"))
        capacity = _literal(p.get("StorageCapacity"))
        return [" ".join(str(x) for x in (fs_type, f"{capacity} GiB" if capacity else None) if x)]
    if kind == "app_runner_service":
        lines = []
        instance = p.get("InstanceConfiguration", {})
        cpu, memory = _literal(instance.get("Cpu")), _literal(instance.get("Memory"))
        if cpu and memory:
            cpu_text = str(cpu) if "cpu" in str(cpu).lower() else f"{cpu} vCPU"
            lines.append(f"{cpu_text} / {memory}")
        return lines
    if kind == "log_group":
        days = _literal(p.get("RetentionInDays"))
        return [f"{days} days"] if days else []
    if kind == "kms_key":
        return ["rotation on"] if p.get("EnableKeyRotation") is True else []
    if kind == "database" or kind == "vpc_endpoint":
        name = _literal(p.get("Engine")) or _literal(p.get("ServiceName"))
        return [str(name)] if name else [app.type_of(key).split("::")[1]]
    return []


def _path(app: _App, key: Key) -> str:
    """The construct path of a resource, without the trailing ``/Resource``."""
    path = app.paths.get(key[0], {}).get(key[1])
    if path is None:
        path = app.resource(key).get("Metadata", {}).get("aws:cdk:path")
    if not isinstance(path, str):
        return f"{key[0]}/{key[1]}"
    path = path.strip("/")
    while path.endswith(("/Resource", "/Default")):
        path = path.removesuffix("/Resource").removesuffix("/Default")
    return path


class _Builder:
    def __init__(self, app: _App, stack: str) -> None:
        self.app = app
        self.stack = stack
        self.kind: dict[Key, str] = {}
        self.node_id: dict[Key, str] = {}
        self.subnet_vpc: dict[Key, Key | None] = {}
        self.nodes: dict[str, Node] = {}
        self.groups: dict[str, Group] = {}
        self.edges: set[Edge] = set()
        self._classify()

    def _classify(self) -> None:
        for stack in sorted(self.app.templates):
            for key in self.app.resources(stack):
                cfn_type = self.app.type_of(key)
                if cfn_type == "AWS::EC2::Subnet":
                    vpcs = sorted(self.app.refs(stack, self.app.properties(key).get("VpcId")))
                    vpc = vpcs[0] if vpcs else None
                    self.subnet_vpc[key] = vpc
                    kind = _subnet_kind(self.app, key)
                    self.kind[key] = kind
                    owner = _path(self.app, vpc) if vpc else f"{stack}/subnets"
                    self.node_id[key] = f"{owner}/{kind.replace('_', '-')}"
                elif cfn_type in KINDS:
                    kind = KINDS[cfn_type]
                    if kind in ("kubernetes_manifest", "storage_class"):
                        text = "".join(_literal_strings(self.app.properties(key).get("Manifest")))
                        if set(_MANIFEST_KIND.findall(text)) == {"StorageClass"}:
                            kind = "storage_class"
                    self.kind[key] = kind
                    self.node_id[key] = _path(self.app, key)

    def _group_of(self, key: Key) -> str | None:
        """The VPC frame ``key`` sits in: its own VPC, or the VPC of a subnet it uses."""
        vpc: Key | None = None
        if self.kind.get(key) == "vpc":
            vpc = key
        elif key in self.subnet_vpc:
            vpc = self.subnet_vpc[key]
        else:
            subnets = sorted(k for k in self.app.uses(key) if k in self.subnet_vpc)
            vpcs = sorted({v for v in (self.subnet_vpc[s] for s in subnets) if v is not None})
            vpc = vpcs[0] if len(vpcs) == 1 else None
        if vpc is None:
            return None
        group_id = f"{_path(self.app, vpc)}/frame"
        if group_id not in self.groups:
            cidr = _literal(self.app.properties(vpc).get("CidrBlock"))
            label = f"VPC {cidr}" if cidr else "VPC"
            if vpc[0] != self.stack:
                label += f" (from {vpc[0]})"
            self.groups[group_id] = Group(id=group_id, label=label)
        return group_id

    def _label(self, key: Key) -> str:
        kind = self.kind[key]
        lines = [CAPTIONS.get(kind, kind)]
        if key in self.subnet_vpc:
            same = [k for k in self.subnet_vpc if self.node_id[k] == self.node_id[key]]
            lines.append(f"{len(same)} subnets")
        else:
            name = _path(self.app, key).removeprefix(f"{key[0]}/")
            lines.append(name)
            lines.extend(_details(self.app, key, kind))
        if key[0] != self.stack:
            lines.append(f"(from {key[0]})")
        return "\n".join(lines)

    def add_node(self, key: Key) -> str:
        node_id = self.node_id[key]
        if node_id not in self.nodes:
            self.nodes[node_id] = Node(
                id=node_id,
                kind=self.kind[key],
                label=self._label(key),
                group=self._group_of(key),
                external=key[0] if key[0] != self.stack else None,
            )
        return node_id

    def add_edge(self, source: Key, target: Key, label: str | None = None) -> None:
        if self.node_id[source] == self.node_id[target]:
            return
        if label is None:
            label = RELATIONS.get(
                (self.kind[source], self.kind[target]), TARGET_RELATIONS.get(self.kind[target], "")
            )
        self.edges.add(Edge(source=self.add_node(source), target=self.add_node(target), label=label))

    def grants(self) -> dict[Key, set[tuple[Key, str]]]:
        """Role -> (resource it may access, label), from IAM policies of every stack."""
        found: dict[Key, set[tuple[Key, str]]] = defaultdict(set)

        def collect(stack: str, roles: set[Key], document: Any) -> None:
            statements = document.get("Statement", []) if isinstance(document, dict) else []
            for statement in statements:
                if statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action", [])
                actions = {actions} if isinstance(actions, str) else set(actions)
                label = "pulls images" if actions and actions <= _PULL_ACTIONS else "IAM access"
                for target in self.app.refs(stack, statement.get("Resource")):
                    if target in self.kind:
                        for role in roles:
                            found[role].add((target, label))

        for stack in self.app.templates:
            for key in self.app.resources(stack):
                cfn_type, properties = self.app.type_of(key), self.app.properties(key)
                if cfn_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                    roles = self.app.refs(stack, properties.get("Roles"))
                    collect(stack, roles, properties.get("PolicyDocument"))
                elif cfn_type == "AWS::IAM::Role":
                    for policy in properties.get("Policies", []):
                        collect(stack, {key}, policy.get("PolicyDocument"))
        return found

    def security_group_rules(self) -> list[tuple[Key, Key, str]]:
        """(source group, target group, "tcp/port") of every group-to-group ingress rule."""
        rules: list[tuple[Key, Key, str]] = []
        for stack in self.app.templates:
            for key in self.app.resources(stack):
                cfn_type, properties = self.app.type_of(key), self.app.properties(key)
                entries: list[tuple[set[Key], Mapping[str, Any]]] = []
                if cfn_type == "AWS::EC2::SecurityGroupIngress":
                    entries.append((self.app.refs(stack, properties.get("GroupId")), properties))
                elif cfn_type == "AWS::EC2::SecurityGroup":
                    entries.extend(({key}, rule) for rule in properties.get("SecurityGroupIngress", []))
                for targets, rule in entries:
                    sources = self.app.refs(stack, rule.get("SourceSecurityGroupId"))
                    protocol = str(rule.get("IpProtocol", "tcp"))
                    low, high = rule.get("FromPort"), rule.get("ToPort")
                    port = f"{low}" if low == high else f"{low}-{high}"
                    label = "all traffic" if protocol == "-1" else f"{protocol}/{port}"
                    rules.extend((s, t, label) for s in sources for t in targets)
        return rules

    def build(self) -> Model:
        app, stack = self.app, self.stack
        visible = [k for k in app.resources(stack) if k in self.kind and k not in self.subnet_vpc]
        for key in visible:
            if self.kind[key] not in ON_DEMAND_KINDS:
                self.add_node(key)
        uses = {key: app.uses(key) for key in self.kind}
        for key in visible:
            for target in sorted(uses[key]):
                if target in self.kind and self.kind[target] not in ON_DEMAND_KINDS:
                    self.add_edge(key, target)
        grants = self.grants()
        for key in visible:
            for role in sorted(r for r in uses[key] if app.type_of(r) == "AWS::IAM::Role"):
                for target, label in sorted(grants.get(role, ())):
                    self.add_edge(key, target, label)
        owners: dict[Key, list[Key]] = defaultdict(list)
        for key in self.kind:
            for target in uses[key]:
                if app.type_of(target) == "AWS::EC2::SecurityGroup":
                    owners[target].append(key)
        for source_group, target_group, label in self.security_group_rules():
            for source in owners.get(source_group, []):
                for target in owners.get(target_group, []):
                    if stack in (source[0], target[0]):
                        self.add_edge(source, target, label)
        self._add_network_edges()
        # One arrow per pair of nodes; what it stands for is listed in its label.
        labels: dict[tuple[str, str], set[str]] = defaultdict(set)
        for edge in self.edges:
            labels[(edge.source, edge.target)].add(edge.label)
        edges = tuple(
            Edge(source=s, target=t, label=", ".join(sorted(x for x in found if x)))
            for (s, t), found in labels.items()
        )
        nodes, edges = _merge_alike(tuple(self.nodes.values()), edges)
        return Model(stack=stack, nodes=nodes, groups=tuple(self.groups.values()), edges=edges)

    def _add_network_edges(self) -> None:
        app, stack = self.app, self.stack
        table_subnets: dict[Key, set[Key]] = defaultdict(set)
        for key in app.resources(stack):
            cfn_type, p = app.type_of(key), app.properties(key)
            if cfn_type == "AWS::EC2::SubnetRouteTableAssociation":
                for table in app.refs(stack, p.get("RouteTableId")):
                    table_subnets[table].update(app.refs(stack, p.get("SubnetId")))
        for key in app.resources(stack):
            cfn_type, p = app.type_of(key), app.properties(key)
            if cfn_type == "AWS::EC2::Route":
                destination = _literal(p.get("DestinationCidrBlock")) or ""
                targets = app.refs(stack, [p.get("NatGatewayId"), p.get("GatewayId")])
                for table in app.refs(stack, p.get("RouteTableId")):
                    for subnet in sorted(table_subnets.get(table, ())):
                        for target in sorted(t for t in targets if t in self.kind):
                            self.add_edge(subnet, target, str(destination))
            elif cfn_type == "AWS::EC2::FlowLog":
                sources = app.refs(stack, p.get("ResourceId"))
                sinks = app.refs(stack, [p.get("LogGroupName"), p.get("LogDestination")])
                for source in sorted(s for s in sources if s in self.kind):
                    for sink in sorted(s for s in sinks if s in self.kind):
                        self.add_edge(source, sink, "flow logs")
            elif cfn_type == "AWS::EFS::MountTarget":
                for file_system in sorted(app.refs(stack, p.get("FileSystemId"))):
                    for subnet in sorted(app.refs(stack, p.get("SubnetId"))):
                        if file_system in self.kind and subnet in self.kind:
                            self.add_edge(file_system, subnet)


#: Alike nodes (same kind and frame, same outgoing arrows, none incoming) are drawn as one
#: node from this many on: nine EKS add-ons are one box listing them, not nine boxes.
MERGE_FROM = 3


def _merge_alike(
    nodes: tuple[Node, ...], edges: tuple[Edge, ...]
) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
    targets = {edge.target for edge in edges}
    outgoing: dict[str, frozenset[tuple[str, str]]] = defaultdict(frozenset)
    for edge in edges:
        outgoing[edge.source] |= {(edge.target, edge.label)}
    alike: dict[tuple[str, str | None, str | None, frozenset[tuple[str, str]]], list[Node]] = defaultdict(
        list
    )
    for node in sorted(nodes):
        if node.id not in targets:
            alike[(node.kind, node.group, node.external, outgoing[node.id])].append(node)
    renamed: dict[str, str] = {}
    merged: list[Node] = []
    for (kind, group, external, _), members in alike.items():
        if len(members) < MERGE_FROM:
            continue
        merged_id = f"{members[0].id} (+{len(members) - 1})"
        # Each member's label is caption, path, details: keep its most specific line.
        items = sorted(node.label.split("\n")[-1] for node in members)
        label = "\n".join([f"{CAPTIONS.get(kind, kind)} x{len(members)}", *items])
        merged.append(Node(id=merged_id, kind=kind, label=label, group=group, external=external))
        renamed.update({node.id: merged_id for node in members})
    kept = tuple(node for node in nodes if node.id not in renamed) + tuple(merged)
    new_edges = tuple(sorted({Edge(renamed.get(e.source, e.source), e.target, e.label) for e in edges}))
    return kept, new_edges


def build_model(
    templates: Mapping[str, Template],
    stack: str,
    *,
    paths: Mapping[str, Mapping[str, str]] | None = None,
) -> Model:
    """The architecture model of ``stack``.

    Args:
        templates: The template of every stack of the app, by stack name
            (cross-stack references are followed into them).
        stack: The stack to draw.
        paths: Construct path of each logical id, by stack name (see
            :func:`read_assembly`); without it, the ``aws:cdk:path`` metadata of
            the templates is used, else the logical id.
    """
    if stack not in templates:
        raise KeyError(f"no stack {stack!r}; stacks: {sorted(templates)}")
    return _Builder(_App(templates, paths or {}), stack).build()


def read_assembly(outdir: str | Path) -> tuple[dict[str, Template], dict[str, dict[str, str]]]:
    """Templates and logical-id -> construct-path maps of every stack in a cloud assembly."""
    outdir = Path(outdir)
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    templates: dict[str, Template] = {}
    paths: dict[str, dict[str, str]] = {}
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        name = artifact.get("properties", {}).get("stackName") or artifact_id
        template_file = outdir / artifact["properties"]["templateFile"]
        templates[name] = json.loads(template_file.read_text(encoding="utf-8"))
        metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata", {}))
        metadata_file = artifact.get("additionalMetadataFile")
        if metadata_file and (outdir / metadata_file).exists():
            metadata.update(json.loads((outdir / metadata_file).read_text(encoding="utf-8")))
        paths[name] = {
            entry["data"]: path
            for path, entries in metadata.items()
            for entry in entries
            if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str)
        }
    return templates, paths
