"""The machinery behind `tests/test_bad_input_property.py`: discovery, valid recipes, bad values.

Nothing here names an argument of a construct. What is tested comes from the public API
(`__all__` of every public module under `cdk_containers.constructs` and `cdk_containers.stacks`),
the constructors' and `add_*` methods' signatures, and the fields of the option dataclasses
they take, so a new construct, argument or option field is covered without editing the tests.

A case is one (target, argument path, kind of bad value):

- a *target* is a public construct or stack class (its constructor) or one of its public
  `add_*`/`notify_*` methods (called on a validly built instance);
- an *argument path* is a parameter name, or a dotted path into the option dataclasses a
  parameter takes (`options.min_size`, `rules[0].upstream`);
- a *kind* is one entry of `BAD_VALUES` (wrong scalar type, string for a list, list for a
  mapping, `None`, empty values, unresolved tokens of each kind).

Every other argument gets a valid value: its default when it has one, otherwise a value
from `recipe()` (keyed by the annotation's type: a VPC for `ec2.IVpc`, an `EksCluster` for
the cluster, a role for `iam.IRole`, ...).
"""

from __future__ import annotations

import collections.abc as cabc
import dataclasses
import enum
import importlib
import inspect
import pkgutil
import re
import shutil
import traceback
import types
import typing
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import App, CfnParameter, CfnWaitConditionHandle, Duration, IStableStringProducer, Lazy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from constructs import Construct

import cdk_containers
from tests.conftest import make_app
from tests.support import UNSTAGED, make_vpc

PACKAGE_DIR = Path(cdk_containers.__file__).resolve().parent
ROOTS = ("cdk_containers.constructs", "cdk_containers.stacks")
SUBJECT_ID = "Subject"
TEST_STACK_ID = "Test"
METHOD_PREFIXES = ("add_", "notify_")
EXCLUDED_PARAMETERS = {"self", "scope", "construct_id"}
MAX_DEPTH = 3

# -- discovery ----------------------------------------------------------------------------------


