"""Bad input to every public construct of the ECR family and RegistryStack (issue 14).

One table per class of mistake; each row builds one construct with one bad argument and
asserts our message (construct type and path, argument, value, what is allowed). Rows
raise in the constructor, before any synthesis, so the tables are cheap.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import jsii
import pytest
from aws_cdk import Aws, CfnParameter, Duration, IStableStringProducer, Lazy, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Template

from cdk_containers.constructs.ecr import (
    ContainerRepository,
    PullThroughCache,
    PullThroughCacheRule,
    RegistryReplication,
    RegistryScanning,
    ReplicationDestination,
    ReplicationRule,
    ScanFrequency,
    ScanningRule,
    Severity,
    UpstreamRegistry,
)
from cdk_containers.stacks import RegistryStack
from tests.conftest import make_app
from tests.support import make_stack

Build = Callable[[Stack], Any]

REPO = r"ContainerRepository 'Test/Repo'"
RULE = r"ContainerRepository 'Test/Repo/Findings'"
CACHE = r"PullThroughCache 'Test/Cache'"
SCAN = r"RegistryScanning 'Test/Scanning'"
REPL = r"RegistryReplication 'Test/Replication'"
QUAY = PullThroughCacheRule(prefix="quay", upstream=UpstreamRegistry.QUAY)
EU = ReplicationDestination(region="eu-west-1")


def _repo(**kwargs: Any) -> Build:
    return lambda stack: ContainerRepository(stack, "Repo", **kwargs)


def _cache(*rules: Any, **kwargs: Any) -> Build:
    return lambda stack: PullThroughCache(stack, "Cache", rules=list(rules), **kwargs)


def _replicate(*destinations: Any, prefixes: Any = ()) -> Build:
    rule = ReplicationRule(destinations=list(destinations), repository_prefixes=prefixes)
    return lambda stack: RegistryReplication(stack, "Replication", rules=[rule])


def _findings(target: Callable[[Stack], Any], **kwargs: Any) -> Build:
    def build(stack: Stack) -> Any:
        return ContainerRepository(stack, "Repo").on_image_scan_findings("Findings", target(stack), **kwargs)

    return build


def _queue(stack: Stack) -> Any:
    return targets.SqsQueue(sqs.Queue(stack, "Queue"))


WRONG_TYPES: list[tuple[str, Build, str]] = [
    (
        "an upstream URL that is a number",
        _cache(PullThroughCacheRule(prefix="ecr-public", upstream=UpstreamRegistry("ecr-public", 7, False))),  # type: ignore[arg-type]
        rf"{CACHE}: rules\[0\].upstream.url=7 is invalid: expected str, got an int",
    ),
    (
        "requires_credentials as a string",
        _cache(
            PullThroughCacheRule(
                prefix="ecr-public", upstream=UpstreamRegistry("ecr-public", "public.ecr.aws", "no")
            )
        ),  # type: ignore[arg-type]
        rf"{CACHE}: rules\[0\].upstream.requires_credentials='no' is invalid: expected bool, got a str",
    ),
    (
        "a policy statement as a JSON-like dict",
        lambda stack: ContainerRepository(stack, "Repo").add_to_resource_policy({"Effect": "Allow"}),  # type: ignore[arg-type]
        rf"{REPO}: add_to_resource_policy\(statement\)=\{{'Effect': 'Allow'\}} is invalid: "
        r"expected PolicyStatement, got a dict",
    ),
    (
        "an upstream URL instead of an UpstreamRegistry",
        _cache(PullThroughCacheRule(prefix="ecr-public", upstream="public.ecr.aws")),  # type: ignore[arg-type]
        rf"{CACHE}: rules\[0\].upstream='public.ecr.aws' is invalid: an UpstreamRegistry such as "
        r"UpstreamRegistry.ECR_PUBLIC",
    ),
    (
        "a secret ARN instead of a secret",
        _cache(PullThroughCacheRule(prefix="hub", upstream=UpstreamRegistry.DOCKER_HUB, credentials="arn:x")),  # type: ignore[arg-type]
        rf"{CACHE}: rules\[0\].credentials='arn:x' is invalid: a secretsmanager.ISecret, got a str",
    ),
    (
        "one rule instead of a list",
        lambda stack: PullThroughCache(stack, "Cache", rules=QUAY),  # type: ignore[arg-type]
        rf"{CACHE}: rules=.* is invalid: expected a list of PullThroughCacheRule, got a PullThroughCacheRule",
    ),
    (
        "a key ARN instead of a key",
        _repo(encryption_key="arn:aws:kms:eu-west-1:123456789012:key/x"),
        rf"{REPO}: encryption_key='arn:aws:kms:.*' is invalid: a kms.IKey, got a str",
    ),
    (
        "one lifecycle rule instead of a list",
        _repo(lifecycle_rules=ecr.LifecycleRule(max_image_count=3)),
        rf"{REPO}: lifecycle_rules=.* is invalid: expected a list of LifecycleRule",
    ),
    (
        "a string removal policy",
        _repo(removal_policy="retain"),
        rf"{REPO}: removal_policy='retain' is invalid: expected RemovalPolicy",
    ),
    (
        "a string count",
        _repo(keep_images="30"),
        rf"{REPO}: keep_images='30' is invalid: an integer >= 1, got a str",
    ),
    (
        "a float count",
        _repo(keep_images=2.5),
        rf"{REPO}: keep_images=2.5 is invalid: an integer >= 1, got a float",
    ),
    (
        "days as an int",
        _repo(untagged_expiry=7),
        rf"{REPO}: untagged_expiry=7 is invalid: a Duration such as Duration.days\(7\), got an int",
    ),
    (
        "a string flag",
        _repo(scan_on_push="yes"),
        rf"{REPO}: scan_on_push='yes' is invalid: expected bool, got a str",
    ),
    (
        "a scan type string",
        lambda stack: RegistryScanning(stack, "Scanning", scan_type="ENHANCED"),  # type: ignore[arg-type]
        rf"{SCAN}: scan_type='ENHANCED' is invalid: one of BASIC, ENHANCED",
    ),
    (
        "a frequency string",
        lambda stack: RegistryScanning(stack, "Scanning", rules=[ScanningRule(frequency="SCAN_ON_PUSH")]),  # type: ignore[arg-type]
        rf"{SCAN}: rules\[0\].frequency='SCAN_ON_PUSH' is invalid: one of SCAN_ON_PUSH, CONTINUOUS_SCAN",
    ),
    (
        "one destination instead of a list",
        lambda stack: RegistryReplication(
            stack,
            "Replication",
            rules=[ReplicationRule(destinations=EU)],  # type: ignore[arg-type]
        ),
        rf"{REPL}: rules\[0\].destinations=.* is invalid: expected a list of ReplicationDestination",
    ),
    (
        "a numeric region",
        _replicate(ReplicationDestination(region=1)),  # type: ignore[arg-type]
        rf"{REPL}: rules\[0\].destinations\[0\].region=1 is invalid: expected str, got an int",
    ),
    (
        "a numeric account",
        _replicate(ReplicationDestination(region="eu-west-1", account=123456789012)),  # type: ignore[arg-type]
        rf"{REPL}: rules\[0\].destinations\[0\].account=123456789012 is invalid: expected str, got an int",
    ),
    (
        "a topic ARN instead of a topic",
        _findings(lambda _stack: "arn:aws:sns:eu-west-1:123456789012:alerts"),
        rf"{RULE}: target='arn:aws:sns:.*' is invalid: an sns.ITopic or an events.IRuleTarget, got a str",
    ),
    (
        "a severity string",
        _findings(_queue, minimum_severity="HIGH"),
        rf"{RULE}: minimum_severity='HIGH' is invalid: one of CRITICAL, HIGH, MEDIUM",
    ),
    (
        "a stack prefix that is not a string",
        lambda stack: RegistryStack(stack.node.scope, "Registry", prefix=5),  # type: ignore[arg-type]
        r"RegistryStack 'Registry': prefix=5 is invalid: expected str, got an int",
    ),
    (
        "a scanning switch given as a string",
        lambda stack: RegistryStack(stack.node.scope, "Registry", registry_scanning="true"),  # type: ignore[arg-type]
        r"RegistryStack 'Registry': registry_scanning='true' is invalid: expected bool, got a str",
    ),
]

STRING_FOR_LIST: list[tuple[str, Build, str]] = [
    (
        "mutable_tags",
        _repo(mutable_tags="latest"),
        rf"{REPO}: mutable_tags='latest' is invalid: expected a list of str, got a single string",
    ),
    (
        "protected_tags",
        _repo(protected_tags="v*"),
        rf"{REPO}: protected_tags='v\*' is invalid: expected a list of str",
    ),
    (
        "pull_accounts",
        _repo(pull_accounts="111122223333"),
        rf"{REPO}: pull_accounts='111122223333' is invalid: expected a list of str",
    ),
    (
        "scanning filters",
        lambda stack: RegistryScanning(
            stack, "Scanning", rules=[ScanningRule(frequency=ScanFrequency.SCAN_ON_PUSH, filters="prod-*")]
        ),
        rf"{SCAN}: rules\[0\].filters='prod-\*' is invalid: expected a list of str, got a single string",
    ),
    (
        "replication prefixes",
        _replicate(EU, prefixes="prod"),
        rf"{REPL}: rules\[0\].repository_prefixes='prod' is invalid: expected a list of str, "
        "got a single string",
    ),
    (
        "cache rules",
        lambda stack: PullThroughCache(stack, "Cache", rules="quay"),  # type: ignore[arg-type]
        rf"{CACHE}: rules='quay' is invalid: expected a list of PullThroughCacheRule, got a single string",
    ),
]


def _number(stack: Stack) -> Any:
    return CfnParameter(stack, "Count", type="Number").value_as_number


def _string(stack: Stack, name: str = "Value") -> str:
    return CfnParameter(stack, name).value_as_string


TOKENS_REFUSED: list[tuple[str, Build, str]] = [
    (
        "a parameter as keep_images",
        lambda stack: ContainerRepository(stack, "Repo", keep_images=_number(stack)),
        rf"{REPO}: keep_images is a deploy-time value \(a token\), but it must be known at synth: "
        "the lifecycle policy is JSON text",
    ),
    (
        "a parameter as untagged_expiry",
        lambda stack: ContainerRepository(stack, "Repo", untagged_expiry=Duration.days(_number(stack))),
        rf"{REPO}: untagged_expiry is a deploy-time value \(a token\), but it must be known at synth",
    ),
    (
        "a parameter as a cache prefix",
        lambda stack: PullThroughCache(
            stack,
            "Cache",
            rules=[PullThroughCacheRule(prefix=_string(stack), upstream=UpstreamRegistry.QUAY)],
        ),
        rf"{CACHE}: rules\[0\].prefix is a deploy-time value \(a token\), but it must be known at synth: "
        "the prefix names the rule's construct id",
    ),
    (
        "a parameter as the cache's keep_images",
        lambda stack: PullThroughCache(stack, "Cache", rules=[QUAY], keep_images=_number(stack)),
        rf"{CACHE}: keep_images is a deploy-time value \(a token\), but it must be known at synth",
    ),
]

TOKENS_REFUSED += [
    (
        "a parameter as the encryption key",
        lambda stack: ContainerRepository(stack, "Repo", encryption_key=_string(stack)),
        rf"{REPO}: encryption_key='\$\{{Token\[.*\]\}}' is invalid: a kms.IKey, got a str",
    ),
    (
        "a parameter as the scan type",
        lambda stack: RegistryScanning(stack, "Scanning", scan_type=_string(stack)),  # type: ignore[arg-type]
        rf"{SCAN}: scan_type='\$\{{Token\[.*\]\}}' is invalid: one of BASIC, ENHANCED",
    ),
]

FOOTGUNS: list[tuple[str, Build, str]] = [
    (
        "alerts to a topic with the AWS managed SNS key (alias)",
        _findings(
            lambda stack: sns.Topic(
                stack, "T", master_key=kms.Alias.from_alias_name(stack, "A", "alias/aws/sns")
            )
        ),
        rf"{RULE}: target='Test/T' is invalid: a topic encrypted with a customer managed KMS key: "
        "EventBridge cannot use the AWS managed key alias/aws/sns",
    ),
    (
        "alerts to a topic with the AWS managed SNS key (ARN)",
        _findings(
            lambda stack: sns.Topic(
                stack,
                "T",
                master_key=kms.Key.from_key_arn(
                    stack, "K", "arn:aws:kms:eu-west-1:123456789012:alias/aws/sns"
                ),
            )
        ),
        r"EventBridge cannot use the AWS managed key alias/aws/sns, so every alert would be dropped",
    ),
    (
        "alerts to an unencrypted topic",
        _findings(lambda stack: sns.Topic(stack, "T")),
        rf"{RULE}: target='Test/T' is invalid: an SNS topic encrypted with a customer managed KMS key",
    ),
    (
        "replication to Aws.REGION",
        _replicate(ReplicationDestination(region=Aws.REGION)),
        rf"{REPL}: rules\[0\].destinations\[0\].region='Aws.REGION' is invalid: a named region: "
        "Aws.REGION is always the stack's own region",
    ),
    (
        "a cache prefix too long for the example's namespacing",
        lambda stack: RegistryStack(stack.node.scope, "Registry", prefix="a-very-long-team-prefix"),
        r"RegistryStack 'Registry': prefix='a-very-long-team-prefix' is invalid: 1-19 characters",
    ),
]


def _ids(table: list[tuple[str, Build, str]]) -> list[str]:
    return [row[0] for row in table]


@pytest.mark.parametrize(("case", "build", "message"), WRONG_TYPES, ids=_ids(WRONG_TYPES))
def test_a_wrong_type_is_named_with_what_is_allowed(case: str, build: Build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(make_stack())


@pytest.mark.parametrize(("case", "build", "message"), STRING_FOR_LIST, ids=_ids(STRING_FOR_LIST))
def test_a_string_where_a_list_is_meant_is_refused_not_split(case: str, build: Build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(make_stack())


@pytest.mark.parametrize(("case", "build", "message"), TOKENS_REFUSED, ids=_ids(TOKENS_REFUSED))
def test_a_token_is_refused_where_the_value_must_be_known_at_synth(
    case: str, build: Build, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build(make_stack())


@pytest.mark.parametrize(("case", "build", "message"), FOOTGUNS, ids=_ids(FOOTGUNS))
def test_a_documented_footgun_is_refused(case: str, build: Build, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build(make_stack())


def test_tokens_are_accepted_where_cloudformation_takes_them_at_deploy_time() -> None:
    stack = make_stack()
    name = _string(stack, "Name")
    account = _string(stack, "Account")
    region = _string(stack, "Region")
    ContainerRepository(stack, "Repo", repository_name=name, pull_accounts=[account])
    RegistryReplication(
        stack,
        "Replication",
        rules=[ReplicationRule(destinations=[ReplicationDestination(region=region, account=account)])],
    )
    template = Template.from_stack(stack).to_json()
    (repository,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::ECR::Repository"]
    assert repository["Properties"]["RepositoryName"] == {"Ref": "Name"}
    (replication,) = [
        r for r in template["Resources"].values() if r["Type"] == "AWS::ECR::ReplicationConfiguration"
    ]
    assert replication["Properties"]["ReplicationConfiguration"]["Rules"][0]["Destinations"] == [
        {"Region": {"Ref": "Region"}, "RegistryId": {"Ref": "Account"}}
    ]


@jsii.implements(IStableStringProducer)
class _Later:
    """A value known only when the app synthesizes (a `Lazy.string`), not at deploy time."""

    def __init__(self, value: str) -> None:
        self._value = value

    def produce(self) -> str:
        return self._value


@pytest.mark.parametrize(
    ("account", "region", "message"),
    [
        (
            "not-an-account",
            "eu-west-1",
            r"rules\[0\].destinations\[0\].account='not-an-account' is invalid: a 12-digit AWS account id",
        ),
        (
            "123456789012",
            "Europe",
            r"rules\[0\].destinations\[0\].region='Europe' is invalid: an AWS region name",
        ),
    ],
    ids=["account", "region"],
)
def test_a_replication_destination_known_only_at_synth_is_checked_when_it_resolves(
    account: str, region: str, message: str
) -> None:
    stack = make_stack()
    destination = ReplicationDestination(
        region=Lazy.string(_Later(region)), account=Lazy.string(_Later(account))
    )
    RegistryReplication(stack, "Replication", rules=[ReplicationRule(destinations=[destination])])
    with pytest.raises(RuntimeError, match=r"\[Test/Replication\] " + REPL + ": " + message):
        Template.from_stack(stack)


def test_a_replication_destination_known_only_at_synth_is_taken_when_valid() -> None:
    stack = make_stack()
    destination = ReplicationDestination(
        region=Lazy.string(_Later("eu-west-1")), account=Lazy.string(_Later("123456789012"))
    )
    RegistryReplication(stack, "Replication", rules=[ReplicationRule(destinations=[destination])])
    Template.from_stack(stack).has_resource_properties(
        "AWS::ECR::ReplicationConfiguration",
        {
            "ReplicationConfiguration": {
                "Rules": [{"Destinations": [{"Region": "eu-west-1", "RegistryId": "123456789012"}]}]
            }
        },
    )


def test_a_severity_enum_member_is_accepted() -> None:
    stack = make_stack()
    rule = ContainerRepository(stack, "Repo").on_image_scan_findings(
        "Findings", _queue(stack), minimum_severity=Severity.LOW
    )
    assert "LOW or more" in (stack.resolve(rule.node.default_child.description) or "")  # type: ignore[union-attr]


def test_registry_stack_errors_name_the_stack_in_its_app() -> None:
    app = make_app()
    with pytest.raises(ValueError, match=r"RegistryStack 'Registry': prefix='Team A' is invalid"):
        RegistryStack(app, "Registry", prefix="Team A")


# --------------------------------------------------------------------------- every argument, every wrong kind

#: Values of the wrong kind for almost any argument; callables make a token in the stack.
WRONG_KINDS: list[Any] = [
    None,
    "",
    "x",
    5,
    2.5,
    True,
    [],
    ["x"],
    [5],
    {"a": "b"},
    object(),
    lambda stack: CfnParameter(stack, "Str").value_as_string,
    lambda stack: CfnParameter(stack, "Num", type="Number").value_as_number,
    lambda stack: CfnParameter(stack, "List", type="CommaDelimitedList").value_as_list,
]

_CONSTRUCTS: dict[str, tuple[Callable[..., Any], Callable[..., Any], dict[str, Any]]] = {
    "ContainerRepository": (
        ContainerRepository.__init__,
        lambda stack, **kw: ContainerRepository(stack, "Repo", **kw),
        {},
    ),
    "PullThroughCache": (
        PullThroughCache.__init__,
        lambda stack, **kw: PullThroughCache(stack, "Cache", **kw),
        {"rules": [QUAY]},
    ),
    "RegistryScanning": (
        RegistryScanning.__init__,
        lambda stack, **kw: RegistryScanning(stack, "Scanning", **kw),
        {},
    ),
    "RegistryReplication": (
        RegistryReplication.__init__,
        lambda stack, **kw: RegistryReplication(stack, "Replication", **kw),
        {"rules": [ReplicationRule(destinations=[EU])]},
    ),
    "RegistryStack": (
        RegistryStack.__init__,
        lambda stack, **kw: RegistryStack(stack.node.scope, "Registry", **kw),
        {},
    ),
}

_OPTIONS: dict[type, tuple[Callable[[Stack, Any], Any], dict[str, Any]]] = {
    PullThroughCacheRule: (
        lambda stack, rule: PullThroughCache(stack, "Cache", rules=[rule]),
        {"prefix": "quay", "upstream": UpstreamRegistry.QUAY},
    ),
    ScanningRule: (
        lambda stack, rule: RegistryScanning(stack, "Scanning", rules=[rule]),
        {"frequency": ScanFrequency.SCAN_ON_PUSH},
    ),
    ReplicationRule: (
        lambda stack, rule: RegistryReplication(stack, "Replication", rules=[rule]),
        {"destinations": [EU]},
    ),
    ReplicationDestination: (
        lambda stack, destination: RegistryReplication(
            stack, "Replication", rules=[ReplicationRule(destinations=[destination])]
        ),
        {"region": "eu-west-1"},
    ),
}


def _arguments() -> list[tuple[str, str]]:
    cases = []
    for name, (init, _build, _base) in _CONSTRUCTS.items():
        cases += [
            (name, p.name)
            for p in inspect.signature(init).parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
    for option in _OPTIONS:
        cases += [(option.__name__, field.name) for field in dataclasses.fields(option)]
    cases += [("on_image_scan_findings", a) for a in ("construct_id", "target", "minimum_severity")]
    return cases


def _attempt(owner: str, argument: str, value: Any) -> None:
    stack = make_stack()
    resolved = value(stack) if callable(value) and not isinstance(value, type) else value
    if owner in _CONSTRUCTS:
        _init, build, base = _CONSTRUCTS[owner]
        build(stack, **{**base, argument: resolved})
    elif owner == "on_image_scan_findings":
        arguments: dict[str, Any] = {
            "construct_id": "Findings",
            "target": _queue(stack),
            "minimum_severity": Severity.HIGH,
            argument: resolved,
        }
        repo = ContainerRepository(stack, "Repo")
        repo.on_image_scan_findings(
            arguments["construct_id"], arguments["target"], minimum_severity=arguments["minimum_severity"]
        )
    else:
        option = next(o for o in _OPTIONS if o.__name__ == owner)
        use, base = _OPTIONS[option]
        use(stack, option(**{**base, argument: resolved}))


@pytest.mark.parametrize(("owner", "argument"), _arguments())
def test_every_wrong_kind_of_value_is_accepted_or_refused_by_us_naming_the_argument(
    owner: str, argument: str
) -> None:
    # Built, not synthesized, to stay fast: what reaches jsii at construction is checked here.
    unnamed = []
    for value in WRONG_KINDS:
        try:
            _attempt(owner, argument, value)
        except ValueError as error:  # anything else (AttributeError, jsii errors) fails the test
            if argument not in str(error):
                unnamed.append(f"{value!r}: {error}")
    assert unnamed == []
