"""From synthesized templates to a small, deterministic architecture model.

A stack's picture is drawn the way AWS architecture diagrams are: boundaries first
(the account and region; the VPC with its public, private and isolated subnets holding
what has network interfaces there; the EKS cluster holding what lives in Kubernetes;
the registry; keys and secrets at the edge), then a few boxes named for what they are
("Managed node group: Spot, m7i/m6i/m5 large, 1-4 nodes"), then one arrow per
relationship between them. Resources imported from another stack are drawn once,
marked with that stack. Resource types this module does not know are drawn as a
generic box named after their type (never an error); IAM, security groups, routes
and CDK's own handler functions are plumbing and left out.

How relationships are found, from the templates of the whole app: references
(``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, and across stacks ``Fn::GetStackOutput`` /
``Fn::ImportValue``), also through launch templates and instance profiles; IAM
policies (what uses a role may reach what the role's statements name); security-group
ingress rules between groups; route tables (subnets to NAT and internet gateways).

The model is plain data (groups, nodes, edges); `scripts.diagram_dot` draws it.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Edge", "Group", "Model", "Node", "build_model", "build_overview", "read_assembly"]

Template = Mapping[str, Any]
Key = tuple[str, str]  # (stack name, logical id)

#: CloudFormation type -> kind, for the resources the model knows by name.
KINDS: dict[str, str] = {
    "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet",
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
    "AWS::FSx::StorageVirtualMachine": "fsx_part",
    "AWS::FSx::Volume": "fsx_part",
    "AWS::AppRunner::Service": "app_runner_service",
    "AWS::AppRunner::VpcConnector": "app_runner_vpc_connector",
    "AWS::AppRunner::VpcIngressConnection": "app_runner_ingress",
    "AWS::AppRunner::ObservabilityConfiguration": "service_part",
    "AWS::AppRunner::AutoScalingConfiguration": "service_part",
    "AWS::ECS::Cluster": "ecs_cluster",
    "AWS::ECS::Service": "ecs_service",
    "AWS::ECS::ExpressGatewayService": "ecs_service",
    "AWS::KMS::Key": "kms_key",
    "AWS::Logs::LogGroup": "log_group",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::ElastiCache::ServerlessCache": "cache",
    "AWS::ElastiCache::ReplicationGroup": "cache",
    "AWS::SNS::Topic": "sns_topic",
    "AWS::Events::Rule": "event_rule",
    "AWS::Backup::BackupVault": "backup_vault",
}

#: Types that are plumbing: never drawn, only looked through for relationships.
PLUMBING = re.compile(
    r"^(AWS::IAM::|AWS::Lambda::|AWS::CDK::|AWS::CloudFormation::|AWS::SSM::Parameter$"
    r"|AWS::EC2::(SecurityGroup|Route|RouteTable|SubnetRouteTableAssociation|VPCGatewayAttachment|EIP"
    r"|LaunchTemplate|FlowLog|NetworkAcl|SubnetNetworkAclAssociation|VPCEndpointPolicy)"
    r"|AWS::EFS::MountTarget$|AWS::EKS::(AccessEntry|PodIdentityAssociation)$"
    r"|AWS::KMS::Alias$|AWS::SNS::TopicPolicy$|AWS::SQS::QueuePolicy$|AWS::ECR::RepositoryPolicy$"
    r"|AWS::AutoScaling::(LifecycleHook|ScheduledAction|ScalingPolicy)$|AWS::ApplicationAutoScaling::"
    r"|AWS::SecretsManager::(SecretTargetAttachment|RotationSchedule|ResourcePolicy)$"
    r"|AWS::Backup::(BackupPlan|BackupSelection)$|Custom::)"
)

#: Resources looked through when collecting what a resource uses.
TRANSPARENT_TYPES = frozenset({"AWS::EC2::LaunchTemplate", "AWS::IAM::InstanceProfile"})

#: What each kind is called in a picture.
TITLES: dict[str, tuple[str, str]] = {  # kind -> (one, several)
    "nat_gateway": ("NAT gateway", "NAT gateways"),
    "internet_gateway": ("Internet gateway", "Internet gateways"),
    "vpc_endpoint": ("VPC endpoint", "VPC endpoints"),
    "eks_cluster": ("EKS control plane", "EKS control planes"),
    "managed_node_group": ("Managed node group", "Managed node groups"),
    "auto_scaling_group": ("Self-managed nodes", "Self-managed node groups"),
    "fargate_profile": ("Fargate profile", "Fargate profiles"),
    "eks_addon": ("EKS add-on", "EKS add-ons"),
    "kubernetes_manifest": ("Kubernetes object", "Kubernetes objects"),
    "storage_class": ("StorageClass", "StorageClasses"),
    "helm_chart": ("Helm chart", "Helm charts"),
    "ecr_repository": ("ECR repository", "ECR repositories"),
    "ecr_registry_setting": ("Registry setting", "Registry settings"),
    "efs_file_system": ("EFS file system", "EFS file systems"),
    "app_runner_service": ("App Runner service", "App Runner services"),
    "app_runner_vpc_connector": ("App Runner VPC connector", "App Runner VPC connectors"),
    "app_runner_ingress": ("Private ingress endpoint", "Private ingress endpoints"),
    "ecs_cluster": ("ECS cluster", "ECS clusters"),
    "ecs_service": ("ECS service", "ECS services"),
    "kms_key": ("KMS key", "KMS keys"),
    "log_group": ("Log group", "Log groups"),
    "secret": ("Secret", "Secrets"),
    "cache": ("ElastiCache", "ElastiCache caches"),
    "sns_topic": ("SNS topic", "SNS topics"),
    "event_rule": ("EventBridge rule", "EventBridge rules"),
    "backup_vault": ("Backup vault", "Backup vaults"),
}

#: Kinds drawn as one box per group however many there are (the box lists them).
COLLECTIONS = frozenset(
    {
        "eks_addon",
        "kubernetes_manifest",
        "storage_class",
        "helm_chart",
        "ecr_repository",
        "ecr_registry_setting",
        "kms_key",
        "secret",
        "log_group",
        "event_rule",
        "backup_vault",
        "sns_topic",
        "nat_gateway",
        "vpc_endpoint",
        "generic",
    }
)
#: Kinds that run workloads; two or more in one subnet group get a frame of their own,
#: so one arrow stands for all of them.
COMPUTE = frozenset({"managed_node_group", "auto_scaling_group", "fargate_profile", "ecs_service"})
#: Kinds that live in Kubernetes, drawn inside the EKS cluster's frame.
KUBERNETES = frozenset({"eks_addon", "kubernetes_manifest", "storage_class", "helm_chart"})
#: Kinds drawn at the security edge; what uses them is written in their box instead of arrows.
SECURITY = frozenset({"kms_key", "secret", "backup_vault"})
#: Kinds that say in their box what uses them, instead of arrows.
USED_BY = (SECURITY - {"backup_vault"}) | {"log_group"}
#: Kinds that show only when the stack's own resources refer to them.
ON_DEMAND = frozenset({"log_group"})

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
#: Well-known ports, named on arrows from security-group rules.
PORTS = {2049: "NFS", 443: "HTTPS", 6379: "Redis/Valkey", 5432: "PostgreSQL", 3306: "MySQL", 988: "Lustre"}


@dataclass(frozen=True, order=True)
class Group:
    """A boundary: the region, a VPC, a subnet tier, the EKS cluster, the registry, security."""

    id: str
    label: str
    kind: str
    parent: str | None = None


@dataclass(frozen=True, order=True)
class Node:
    """One box: a title and a few facts."""

    id: str
    kind: str
    title: str
    facts: tuple[str, ...] = ()
    group: str | None = None
    #: The stack that defines it, when it is not the diagram's stack.
    external: str | None = None


@dataclass(frozen=True, order=True)
class Edge:
    """An arrow from what uses to what is used; either end is a node or a group id."""

    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Model:
    """The architecture of one stack (or of the app): boundaries, boxes, arrows."""

    name: str
    nodes: tuple[Node, ...]
    groups: tuple[Group, ...] = ()
    edges: tuple[Edge, ...] = ()

    def group_chain(self, group: str | None) -> list[str]:
        """``group`` and every boundary around it, innermost first."""
        parents = {g.id: g.parent for g in self.groups}
        chain: list[str] = []
        while group is not None:
            chain.append(group)
            group = parents.get(group)
        return chain


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


def _short_types(types: list[str]) -> str:
    """``["m7i.large", "m6i.large", "m5.large"]`` as ``m7i/m6i/m5 large``."""
    sizes = {t.partition(".")[2] for t in types}
    if len(sizes) == 1 and len(types) > 1 and all("." in t for t in types):
        return "/".join(t.partition(".")[0] for t in types) + " " + sizes.pop()
    return ", ".join(types)


def _sizes(low: Any, high: Any, noun: str = "nodes") -> list[str]:
    if _literal(low) is None or _literal(high) is None:
        return []
    return [f"{low}-{high} {noun}" if low != high else f"{low} {noun}"]


def _cpu_memory(cpu: Any, memory: Any) -> list[str]:
    """``"1024"``, ``"2048"`` (CPU units, MiB) or ``"1 vCPU"``, ``"2 GB"`` as ``1 vCPU, 2 GB``."""
    cpu, memory = _literal(cpu), _literal(memory)
    if not cpu or not memory:
        return []
    cpu_text = f"{int(cpu) / 1024:g} vCPU" if cpu.isdigit() else cpu
    memory_text = f"{int(memory) / 1024:g} GB" if memory.isdigit() else memory
    return [f"{cpu_text}, {memory_text}"]


def _generic_title(cfn_type: str) -> str:
    """``AWS::ECS::TaskDefinition`` as ``ECS TaskDefinition``."""
    parts = cfn_type.split("::")
    return " ".join(parts[1:]) if len(parts) == 3 else cfn_type


def _title(app: _App, key: Key, kind: str) -> str:
    if kind == "fsx_file_system":
        fs_type = _literal(app.properties(key).get("FileSystemType")) or ""
        names = {"ONTAP": "NetApp ONTAP", "OPENZFS": "OpenZFS", "WINDOWS": "Windows File Server"}
        return f"FSx for {names.get(fs_type, fs_type.title())}".rstrip()
    if kind == "ecs_service" and app.type_of(key) == "AWS::ECS::ExpressGatewayService":
        return "ECS Express Mode service"
    if kind == "generic":
        return _generic_title(app.type_of(key))
    return TITLES.get(kind, (kind, kind))[0]


def _manifest_objects(app: _App, key: Key) -> list[str]:
    text = "".join(_literal_strings(app.properties(key).get("Manifest")))
    kinds, names = _MANIFEST_KIND.findall(text), _MANIFEST_NAME.findall(text)
    if kinds and len(kinds) == len(names):
        return [f"{k} {n}" for k, n in zip(kinds, names, strict=True)]
    return sorted(set(kinds))


def _facts(app: _App, key: Key, kind: str) -> list[str]:
    p = app.properties(key)
    if kind == "eks_cluster":
        version = _literal(p.get("Version"))
        public = p.get("ResourcesVpcConfig", {}).get("EndpointPublicAccess") is True
        return [
            f"Kubernetes {version}" if version else "Kubernetes",
            "public endpoint" if public else "private endpoint",
        ]
    if kind == "managed_node_group":
        listed = p.get("InstanceTypes")
        types = [t for t in listed if isinstance(t, str)] if isinstance(listed, list) else []
        capacity = "Spot" if p.get("CapacityType") == "SPOT" else "On-Demand"
        scaling = p.get("ScalingConfig", {})
        ami = str(_literal(p.get("AmiType")) or "").replace("_STANDARD", "").replace("_", " ", 1)
        sizes = _sizes(scaling.get("MinSize"), scaling.get("MaxSize"))
        return [
            ", ".join(x for x in (capacity, _short_types(types)) if x),
            ", ".join([*sizes, *([ami] if ami else [])]),
        ]
    if kind == "auto_scaling_group":
        policy = p.get("MixedInstancesPolicy", {})
        overrides = policy.get("LaunchTemplate", {}).get("Overrides", [])
        types = [o["InstanceType"] for o in overrides if isinstance(o.get("InstanceType"), str)]
        spot = policy.get("InstancesDistribution", {}).get("OnDemandPercentageAboveBaseCapacity") == 0
        for template in sorted(app.refs(key[0], p.get("LaunchTemplate"))) if not types else []:
            data = app.properties(template).get("LaunchTemplateData", {})
            types += [data["InstanceType"]] if isinstance(data.get("InstanceType"), str) else []
        first = ", ".join(x for x in ("Spot" if spot else "", _short_types(types)) if x)
        taints = [
            f"taint {tag['Key'].rsplit('/', 1)[-1]}={tag['Value']}"
            for tag in p.get("Tags", []) or []
            if isinstance(tag, dict)
            and isinstance(tag.get("Key"), str)
            and isinstance(tag.get("Value"), str)
            and "/node-template/taint/" in tag["Key"]
        ]
        return [x for x in (first, *_sizes(p.get("MinSize"), p.get("MaxSize")), *sorted(taints)) if x]
    if kind == "fargate_profile":
        namespaces = sorted(
            {str(s["Namespace"]) for s in p.get("Selectors", []) if _literal(s.get("Namespace"))}
        )
        return [f"namespace {', '.join(namespaces)}"] if namespaces else []
    if kind in ("eks_addon", "helm_chart"):
        return [text] if (text := _literal(p.get("AddonName") or p.get("Chart"))) else []
    if kind in ("kubernetes_manifest", "storage_class"):
        objects = _manifest_objects(app, key)
        return [o.removeprefix("StorageClass ") for o in objects] if kind == "storage_class" else objects
    if kind == "ecr_repository":
        return [text] if (text := _literal(p.get("RepositoryName"))) else []
    if kind == "ecr_registry_setting":
        cfn_type = app.type_of(key).removeprefix("AWS::ECR::")
        if cfn_type == "PullThroughCacheRule":
            prefix = _literal(p.get("EcrRepositoryPrefix"))
            return [f"pull-through cache {prefix}" if prefix else "pull-through cache"]
        if cfn_type == "RegistryScanningConfiguration":
            return [f"{str(_literal(p.get('ScanType')) or '').lower()} scanning".strip()]
        if cfn_type == "RepositoryCreationTemplate":
            return [f"creation template {_literal(p.get('Prefix')) or ''}".strip()]
        return [re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cfn_type).lower()]
    if kind == "efs_file_system":
        return ["encrypted"] if p.get("Encrypted") is True else []
    if kind == "fsx_file_system":
        storage = _literal(p.get("StorageCapacity"))
        config = p.get("OntapConfiguration") or p.get("LustreConfiguration") or {}
        throughput = _literal(config.get("ThroughputCapacity"))
        deployment = _literal(config.get("DeploymentType"))
        amounts = [f"{storage} GiB" if storage else "", f"{throughput} MB/s" if throughput else ""]
        return [x for x in (", ".join(a for a in amounts if a), str(deployment or "").replace("_", "-")) if x]
    if kind == "fsx_part":
        name = _literal(p.get("Name"))
        noun = "SVM" if app.type_of(key).endswith("StorageVirtualMachine") else "volume"
        return [f"{noun} {name}" if name else noun]
    if kind == "service_part":
        if tracing := p.get("TraceConfiguration"):
            return [f"{str(tracing.get('Vendor', '')).replace('AWSXRAY', 'X-Ray')} tracing".strip()]
        sizes = _sizes(p.get("MinSize"), p.get("MaxSize"), "instances")
        if sizes and (concurrency := _literal(p.get("MaxConcurrency"))):
            return [f"{sizes[0]}, {concurrency} requests each"]
        return sizes
    if kind == "app_runner_service":
        instance = p.get("InstanceConfiguration", {})
        return _cpu_memory(instance.get("Cpu"), instance.get("Memory"))
    if kind == "ecs_service":
        scaling = p.get("ScalingTarget", {})
        scaling = scaling if isinstance(scaling, dict) else {}
        tasks = _sizes(scaling.get("MinTaskCount"), scaling.get("MaxTaskCount"), "tasks")
        return [*_cpu_memory(p.get("Cpu"), p.get("Memory")), *tasks]
    if kind == "cache":
        engine = _literal(p.get("Engine"))
        return (
            [f"{engine}, serverless" if app.type_of(key).endswith("ServerlessCache") else str(engine)]
            if engine
            else []
        )
    if kind == "log_group":
        return [f"kept {days} days"] if (days := _literal(p.get("RetentionInDays"))) else []
    if kind == "kms_key":
        return ["rotation on"] if p.get("EnableKeyRotation") is True else []
    if kind == "backup_vault":
        return ["customer key"] if p.get("EncryptionKeyArn") else []
    if kind == "vpc_endpoint":
        service = _literal(p.get("ServiceName"))
        return [service.rsplit(".", 1)[-1]] if service else []
    if kind == "event_rule":
        pattern = p.get("EventPattern", {})
        detail_types = pattern.get("detail-type", []) if isinstance(pattern, dict) else []
        return [", ".join(str(d) for d in detail_types if isinstance(d, str))] if detail_types else []
    if kind == "generic":
        return [_path(app, key).rsplit("/", 1)[-1]]
    return []


class _Builder:
    def __init__(self, app: _App, stack: str) -> None:
        self.app, self.stack = app, stack
        self.kind: dict[Key, str] = {}
        for name in sorted(app.templates):
            for key in app.resources(name):
                cfn_type = app.type_of(key)
                if cfn_type in KINDS:
                    kind = KINDS[cfn_type]
                    if kind == "kubernetes_manifest" and {
                        o.split(" ")[0] for o in _manifest_objects(app, key)
                    } == {"StorageClass"}:
                        kind = "storage_class"
                    self.kind[key] = kind
                elif cfn_type and not PLUMBING.match(cfn_type):
                    self.kind[key] = "generic"
        self.uses = {key: app.uses(key) for key in self.kind}
        self.subnets: dict[Key, tuple[Key | None, str]] = {}  # subnet -> (vpc, tier)
        for key, kind in self.kind.items():
            if kind == "subnet":
                vpcs = sorted(k for k in self.uses[key] if self.kind.get(k) == "vpc")
                self.subnets[key] = (vpcs[0] if vpcs else None, _subnet_tier(app, key))
        # Parts drawn inside their host's box (an FSx SVM in its file system), and what
        # a host reaches through resources of its own (EFS mount targets, their groups).
        self.host: dict[Key, Key] = {}
        self.extra_uses: dict[Key, set[Key]] = defaultdict(set)
        for name in sorted(app.templates):
            for key in app.resources(name):
                cfn_type, p = app.type_of(key), app.properties(key)
                if self.kind.get(key) == "fsx_part":
                    hosts = sorted(k for k in app.refs(name, p.get("FileSystemId")) if k in self.kind)
                    if hosts:
                        self.host[key] = hosts[0]
                elif cfn_type == "AWS::EFS::MountTarget":
                    for file_system in app.refs(name, p.get("FileSystemId")):
                        self.extra_uses[file_system] |= app.refs(
                            name, [p.get("SubnetId"), p.get("SecurityGroups")]
                        )
                elif cfn_type == "AWS::EC2::VPCGatewayAttachment":
                    for gateway in app.refs(name, p.get("InternetGatewayId")):
                        self.extra_uses[gateway] |= app.refs(name, p.get("VpcId"))
        for key, extra in self.extra_uses.items():
            self.uses.setdefault(key, set()).update(extra)
        for key in sorted(k for k, kind in self.kind.items() if kind == "service_part"):
            users = sorted(k for k in self.kind if key in self.uses[k] and self.kind[k] != "service_part")
            if users:
                self.host[key] = users[0]
        self.groups: dict[str, Group] = {}
        self.tiers: dict[str, tuple[Key, str]] = {}
        self.bucket_of: dict[Key, str] = {}
        self.members: dict[str, list[Key]] = defaultdict(list)

    # --- boundaries ----------------------------------------------------------------------------

    def _group(self, group_id: str, label: str, kind: str, parent: str | None) -> str:
        if group_id not in self.groups:
            self.groups[group_id] = Group(id=group_id, label=label, kind=kind, parent=parent)
        return group_id

    def _region(self) -> str:
        return self._group("region", "AWS account, one region", "region", None)

    def _vpc_group(self, vpc: Key) -> str:
        cidr = _literal(self.app.properties(vpc).get("CidrBlock"))
        label = f"VPC {cidr}" if cidr else "VPC"
        if vpc[0] != self.stack:
            label += f" (from {vpc[0]})"
        return self._group(f"vpc:{_path(self.app, vpc)}", label, "vpc", self._region())

    def _tier_group(self, vpc: Key, tier: str) -> str:
        count = sum(1 for v, t in self.subnets.values() if v == vpc and t == tier)
        vpc_group = self._vpc_group(vpc)
        label = f"{tier.title()} subnets ({count})"
        self.tiers[f"{vpc_group}:{tier}"] = (vpc, tier)
        return self._group(f"{vpc_group}:{tier}", label, "subnets", vpc_group)

    def _placement(self, key: Key) -> str:
        kind, uses = self.kind[key], self.uses[key]
        if kind in KUBERNETES or kind == "eks_cluster":
            clusters = sorted(k for k in uses if self.kind.get(k) == "eks_cluster")
            cluster = key if kind == "eks_cluster" else (clusters[0] if clusters else None)
            name = _path(self.app, cluster) if cluster else "cluster"
            return self._group(f"eks:{name}", "EKS cluster", "eks", self._region())
        if kind.startswith("ecr_"):
            return self._group("registry", "ECR private registry", "registry", self._region())
        if kind in SECURITY:
            return self._group("security", "Keys, secrets and backups", "security", self._region())
        tiers = sorted(self.subnets[k] for k in uses if k in self.subnets and self.subnets[k][0] is not None)
        if tiers:
            order = {"private": 0, "isolated": 1, "public": 2}
            vpc, tier = min(tiers, key=lambda vt: (order.get(vt[1], 3), vt))
            assert vpc is not None
            return self._tier_group(vpc, tier)
        vpcs = sorted(k for k in uses if self.kind.get(k) == "vpc")
        if vpcs and kind in ("internet_gateway", "vpc_endpoint", "generic"):
            return self._vpc_group(vpcs[0])
        return self._region()

    # --- boxes ---------------------------------------------------------------------------------

    def _place(self, key: Key) -> str:
        """The box ``key`` is drawn in (added on first use)."""
        key = self.host.get(key, key)
        if key in self.bucket_of:
            return self.bucket_of[key]
        kind = self.kind[key]
        group = self._placement(key)
        if kind in COLLECTIONS:
            suffix = self.app.type_of(key).replace("::", "-") if kind == "generic" else kind
            bucket = f"{group}/{suffix}"
        else:
            bucket = _path(self.app, key)
        self.bucket_of[key] = bucket
        self.members[bucket].append(key)
        return bucket

    def _name(self, key: Key) -> str:
        """What a reader calls ``key`` in a sentence ("StorageClass lustre", "EKS control plane")."""
        key = self.host.get(key, key)
        kind = self.kind[key]
        facts = _facts(self.app, key, kind)
        if kind == "storage_class" and facts:
            return f"StorageClass {facts[0]}"
        if kind == "kubernetes_manifest" and facts:
            return facts[0].split(" ")[0]
        return _title(self.app, key, kind)

    def _users(self, key: Key) -> list[str]:
        users = {
            self._name(user) for user in self.bucket_of if key in self.uses.get(user, ()) and user != key
        }
        for flow_log in self.app.resources(key[0]):
            p = self.app.properties(flow_log)
            if self.app.type_of(flow_log) == "AWS::EC2::FlowLog" and key in self.app.refs(key[0], p):
                users.add("VPC flow logs")
        return sorted(users)

    def _node(self, bucket: str) -> Node:
        members = sorted(self.members[bucket])
        first = members[0]
        kind = self.kind[first]
        group = self._compute_frame(bucket) or self._placement(first)
        externals = {k[0] for k in members} - {self.stack}
        external = (
            externals.pop() if len(externals) == 1 and all(k[0] != self.stack for k in members) else None
        )
        parts = sorted(k for k, host in self.host.items() if host in members)
        if len(members) == 1:
            facts = _facts(self.app, first, kind) + [
                f for part in parts for f in _facts(self.app, part, self.kind[part])
            ]
            if kind in USED_BY and (users := self._users(first)):
                facts.insert(0, "for " + ", ".join(users))
            title = _title(self.app, first, kind)
        else:
            lines = []
            for member in members:
                member_facts = _facts(self.app, member, kind)
                if kind in USED_BY:
                    member_facts = [", ".join(self._users(member)) or "unused", *member_facts[:0]]
                lines.append(", ".join(member_facts) or _path(self.app, member).rsplit("/", 1)[-1])
            facts = sorted(set(lines), key=lambda line: (line.lower(), line))
            plural = TITLES.get(kind, (None, None))[1] or _generic_title(self.app.type_of(first)) + "s"
            title = f"{plural} ({len(members)})"
        if len(facts) > 6:
            facts = [*facts[:5], f"and {len(facts) - 5} more"]
        if external:
            facts.append(f"from {external}")
        return Node(id=bucket, kind=kind, title=title, facts=tuple(facts), group=group, external=external)

    # --- relationships -------------------------------------------------------------------------

    def _relations(self, visible: list[Key]) -> Iterator[tuple[Key, Key, str]]:
        app = self.app
        for key in visible:
            for target in sorted(self.uses[key]):
                if target in self.kind:
                    yield key, target, ""
        grants = self._grants()
        for key in visible:
            for role in sorted(r for r in self.uses[key] if app.type_of(r) == "AWS::IAM::Role"):
                for target, label in sorted(grants.get(role, ())):
                    yield key, target, label
        owners: dict[Key, list[Key]] = defaultdict(list)
        for key in sorted(self.kind):
            for target in sorted(self.uses[key]):
                if app.type_of(target) == "AWS::EC2::SecurityGroup":
                    owners[target].append(key)
        for group, owned in list(owners.items()):
            owners[group] = sorted(set(owned))
        for source_group, target_group, label in self._security_group_rules():
            sources = []
            # A group that is an attribute of a resource (a cluster's security group) is its own.
            for source in owners.get(source_group) or ([source_group] if source_group in self.kind else []):
                # Nodes and Fargate pods use the cluster security group: the rule is theirs.
                capacity = [k for k in visible if self.kind[k] in COMPUTE and source in self.uses[k]]
                sources += capacity if self.kind[source] == "eks_cluster" and capacity else [source]
            for source in sorted(set(sources)):
                for target in owners.get(target_group) or (
                    [target_group] if target_group in self.kind else []
                ):
                    if self.stack in (source[0], target[0]):
                        yield source, target, label

    def _grants(self) -> dict[Key, set[tuple[Key, str]]]:
        """Role -> (resource it may access, label), from the IAM policies of every stack."""
        found: dict[Key, set[tuple[Key, str]]] = defaultdict(set)

        def collect(stack: str, roles: set[Key], document: Any) -> None:
            statements = document.get("Statement", []) if isinstance(document, dict) else []
            for statement in statements:
                if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                    continue
                actions = statement.get("Action", [])
                actions = (
                    {actions} if isinstance(actions, str) else {a for a in actions if isinstance(a, str)}
                )
                label = "pull images" if actions and actions <= _PULL_ACTIONS else "IAM access"
                for target in self.app.refs(stack, statement.get("Resource")):
                    if target in self.kind:
                        for role in roles:
                            found[role].add((target, label))

        for stack in sorted(self.app.templates):
            for key in self.app.resources(stack):
                cfn_type, properties = self.app.type_of(key), self.app.properties(key)
                if cfn_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                    collect(
                        stack, self.app.refs(stack, properties.get("Roles")), properties.get("PolicyDocument")
                    )
                elif cfn_type == "AWS::IAM::Role":
                    for policy in properties.get("Policies", []) or []:
                        if isinstance(policy, dict):
                            collect(stack, {key}, policy.get("PolicyDocument"))
        return found

    def _security_group_rules(self) -> list[tuple[Key, Key, str]]:
        rules: list[tuple[Key, Key, str]] = []
        for stack in sorted(self.app.templates):
            for key in self.app.resources(stack):
                cfn_type, properties = self.app.type_of(key), self.app.properties(key)
                entries: list[tuple[set[Key], Any]] = []
                if cfn_type == "AWS::EC2::SecurityGroupIngress":
                    entries.append((self.app.refs(stack, properties.get("GroupId")), properties))
                elif cfn_type == "AWS::EC2::SecurityGroup":
                    entries.extend(({key}, rule) for rule in properties.get("SecurityGroupIngress", []) or [])
                for targets, rule in entries:
                    if not isinstance(rule, dict):
                        continue
                    sources = self.app.refs(stack, rule.get("SourceSecurityGroupId"))
                    low, high = rule.get("FromPort"), rule.get("ToPort")
                    if str(rule.get("IpProtocol", "tcp")) == "-1":
                        label = "all traffic"
                    elif low == high and isinstance(low, int):
                        label = PORTS.get(low, f"port {low}")
                    elif isinstance(low, int) and low in PORTS:
                        label = PORTS[low]
                    else:
                        label = f"ports {low}-{high}"
                    rules.extend((s, t, label) for s in sorted(sources) for t in sorted(targets))
        return rules

    def _label(self, source: Key, target: Key, label: str) -> str | None:
        """The arrow's label, or None when the picture says it already (or it is plumbing)."""
        kinds = (self.kind[source], self.kind[target])
        if kinds[1] in ("vpc", "subnet") or kinds[0] in ("vpc", "subnet") or kinds[1] in USED_BY:
            return None
        if label and (kinds[0] in KUBERNETES or kinds[1] in KUBERNETES):
            return None  # a network rule is between what has network interfaces
        if kinds[1] == "eks_cluster":
            if kinds[0] in KUBERNETES or label:
                return None  # inside the cluster's frame; network rules to the control plane are EKS's own
            return "join" if kinds[0] in COMPUTE else ""
        if kinds[0] == "eks_cluster" and label:
            return None
        if kinds[1] == "ecr_repository" and kinds[0] != "event_rule":
            return "pull images"
        if label:
            return label
        return {
            ("app_runner_service", "app_runner_vpc_connector"): "egress through",
            ("storage_class", "efs_file_system"): "provisions on",
            ("storage_class", "fsx_file_system"): "provisions on",
            ("event_rule", "sns_topic"): "notifies",
            ("event_rule", "ecr_repository"): "watches",
        }.get(kinds, "")

    def build(self) -> Model:
        app, stack = self.app, self.stack
        region = self._region()
        visible = [
            key
            for key in app.resources(stack)
            if key in self.kind
            and self.kind[key] not in ("vpc", "subnet")
            and self.kind[key] not in ON_DEMAND
        ]
        for key in visible:
            self._place(key)
        arrows: dict[tuple[str, str], set[str]] = defaultdict(set)
        for source, target, raw in self._relations(visible):
            source, target = self.host.get(source, source), self.host.get(target, target)
            if source == target or (label := self._label(source, target, raw)) is None:
                continue
            ends = [self._anchor(self._place(source)), self._anchor(self._place(target))]
            if ends[0] != ends[1]:
                arrows[(ends[0], ends[1])].add(label)
        for key in app.resources(stack):
            if self.kind.get(key) == "log_group" and self._users(key):
                self._place(key)
            if key in self.kind and self.kind[key] in SECURITY:
                self._place(key)
        self._routes(arrows)
        nodes = {bucket: self._node(bucket) for bucket in self.members}
        # A subnet tier that is only the end of a route gets a box of its own.
        for group_id in sorted({end for pair in arrows for end in pair if end in self.groups}):
            if group_id in self.tiers and not any(group_id in self._chain(n.group) for n in nodes.values()):
                vpc, tier = self.tiers[group_id]
                subnets = sorted(k for k, (v, t) in self.subnets.items() if v == vpc and t == tier)
                blocks = (_literal(self.app.properties(k).get("CidrBlock")) for k in subnets)
                cidrs = sorted({c for c in blocks if c})
                title = f"{len(subnets)} subnets" if len(subnets) != 1 else "1 subnet"
                nodes[f"{group_id}/subnets"] = Node(
                    id=f"{group_id}/subnets", kind="subnets", title=title, facts=tuple(cidrs), group=group_id
                )
        # An unlabelled reference that another path already shows (service -> connector -> cache).
        for (tail, head), labels in sorted(arrows.items()):
            via = [m for (s, m) in arrows if s == tail and (m, head) in arrows and m != head]
            if labels <= {""} and via:
                del arrows[(tail, head)]
        edges = tuple(sorted(Edge(s, t, _join_labels(labels)) for (s, t), labels in arrows.items()))
        used_groups = {g for node in nodes.values() for g in self._chain(node.group)} | {region}
        groups = tuple(sorted(g for g in self.groups.values() if g.id in used_groups))
        return Model(name=stack, nodes=tuple(sorted(nodes.values())), groups=groups, edges=edges)

    def _chain(self, group: str | None) -> list[str]:
        chain = []
        while group is not None:
            chain.append(group)
            group = self.groups[group].parent
        return chain

    def _anchor(self, bucket: str) -> str:
        """Where an arrow ends: a box, or the compute frame its box sits in."""
        return self._compute_frame(bucket) or bucket

    def _compute_frame(self, bucket: str) -> str | None:
        first = self.members[bucket][0]
        if self.kind[first] not in COMPUTE:
            return None
        group = self._placement(first)
        if self.groups[group].kind != "subnets":
            return None
        peers = {
            b for k, b in self.bucket_of.items() if self.kind[k] in COMPUTE and self._placement(k) == group
        }
        if len(peers) < 2:
            return None
        eks = any(self.kind[k] in COMPUTE - {"ecs_service"} for k in self.bucket_of)
        return self._group(f"{group}:compute", "EKS capacity" if eks else "Compute", "compute", group)

    def _routes(self, arrows: dict[tuple[str, str], set[str]]) -> None:
        """Subnet tiers -> the NAT or internet gateway their default route goes to."""
        app, stack = self.app, self.stack
        table_subnets: dict[Key, set[Key]] = defaultdict(set)
        for key in app.resources(stack):
            if app.type_of(key) == "AWS::EC2::SubnetRouteTableAssociation":
                p = app.properties(key)
                for table in app.refs(stack, p.get("RouteTableId")):
                    table_subnets[table] |= app.refs(stack, p.get("SubnetId"))
        for key in app.resources(stack):
            if app.type_of(key) != "AWS::EC2::Route":
                continue
            p = app.properties(key)
            destination = _literal(p.get("DestinationCidrBlock")) or ""
            targets = sorted(
                t for t in app.refs(stack, [p.get("NatGatewayId"), p.get("GatewayId")]) if t in self.kind
            )
            for table in sorted(app.refs(stack, p.get("RouteTableId"))):
                for subnet in sorted(table_subnets.get(table, ())):
                    vpc, tier = self.subnets.get(subnet, (None, ""))
                    for target in targets:
                        if vpc is not None:
                            arrows[(self._tier_group(vpc, tier), self._place(target))].add(destination)