def _public_modules(root: str) -> Iterator[types.ModuleType]:
    package = importlib.import_module(root)
    yield package
    for info in pkgutil.walk_packages(package.__path__, f"{root}."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        yield importlib.import_module(info.name)


@cache
def public_names() -> dict[str, Any]:
    """Every name in the `__all__` of a public module under the roots."""
    names: dict[str, Any] = {}
    for root in ROOTS:
        for module in _public_modules(root):
            for name in getattr(module, "__all__", ()):
                names[name] = getattr(module, name)
    return names


def public_construct_classes() -> list[type[Construct]]:
    found = {
        obj
        for obj in public_names().values()
        if inspect.isclass(obj)
        and issubclass(obj, Construct)
        and not obj.__name__.startswith("_")
        and not inspect.isabstract(obj)  # an abstract base cannot be built; its subclasses are targets
    }
    return sorted(found, key=lambda c: c.__name__)


def public_dataclasses() -> list[type]:
    found = {obj for obj in public_names().values() if inspect.isclass(obj) and dataclasses.is_dataclass(obj)}
    return sorted(found, key=lambda c: c.__name__)


def hints(obj: Any) -> dict[str, Any]:
    """Resolved annotations; names imported only under TYPE_CHECKING come from the public API."""
    localns = dict(public_names())
    try:
        return typing.get_type_hints(obj, localns=localns)
    except Exception:  # an unresolvable forward reference: fall back to what resolves
        resolved: dict[str, Any] = {}
        for name, annotation in getattr(obj, "__annotations__", {}).items():
            try:
                resolved[name] = typing.get_type_hints(
                    types.SimpleNamespace(__annotations__={name: annotation}),
                    globalns=getattr(inspect.getmodule(obj), "__dict__", {}),
                    localns=localns,
                )[name]
            except Exception:
                resolved[name] = Any
        return resolved


@dataclass(frozen=True)
class Target:
    """A public construct or stack constructor, or a public method of one."""

    owner: type[Construct]
    method: str | None = None

    @property
    def name(self) -> str:
        return self.owner.__name__ + (f".{self.method}" if self.method else "")

    @property
    def is_stack(self) -> bool:
        return issubclass(self.owner, Stack)

    @property
    def function(self) -> Callable[..., Any]:
        return getattr(self.owner, self.method or "__init__")  # type: ignore[no-any-return]

    def parameters(self) -> list[inspect.Parameter]:
        return [
            p
            for p in inspect.signature(self.function).parameters.values()
            if p.name not in EXCLUDED_PARAMETERS
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        ]

    def hints(self) -> dict[str, Any]:
        return {name: narrow(self.owner, annotation) for name, annotation in hints(self.function).items()}


def _declared_classes(owner: type) -> list[type]:
    """The classes an owner names in its upper-case class attributes (`_DRIVER`, `_OPTIONS`), and
    the classes those name in turn: what a base-class annotation means for this subclass."""
    found: list[type] = []
    for holder in (owner, *_direct_declared(owner)):
        for c in _direct_declared(holder):
            if c not in found:
                found.append(c)
    return found


def _direct_declared(owner: type) -> list[type]:
    return [
        value
        for name in dir(owner)
        if name.lstrip("_").isupper() and inspect.isclass(value := getattr(owner, name, None))
    ]


def narrow(owner: type, annotation: Any) -> Any:
    """A base-class annotation narrowed to the subclass the owner declares for it, if any.

    `EbsStorageClass(driver: CsiDriver, options: StorageClassOptions)` is inherited from the
    base; the subclass declares `_DRIVER = EbsCsiDriver` (whose `_OPTIONS` is
    `EbsStorageClassOptions`), so its cases build and walk the driver's own options.
    """
    members = _members(annotation)
    if len(members) != 1 or not inspect.isclass(members[0]) or getattr(members[0], "_is_protocol", False):
        return annotation
    base = members[0]
    narrower = [c for c in _declared_classes(owner) if c is not base and issubclass(c, base)]
    if not narrower:
        return annotation
    chosen = narrower[0]
    return chosen | None if type(None) in typing.get_args(annotation) else chosen


def _is_our_function(func: Any) -> bool:
    module = getattr(func, "__module__", "") or ""
    return module.startswith("cdk_containers")


def targets() -> list[Target]:
    found: list[Target] = []
    for cls in public_construct_classes():
        found.append(Target(cls))
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith(METHOD_PREFIXES) and _is_our_function(member):
                found.append(Target(cls, name))
    return found


# -- annotations ----------------------------------------------------------------------------------

Path_ = tuple[str | int, ...]


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (without None), or the annotation itself."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _sequence_item(annotation: Any) -> Any | None:
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, cabc.Sequence, cabc.Iterable, cabc.Collection):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return args[0] if args else Any
    if annotation in (list, tuple):
        return Any
    return None


def _is_mapping(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return inspect.isclass(origin) and issubclass(origin, cabc.Mapping)


def _dataclass_in(annotation: Any) -> tuple[type, bool] | None:
    """The option dataclass an annotation takes, and whether it takes a list of them."""
    for member in _members(annotation):
        if inspect.isclass(member) and dataclasses.is_dataclass(member):
            return member, False
        item = _sequence_item(member)
        if item is not None:
            for inner in _members(item):
                if inspect.isclass(inner) and dataclasses.is_dataclass(inner):
                    return inner, True
    return None


def _dataclass_paths(cls: type, prefix: Path_, depth: int) -> Iterator[Path_]:
    if depth > MAX_DEPTH:
        return
    field_hints = hints(cls)
    for f in dataclasses.fields(cls):
        if not f.init or f.name.startswith("_"):
            continue
        path = (*prefix, f.name)
        yield path
        yield from _nested_paths(field_hints.get(f.name, Any), path, depth + 1)


def _nested_paths(annotation: Any, path: Path_, depth: int) -> Iterator[Path_]:
    found = _dataclass_in(annotation)
    if found is None:
        return
    cls, many = found
    yield from _dataclass_paths(cls, (*path, 0) if many else path, depth)


def argument_paths(target: Target) -> list[Path_]:
    """Every parameter of the target, and every field of the option dataclasses it takes."""
    target_hints = target.hints()
    paths: list[Path_] = []
    for parameter in target.parameters():
        paths.append((parameter.name,))
        paths.extend(_nested_paths(target_hints.get(parameter.name, Any), (parameter.name,), 1))
    return paths


def path_text(path: Path_) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text


def leaf_name(path: Path_) -> str:
    return next(str(step) for step in reversed(path) if isinstance(step, str))


def annotation_at(target: Target, path: Path_) -> Any:
    annotation: Any = target.hints().get(str(path[0]), Any)
    for step in path[1:]:
        if isinstance(step, int):
            item = next((_sequence_item(m) for m in _members(annotation) if _sequence_item(m)), Any)
            annotation = item
            continue
        found = _dataclass_in(annotation)
        annotation = hints(found[0]).get(step, Any) if found else Any
    return annotation


# -- valid values ---------------------------------------------------------------------------------

SAMPLE_STRINGS = {
    "region": "eu-west-1",
    "account": "123456789012",
    "url": "public.ecr.aws",
    "registry": "ecr-public",
    "repository": "https://charts.example.com",
    "chart": "sample",
    "prefix": "sample",
    "namespace": "sample",
    "service_account": "sample",
    "key": "sample.example.com/key",
    "version": "1.35",
    "cluster_security_group_id": "sg-0123456789abcdef0",
    "crd_name": "samples.example.com",  # a Kubernetes version with a kubectl layer (an imported cluster's)
}

# Optional fields a dataclass recipe fills although they have a default, so that every method
# of what it builds works (an imported cluster without endpoint, CA and service CIDR cannot
# take self-managed nodes; without the Pod Identity agent it cannot take Pod Identity).
RICH_FIELDS: dict[str, dict[str, Callable[[Context], Any]]] = {
    "EksClusterAttributes": {
        "cluster_endpoint": lambda c: "https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com",
        "cluster_certificate_authority_data": lambda c: "c2FtcGxl",
        "service_ipv4_cidr": lambda c: "172.20.0.0/16",
        "pod_identity_agent": lambda c: True,
        "open_id_connect_provider": lambda c: iam.OidcProviderNative.from_oidc_provider_arn(
            c.stack,
            "DepOidc",
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
        ),
    },
}

# Mappings a required argument of this name needs (a Kubernetes manifest cannot be empty).
SAMPLE_MAPPINGS: dict[str, Callable[[], Any]] = {
    "manifests": lambda: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "sample"}},
}


class Context:
    """One fresh app and stack for one example; shared dependencies made on first use."""

    def __init__(self, target: Target) -> None:
        self.app: App = make_app(**UNSTAGED)  # a case is never deployed
        self.target = target
        # a stack target is the stack itself; its dependencies live in a stack next to it
        self.stack = Stack(self.app, "Deps" if target.is_stack else TEST_STACK_ID)
        if target.is_stack:  # an empty stack is refused at synth; give it one harmless resource
            CfnWaitConditionHandle(self.stack, "Placeholder")
        self._made: dict[str, Any] = {}

    def discard(self) -> None:
        """Remove the app's cloud assembly: the deep profile builds thousands of apps in one session."""
        shutil.rmtree(str(self.app.outdir), ignore_errors=True)

    def subject_path(self) -> str:
        return SUBJECT_ID if self.target.is_stack else f"{TEST_STACK_ID}/{SUBJECT_ID}"

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._made:
            self._made[key] = make()
        return self._made[key]

    def vpc(self) -> ec2.IVpc:
        return self.once("vpc", lambda: make_vpc(self.stack, "DepVpc"))  # type: ignore[no-any-return]

    def cluster(self) -> Any:
        """An `EksCluster` with EC2 capacity (the storage drivers refuse a cluster without)."""
        if "cluster" not in self._made:
            cluster_class = public_names()["EksCluster"]
            self._made["cluster"] = cluster_class(self.stack, "DepCluster", vpc=self.vpc())
            self.complete(self._made["cluster"], "Dep")
        return self._made["cluster"]

    def complete(self, built: Any, prefix: str) -> None:
        """What a built object needs before it synthesizes (a cluster: EC2 capacity for CoreDNS)."""
        names = public_names()
        if isinstance(built, names["EksCluster"]) and "ManagedNodeGroup" in names:
            self._made.setdefault("cluster", built)
            node_group = Target(names["ManagedNodeGroup"])
            node_group.owner(self.stack, f"{prefix}Nodes", **_call_kwargs(node_group, self, (), None))

    def role(self) -> iam.IRole:
        return self.once(  # type: ignore[no-any-return]
            "role",
            lambda: iam.Role(self.stack, "DepRole", assumed_by=iam.ServicePrincipal("ec2.amazonaws.com")),
        )