def _join_labels(labels: set[str]) -> str:
    """One arrow's label: every relationship it stands for; unnamed ports only counted."""
    named = sorted(x for x in labels if x and not x.startswith("port"))
    ports = len([x for x in labels if x.startswith("port")])
    if ports and len(named) + ports > 2:
        return ", ".join([*named, f"+{ports} ports"])
    return ", ".join(sorted(x for x in labels if x))


def _subnet_tier(app: _App, key: Key) -> str:
    properties = app.properties(key)
    for tag in properties.get("Tags", []) or []:
        if (
            isinstance(tag, dict)
            and tag.get("Key") == "aws-cdk:subnet-type"
            and isinstance(tag.get("Value"), str)
        ):
            return str(tag["Value"]).lower()
    return "public" if properties.get("MapPublicIpOnLaunch") is True else "private"


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
        paths: Construct path of each logical id, by stack name (see `read_assembly`).
            Defaults to the ``aws:cdk:path`` metadata of the templates, else the logical id.
    """
    if stack not in templates:
        raise KeyError(f"no stack {stack!r}; stacks: {sorted(templates)}")
    return _Builder(_App(templates, paths or {}), stack).build()


#: Kinds the overview names first; what it leaves out of its per-stack summary.
OVERVIEW_ORDER = {
    k: i
    for i, k in enumerate(
        [
            "eks_cluster",
            "managed_node_group",
            "auto_scaling_group",
            "fargate_profile",
            "ecs_service",
            "app_runner_service",
            "efs_file_system",
            "fsx_file_system",
            "cache",
            "ecr_repository",
            "ecr_registry_setting",
            "nat_gateway",
            "internet_gateway",
        ]
    )
}
OVERVIEW_LEAVES_OUT = frozenset(
    {"subnets", "log_group", "eks_addon", "kubernetes_manifest", "storage_class"} | SECURITY
)


def build_overview(models: Iterable[Model]) -> Model:
    """The whole app: one box per stack listing what it holds, arrows for what crosses between them."""
    models = sorted(models, key=lambda m: m.name)
    region = Group(id="region", label="AWS account, one region", kind="region")
    nodes, arrows = [], defaultdict(set)
    for model in models:
        own = [g.label for g in sorted(model.groups) if g.kind == "vpc" and "(from " not in g.label]
        drawn = [n for n in model.nodes if n.external is None and n.kind not in OVERVIEW_LEAVES_OUT]
        for node in sorted(drawn, key=lambda n: (OVERVIEW_ORDER.get(n.kind, len(OVERVIEW_ORDER)), n.title)):
            if node.title not in own:
                own.append(node.title)
        if len(own) > 6:
            own = [*own[:5], f"and {len(own) - 5} more"]
        nodes.append(Node(id=model.name, kind="stack", title=model.name, facts=tuple(own), group=region.id))
        for node in model.nodes:
            if node.external:
                what = (
                    "pull images" if node.kind == "ecr_repository" else re.sub(r" \(\d+\)$", "", node.title)
                )
                arrows[(model.name, node.external)].add(what)
        for group in model.groups:
            if match := re.fullmatch(r"(VPC.*) \(from (.+)\)", group.label):
                arrows[(model.name, match[2])].add("VPC, subnets")
    names = {m.name for m in models}
    edges = tuple(
        sorted(Edge(s, t, ", ".join(sorted(labels))) for (s, t), labels in arrows.items() if t in names)
    )
    return Model(name="overview", nodes=tuple(nodes), groups=(region,), edges=edges)


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