def _object_recipes() -> list[tuple[Any, Callable[[Context], Any]]]:
    names = public_names()
    return [
        (ec2.IVpc, Context.vpc),
        (names.get("EksCluster"), Context.cluster),
        (iam.IRole, Context.role),
        (eks.ICluster, lambda c: c.cluster().kubectl_cluster),  # with its kubectl provider
        (iam.IGrantable, Context.role),
        (ecr.IRepository, lambda c: c.once("repo", lambda: ecr.Repository(c.stack, "DepRepo"))),
        (kms.IKey, lambda c: c.once("key", lambda: kms.Key(c.stack, "DepKey"))),
        (
            sns.ITopic,  # EventBridge can only publish to a topic with a customer managed key
            lambda c: c.once(
                "topic", lambda: sns.Topic(c.stack, "DepTopic", master_key=kms.Key(c.stack, "DepTopicKey"))
            ),
        ),
        (
            secretsmanager.ISecret,
            lambda c: c.once("secret", lambda: secretsmanager.Secret(c.stack, "DepSecret")),
        ),
        (
            efs.IFileSystem,
            lambda c: c.once("efs", lambda: efs.FileSystem(c.stack, "DepFs", vpc=c.vpc())),
        ),
        (
            ec2.ISecurityGroup,
            lambda c: c.once("sg", lambda: ec2.SecurityGroup(c.stack, "DepSg", vpc=c.vpc())),
        ),
        (ec2.ISubnet, lambda c: c.vpc().private_subnets[0]),
        (ecs.ICluster, lambda c: c.once("ecs", lambda: ecs.Cluster(c.stack, "DepEcs", vpc=c.vpc()))),
        (ecs.ContainerImage, lambda c: ecs.ContainerImage.from_registry("public.ecr.aws/nginx/nginx:latest")),
        (Duration, lambda c: Duration.minutes(5)),
        (iam.IPrincipal, lambda c: iam.AccountRootPrincipal()),
        (iam.PolicyStatement, lambda c: iam.PolicyStatement(actions=["s3:GetObject"], resources=["*"])),
        (ec2.SubnetSelection, lambda c: ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)),
    ]


def _our_construct(name: str) -> Callable[[Context], Any]:
    """One of our own public constructs, built from its own recipe (its valid baseline)."""

    def make(context: Context) -> Any:
        target = Target(public_names()[name])
        return context.once(
            f"our:{name}",
            lambda: target.owner(
                context.stack,
                f"Dep{name}",
                **_call_kwargs(target, context, (), None, baseline_extras(target)),
            ),
        )

    return make


def _protocol_members(protocol: type) -> set[str]:
    members = {n for n in vars(protocol) if not n.startswith("_")}
    return members | set(getattr(protocol, "__annotations__", {}))


class NoRecipeError(Exception):
    """No generic valid value for this annotation: list the target in UNBUILDABLE."""


def recipe(annotation: Any, context: Context, name: str) -> Any:
    """A valid value for a required argument of this type."""
    problems: list[str] = []
    for member in _members(annotation):
        try:
            return _recipe_one(member, context, name)
        except NoRecipeError as e:
            problems.append(str(e))
    raise NoRecipeError("; ".join(problems) or f"no recipe for {annotation!r}")


def _recipe_one(annotation: Any, context: Context, name: str) -> Any:
    origin = typing.get_origin(annotation)
    if annotation is str:
        return SAMPLE_STRINGS.get(name, "sample")
    if annotation is bool:
        return False
    if annotation in (int, float):
        return 1
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if inspect.isclass(annotation) and issubclass(annotation, enum.Enum):
        return next(iter(annotation))
    if _is_mapping(annotation):
        return SAMPLE_MAPPINGS[name]() if name in SAMPLE_MAPPINGS else {}
    item = _sequence_item(annotation)
    if item is not None:
        return [recipe(item, context, name)]
    if inspect.isclass(annotation) and dataclasses.is_dataclass(annotation):
        return make_dataclass(annotation, context, (), None)
    for key, make in _object_recipes():
        if key is not None and annotation is key:
            return make(context)
    if inspect.isclass(annotation) and getattr(annotation, "_is_protocol", False):
        # a protocol (the storage drivers' cluster): the first recipe object that has its members
        members = _protocol_members(annotation)
        for make in (Context.role, _our_construct("ContainerRepository"), Context.vpc, Context.cluster):
            candidate = make(context)
            if all(hasattr(candidate, m) for m in members):
                return candidate
    cluster_class = public_names().get("EksCluster")
    if (
        inspect.isclass(annotation)
        and not getattr(annotation, "_is_protocol", False)
        and annotation is not Construct
        and issubclass(cluster_class, annotation)
    ):
        return context.cluster()  # a cluster's base type (`ClusterBase`): the created cluster
    if inspect.isclass(annotation) and annotation in public_construct_classes():
        return _our_construct(annotation.__name__)(context)
    raise NoRecipeError(f"no recipe for {annotation!r} ({name})")


def valid_or_bad(annotation: Any, default: Any, context: Context, name: str, rest: Path_, bad: Any) -> Any:
    """The valid value for an argument, with `bad` placed at `rest` inside it (if `rest`)."""
    if not rest:
        if default is not inspect.Parameter.empty and default is not dataclasses.MISSING:
            return default
        return recipe(annotation, context, name)
    found = _dataclass_in(annotation)
    if found is None:
        raise NoRecipeError(f"{name}: no option dataclass to walk into")
    cls, many = found
    if many:
        return [make_dataclass(cls, context, rest[1:], bad)]
    return make_dataclass(cls, context, rest, bad)


def make_dataclass(cls: type, context: Context, path: Path_, bad: Any) -> Any:
    field_hints = hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        if path and path[0] == f.name:
            if len(path) == 1:
                kwargs[f.name] = bad
            else:
                kwargs[f.name] = valid_or_bad(
                    field_hints.get(f.name, Any), dataclasses.MISSING, context, f.name, path[1:], bad
                )
        elif not has_default:
            kwargs[f.name] = recipe(field_hints.get(f.name, Any), context, f.name)
        elif f.name in RICH_FIELDS.get(cls.__name__, {}):
            kwargs[f.name] = RICH_FIELDS[cls.__name__][f.name](context)
    return cls(**kwargs)


# -- bad values -----------------------------------------------------------------------------------


@jsii.implements(IStableStringProducer)
class _Producer:
    def produce(self) -> str:
        return "lazy-value"


BAD_VALUES: dict[str, Callable[[Stack], Any]] = {
    "int": lambda s: 7,
    "float": lambda s: 1.5,
    "bool": lambda s: True,
    "str": lambda s: "7",
    "arn-str": lambda s: "arn:aws:iam::123456789012:role/example",
    "list-of-pairs": lambda s: [("key", "value")],
    "mapping": lambda s: {"key": "value"},
    "None": lambda s: None,
    "empty-str": lambda s: "",
    "empty-list": lambda s: [],
    "empty-mapping": lambda s: {},
    "token-string": lambda s: CfnParameter(s, "BadString").value_as_string,
    "token-number": lambda s: CfnParameter(s, "BadNumber", type="Number").value_as_number,
    "token-list": lambda s: CfnParameter(s, "BadList", type="CommaDelimitedList").value_as_list,
    "lazy-string": lambda s: Lazy.string(_Producer()),
}


def _accepts(annotation: Any, kind: str, default: Any) -> bool:
    """Whether a kind of value is simply the right kind for this annotation (not worth a case)."""
    members = _members(annotation)
    plain = {
        "int": int,
        "float": float,
        "bool": bool,
        "str": str,
        "arn-str": str,
    }
    if kind in plain and plain[kind] in members:
        return True
    if kind == "float" and int in members and float in members:
        return True
    if kind == "None" and default is None:
        return True  # None is the default: nothing to learn
    if kind == "mapping" and any(_is_mapping(m) for m in members):
        return True
    return bool(kind == "list-of-pairs" and any(_sequence_item(m) is not None for m in members))


def kinds_for(target: Target, path: Path_) -> list[str]:
    """The bad kinds worth trying here, in an order that differs from argument to argument.

    The rotation spreads the default profile's few examples over every kind across the
    arguments while staying deterministic (it depends only on the case's name).
    """
    annotation = annotation_at(target, path)
    default: Any = inspect.Parameter.empty
    if len(path) == 1:
        parameter = next((p for p in target.parameters() if p.name == path[0]), None)
        default = parameter.default if parameter else inspect.Parameter.empty
    kinds = [k for k in BAD_VALUES if not _accepts(annotation, k, default)]
    shift = zlib.crc32(f"{target.name}:{path_text(path)}".encode()) % max(len(kinds), 1)
    return kinds[shift:] + kinds[:shift]


# -- running one case ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one case did: `ok` (a template, or our clear error) or what went wrong."""

    ok: bool
    what: str
    detail: str = ""
    synthesized: bool = False
    exception: BaseException | None = field(default=None, repr=False)


def _raised_by_us(exc: BaseException) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return False
    last = frames[-1]
    try:
        inside = Path(last.filename).resolve().is_relative_to(PACKAGE_DIR)
    except OSError:
        return False
    return inside and (last.line or "").lstrip().startswith("raise")


def _split_into_characters(message: str, argument: str) -> bool:
    """Whether the error lists single characters of a string as separate items (class 2)."""
    return len(re.findall(rf"\b{re.escape(argument)}(?:\[\d+\])?='.'", message)) >= 2


def judge(exc: BaseException, subject_path: str, path: Path_, bad: Any = None) -> Outcome:
    """Our clear error, or which way it falls short."""
    message = str(exc)
    kind = type(exc).__name__
    if type(exc).__module__.startswith("jsii"):
        return Outcome(False, f"jsii {kind}", message[:300], exception=exc)
    if not isinstance(exc, (ValueError, TypeError)):
        return Outcome(False, kind, message[:300], exception=exc)
    if not _raised_by_us(exc):
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{'/'.join(Path(frames[-1].filename).parts[-2:])}:{frames[-1].lineno}" if frames else "?"
        return Outcome(False, f"{kind} not raised by us ({where})", message[:300], exception=exc)
    argument = leaf_name(path)
    if isinstance(bad, str) and len(bad) > 1 and _split_into_characters(message, argument):
        return Outcome(False, f"{kind}: a string split into characters", message[:300], exception=exc)
    if subject_path not in message:
        return Outcome(False, f"{kind} without the construct path", message[:300], exception=exc)
    if not re.search(rf"\b{re.escape(argument)}\b", message):
        return Outcome(False, f"{kind} without the argument name", message[:300], exception=exc)
    return Outcome(True, "refused clearly", message[:300])


def _build(target: Target, context: Context, path: Path_, bad: Any, extras: tuple[str, ...]) -> None:
    scope = context.app if target.is_stack else context.stack
    if target.method is None:
        target.owner(scope, SUBJECT_ID, **_call_kwargs(target, context, path, bad, extras))
        return
    owner_target = Target(target.owner)
    owner = target.owner(
        scope, SUBJECT_ID, **_call_kwargs(owner_target, context, (), None, baseline_extras(owner_target))
    )
    context.complete(owner, SUBJECT_ID)
    kwargs = _call_kwargs(target, context, path, bad, extras)
    variadic = next(
        (p for p in inspect.signature(target.function).parameters.values() if p.kind is p.VAR_POSITIONAL),
        None,
    )
    if variadic is None:
        getattr(owner, target.method)(**kwargs)
        return
    # `add_manifest(construct_id, *manifests)`: one valid item (the items get no bad values)
    item = recipe(target.hints().get(variadic.name, Any), context, variadic.name)
    getattr(owner, target.method)(kwargs.pop("construct_id"), item, **kwargs)


@cache
def baseline_extras(target: Target) -> tuple[str, ...]:
    """The optional arguments that need a value for a valid baseline (usually none).

    Defaults first; if the target refuses its defaults (it needs one of two arguments, say),
    each optional argument in turn gets its recipe value, and the first that builds wins. The
    baseline that built is synthesized once here; `baseline_outcome` tells how that went.
    """
    candidates: list[tuple[str, ...]] = [()]
    candidates += [(p.name,) for p in target.parameters() if p.default is not inspect.Parameter.empty]
    errors: list[str] = []
    for extras in candidates:
        context = Context(target)
        try:
            _build(target, context, (), None, extras)
        except NoRecipeError as e:
            errors.append(str(e))
            continue
        except Exception as e:
            errors.append(f"{extras}: {type(e).__name__}: {str(e)[:200]}")
            continue
        try:
            context.app.synth()
            _BASELINE_OUTCOMES[target] = Outcome(True, "synthesized", synthesized=True)
        except Exception as e:
            _BASELINE_OUTCOMES[target] = Outcome(False, f"at synth: {type(e).__name__}", str(e)[:300])
        finally:
            context.discard()
        return extras
    raise NoRecipeError(f"no valid baseline for {target.name}: " + " | ".join(errors[:3]))


_BASELINE_OUTCOMES: dict[Target, Outcome] = {}


def baseline_outcome(target: Target) -> Outcome:
    """How the target's valid baseline synthesized (built once, by `baseline_extras`)."""
    baseline_extras(target)
    return _BASELINE_OUTCOMES[target]


def run_case(target: Target, path: Path_, kind: str, *, synthesize: bool = True) -> Outcome:
    """Build the target with one bad value in a fresh app; synthesize only when that worked."""
    extras = baseline_extras(target)
    context = Context(target)
    try:
        return _run_case(target, context, path, kind, extras, synthesize=synthesize)
    finally:
        context.discard()


def _run_case(
    target: Target, context: Context, path: Path_, kind: str, extras: tuple[str, ...], *, synthesize: bool
) -> Outcome:
    bad = BAD_VALUES[kind](context.stack) if kind else None  # no kind: the valid baseline
    owner_path = context.subject_path()
    try:
        _build(target, context, path, bad, extras)
    except NoRecipeError:
        raise
    except Exception as exc:
        return judge(exc, owner_path, path, bad)
    if not synthesize:
        return Outcome(True, "constructed (not synthesized)")
    try:
        context.app.synth()
    except Exception as exc:
        message = str(exc)
        if (  # a check our construct registered with node.add_validation (house style)
            "Validation failed with the following errors" in message
            and f"[{owner_path}" in message
            and path
            and re.search(rf"\b{re.escape(leaf_name(path))}\b", message)
        ):
            return Outcome(True, "refused at synth by our validation", message[:300])
        outcome = judge(exc, owner_path, path, bad)
        outcome.what = f"at synth: {outcome.what}"
        return outcome
    return Outcome(True, "synthesized", synthesized=True)


def _call_kwargs(
    target: Target, context: Context, path: Path_, bad: Any, extras: tuple[str, ...] = ()
) -> dict[str, Any]:
    target_hints = target.hints()
    kwargs: dict[str, Any] = {}
    if target.method is not None and "construct_id" in inspect.signature(target.function).parameters:
        kwargs["construct_id"] = "Added"
    for parameter in target.parameters():
        annotation = target_hints.get(parameter.name, Any)
        if path and path[0] == parameter.name:
            if len(path) == 1:
                kwargs[parameter.name] = bad
            else:
                kwargs[parameter.name] = valid_or_bad(
                    annotation, inspect.Parameter.empty, context, parameter.name, path[1:], bad
                )
        elif parameter.default is inspect.Parameter.empty or parameter.name in extras:
            value = recipe(annotation, context, parameter.name)
            # a resource policy's statement needs a principal (an identity policy's must have none)
            if isinstance(value, iam.PolicyStatement) and "resource_policy" in (target.method or ""):
                value.add_principals(iam.AccountRootPrincipal())
            kwargs[parameter.name] = value
    return kwargs


def dataclasses_reached() -> set[type]:
    """The option dataclasses some argument path takes (their fields are cases too)."""
    found = (_dataclass_in(annotation_at(t, p)) for t, p in all_cases())
    return {f[0] for f in found if f is not None}


def returned_types() -> set[Any]:
    """What the public API's methods and properties return (result types, not options)."""
    found: set[Any] = set()
    for obj in public_names().values():
        if not inspect.isclass(obj):
            continue
        for member in [m for c in inspect.getmro(obj) for m in vars(c).values()]:
            function = member.fget if isinstance(member, property) else member
            if callable(function):
                found.add(hints(function).get("return"))
    return found


def all_cases() -> list[tuple[Target, Path_]]:
    return [(target, path) for target in targets() for path in argument_paths(target)]
