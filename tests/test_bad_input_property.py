"""Bad input, everywhere (issue 14): every argument of every public construct and stack.

Hypothesis feeds each argument values of the wrong kind: wrong scalar types, a string where
a list is meant, a list where a mapping is meant, a mapping where a list is meant, `None`,
empty values and unresolved tokens (`CfnParameter` string, number and list values,
`Lazy.string`). What is tested is discovered, never listed: the public constructs and stacks
(`__all__` of every public module under `cdk_containers.constructs` and
`cdk_containers.stacks`), their constructors' and `add_*`/`notify_*` methods' signatures, and
the fields of the option dataclasses those take (`options.min_size`, `rules[0].upstream`).
See `tests/bad_input_support.py` for the machinery.

Every outcome must be one of:

- a synthesized app (the value was acceptable; synthesis runs only when construction
  succeeded, to catch errors that fire at synth), or
- a `ValueError`/`TypeError` raised by a `raise` in a file under `cdk_containers/` whose
  message names the construct path and the argument.

Anything else fails: `AttributeError`, `KeyError`, `AssertionError`, a jsii error, a
`TypeError` raised by Python, typeguard or jsii, an error that names no argument.

Known failures of today's code are listed once, in `KNOWN_FAILURES`; the table can only
shrink: `test_a_known_failure_still_fails` fails as soon as an entry is fixed, so remove it.

Profiles (the environment variable `HYPOTHESIS_PROFILE`):

- `unit` (the default): one example per argument, the first of its kinds; the kinds are
  rotated per argument (deterministically), so the unit suite spreads over every kind
  without trying each one everywhere.
- `deep`: every kind on every argument (`HYPOTHESIS_PROFILE=deep pytest
  tests/test_bad_input_property.py`), and every `KNOWN_FAILURES` entry replayed. It explores:
  it reports failures of kinds the unit profile does not draw, which the table does not list.
  Slow: about 3,300 cases; they took 880 s of case time (ten minutes on two processes) on a
  loaded two-core machine. The unit profile runs about 240 cases in one to two minutes.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.bad_input_support import (
    BAD_VALUES,
    NoRecipeError,
    Path_,
    Target,
    all_cases,
    dataclasses_reached,
    kinds_for,
    path_text,
    public_dataclasses,
    returned_types,
    run_case,
    targets,
)

settings.register_profile(
    "unit",
    max_examples=1,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)
settings.register_profile("deep", settings.get_profile("unit"), max_examples=len(BAD_VALUES) * 4)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "unit")
SETTINGS = settings.get_profile(PROFILE if PROFILE in ("unit", "deep") else "unit")

# Targets the recipes cannot build generically, with the reason. Keep it small (see the test).
UNBUILDABLE: dict[str, str] = {}
MAX_UNBUILDABLE = 3

# (target, argument path, kind of bad value) -> what happens today. Every entry is a failure
# observed on main (9e0fdc0) with the `unit` profile's kind for that argument; the lead empties
# this table after merging the area branches' fixes. It can only shrink: a fixed entry fails
# the tests until it is removed. Kinds are the keys of `BAD_VALUES`.
# One line each: target | argument path | kind | what happens.
KNOWN_FAILURES: dict[tuple[str, str, str], str] = {
    (t.strip(), a.strip(), k.strip()): what.strip()
    for t, a, k, what in (
        line.split("|", 3)
        for line in """
AppRunnerService | auto_deploy | token-number | TypeError from jsii's typeguard: type of argument auto_dep
AppRunnerService | auto_scaling | list-of-pairs | AttributeError: 'list' object has no attribute 'problems
AppRunnerService | auto_scaling.max_concurrency | str | TypeError raised by Python (app_runner.py:149): '<
AppRunnerService | auto_scaling.max_size | str | TypeError raised by Python (app_runner.py:139): '<=' not
AppRunnerService | auto_scaling.min_size | empty-str | TypeError raised by Python (app_runner.py:136): '<=
AppRunnerService | digest | list-of-pairs | TypeError raised by Python (app_runner.py:607): expected strin
AppRunnerService | encryption_key | empty-str | RuntimeError: Passed to parameter props of new @aws-cdk/aw
AppRunnerService | environment | lazy-string | ValueError raised by Python (app_runner.py:387): dictionary
AppRunnerService | health_check | empty-mapping | AttributeError: 'dict' object has no attribute 'problems
AppRunnerService | health_check.healthy_threshold | empty-str | TypeError raised by Python (app_runner.py:
AppRunnerService | health_check.interval_seconds | None | TypeError raised by Python (app_runner.py:233):
AppRunnerService | health_check.timeout_seconds | lazy-string | TypeError raised by Python (app_runner.py:
AppRunnerService | health_check.unhealthy_threshold | str | TypeError raised by Python (app_runner.py:233)
AppRunnerService | instance_role | lazy-string | AttributeError: 'str' object has no attribute 'add_to_pri
AppRunnerService | public_image | float | AttributeError: 'float' object has no attribute 'startswith'
AppRunnerService | repository | token-string | RuntimeError: SerializationError: Passed to parameter const
AppRunnerService | service_name | mapping | TypeError raised by Python (app_runner.py:407): expected strin
AppRunnerService | start_command | float | AttributeError: 'float' object has no attribute 'strip'
AppRunnerService | tag | float | TypeError raised by Python (app_runner.py:604): expected string or bytes-
AppRunnerService | vpc | token-list | AttributeError: 'list' object has no attribute 'select_subnets'
AppRunnerService | vpc_connector | list-of-pairs | AttributeError: type object 'tuple' has no attribute '_
AppRunnerService.add_to_role_policy | statement | lazy-string | TypeError raised by Python (__init__.py:78
AppRunnerStack | repository | arn-str | RuntimeError: SerializationError: Passed to parameter construct of
AppRunnerStack | snapshot_days | token-string | TypeError raised by Python (app_runner.py:71): '<=' not su
AppRunnerStack | vpc | empty-list | AttributeError: 'list' object has no attribute 'select_subnets'
ContainerRepository | encryption_key | lazy-string | RuntimeError: Passed to parameter props of new aws-cd
ContainerRepository | lifecycle_rules | float | TypeError raised by Python (ecr.py:298): 'float' object is
ContainerRepository | pull_accounts | lazy-string | ValueError: a string split into characters: ContainerR
ContainerRepository | removal_policy | empty-list | TypeError from jsii's typeguard: type of argument remo
ContainerRepository | repository_name | float | TypeError raised by Python (ecr.py:87): object of type 'fl
ContainerRepository | scan_on_push | token-list | TypeError from jsii's typeguard: type of argument image_
ContainerRepository.notify_on_scan_findings | target | token-number | RuntimeError: 'float' object has no
EbsCsiDriver | addon_version | int | TypeError from jsii's typeguard: type of argument addon_version must
EbsCsiDriver | cluster | float | AttributeError: 'float' object has no attribute 'has_ec2_capacity'
EbsCsiDriver.add_storage_class | storage_class | str | AttributeError: 'str' object has no attribute 'kms_
EbsCsiDriver.add_storage_class | storage_class.fs_type | list-of-pairs | ValueError without the construct
EbsCsiDriver.add_storage_class | storage_class.iops | empty-str | ValueError without the construct path: E
EbsCsiDriver.add_storage_class | storage_class.iops_per_gb | bool | ValueError without the construct path:
EbsCsiDriver.add_storage_class | storage_class.kms_key | bool | AttributeError: 'bool' object has no attri
EbsCsiDriver.add_storage_class | storage_class.name | empty-list | TypeError raised by Python (_validation
EbsCsiDriver.add_storage_class | storage_class.throughput | token-list | ValueError without the construct
EbsCsiDriver.add_storage_class | storage_class.volume_type | token-list | ValueError without the construct
EfsCsiDriver | addon_version | empty-mapping | TypeError from jsii's typeguard: type of argument addon_ver
EfsCsiDriver | cluster | list-of-pairs | AttributeError: 'list' object has no attribute 'vpc'
EfsCsiDriver | file_system | int | AttributeError: 'int' object has no attribute 'connections'
EfsCsiDriver | kms_key | lazy-string | RuntimeError: Passed to parameter props of new aws-cdk-lib.aws_efs.
EfsCsiDriver | removal_policy | mapping | TypeError from jsii's typeguard: type of argument removal_policy
EfsCsiDriver.add_static_volume | access_point | token-string | AttributeError: 'str' object has no attribu
EfsCsiDriver.add_static_volume | name | list-of-pairs | TypeError raised by Python (_validation.py:77): ex
EfsCsiDriver.add_storage_class | storage_class | token-list | AttributeError: 'list' object has no attribu
EfsCsiDriver.add_storage_class | storage_class.directory_perms | None | ValueError without the construct p
EfsCsiDriver.add_storage_class | storage_class.gid_range | float | TypeError raised by Python (efs.py:91):
EfsCsiDriver.add_storage_class | storage_class.name | token-number | TypeError raised by Python (_validati
EfsCsiDriver.add_storage_class | storage_class.reclaim_policy | float | ValueError without the construct p
EfsCsiDriver.add_storage_class | storage_class.uid | empty-mapping | ValueError without the construct path
EksCluster | admin_roles | float | TypeError raised by Python (cluster.py:302): 'float' object is not iter
EksCluster | cluster_name | mapping | TypeError from jsii's typeguard: type of argument cluster_name must
EksCluster | public_access_cidrs | token-string | ValueError: a string split into characters: EksCluster '
EksCluster | secrets_encryption_key | bool | RuntimeError: Passed to parameter props of new aws-cdk-lib.aw
EksCluster | vpc | bool | AttributeError: 'bool' object has no attribute 'vpc_cidr_block'
EksCluster.add_addon | configuration | token-number | TypeError from jsii's typeguard: type of argument co
EksCluster.add_addon | name | int | TypeError raised by Python (__init__.py:171): expected string or bytes
EksCluster.add_addon | version | list-of-pairs | TypeError from jsii's typeguard: type of argument addon_v
EksCluster.add_fargate_profile | fargate_profile_name | empty-str | at synth: RuntimeError: refused by the
EksCluster.add_fargate_profile | selectors | float | TypeError raised by Python (fargate.py:59): object of
EksCluster.add_fargate_profile | selectors[0].labels | list-of-pairs | AttributeError: 'list' object has n
EksCluster.add_fargate_profile | selectors[0].namespace | list-of-pairs | TypeError raised by Python (_val
EksCluster.add_fargate_profile | subnets | mapping | AttributeError: 'dict' object has no attribute '_valu
EksCluster.add_helm_chart | chart | float | TypeError from jsii's typeguard: type of argument chart must b
EksCluster.add_helm_chart | namespace | mapping | TypeError from jsii's typeguard: type of argument namesp
EksCluster.add_helm_chart | release | float | TypeError from jsii's typeguard: type of argument release mu
EksCluster.add_helm_chart | repository | token-number | TypeError from jsii's typeguard: type of argument
EksCluster.add_helm_chart | values | str | TypeError from jsii's typeguard: type of argument values must b
EksCluster.add_managed_node_group | options | lazy-string | AttributeError: 'str' object has no attribute
EksCluster.add_managed_node_group | options.ami_type | None | AttributeError: 'NoneType' object has no att
EksCluster.add_managed_node_group | options.capacity_type | list-of-pairs | TypeError from jsii's typeguar
EksCluster.add_managed_node_group | options.nodegroup_name | list-of-pairs | TypeError from jsii's typegua
EksCluster.add_managed_node_group | options.taints | float | TypeError raised by Python (options.py:265):
EksCluster.add_managed_node_group | options.taints[0].key | float | AttributeError: 'float' object has no
EksCluster.add_pod_identity | namespace | token-number | TypeError raised by Python (_validation.py:77): o
EksCluster.add_pod_identity | role | lazy-string | AttributeError: 'str' object has no attribute 'role_arn
EksCluster.add_pod_identity | service_account | mapping | TypeError raised by Python (_validation.py:77):
EksCluster.add_self_managed_node_group | options | lazy-string | AttributeError: 'str' object has no attri
EksCluster.add_self_managed_node_group | options.ami_type | list-of-pairs | AttributeError: 'list' object
EksCluster.add_self_managed_node_group | options.instance_types | bool | TypeError raised by Python (optio
EksCluster.add_self_managed_node_group | options.taints | int | TypeError raised by Python (options.py:265
EksClusterStack | admin_roles | str | AttributeError: 'str' object has no attribute 'role_arn'
EksClusterStack | pull_repositories | None | TypeError raised by Python (eks_cluster.py:92): 'NoneType' ob
EksClusterStack | vpc | list-of-pairs | AttributeError: 'list' object has no attribute 'vpc_cidr_block'
FargateProfile | cluster | float | AttributeError: 'float' object has no attribute 'node_subnets'
FargateProfile | selectors | str | AttributeError: 'str' object has no attribute 'namespace'
FargateProfile | selectors[0].namespace | bool | TypeError raised by Python (_validation.py:77): object of
FargateProfile | subnets | float | AttributeError: 'float' object has no attribute '_values'
FsxLustreCsiDriver | addon_version | empty-mapping | TypeError from jsii's typeguard: type of argument add
FsxLustreCsiDriver | cluster | None | AttributeError: 'NoneType' object has no attribute 'has_ec2_capacity
FsxLustreCsiDriver.add_storage_class | storage_class | lazy-string | AttributeError: 'str' object has no a
FsxLustreCsiDriver.add_storage_class | storage_class.data_compression | empty-mapping | ValueError without
FsxLustreCsiDriver.add_storage_class | storage_class.deployment_type | int | AttributeError: 'int' object
FsxLustreCsiDriver.add_storage_class | storage_class.name | None | TypeError raised by Python (_validation
FsxLustreCsiDriver.add_storage_class | storage_class.per_unit_storage_throughput | empty-str | ValueError
FsxLustreCsiDriver.add_storage_class | storage_class.reclaim_policy | empty-mapping | ValueError without t
FsxLustreCsiDriver.add_storage_class | storage_class.subnet | str | AttributeError: 'str' object has no at
FsxOntapCsiDriver | addon_version | token-list | TypeError from jsii's typeguard: type of argument addon_v
FsxOntapCsiDriver | automatic_backup_retention_days | None | TypeError raised by Python (fsx_ontap.py:225)
FsxOntapCsiDriver | backend_name | bool | TypeError raised by Python (_validation.py:77): object of type '
FsxOntapCsiDriver | cluster | None | AttributeError: 'NoneType' object has no attribute 'has_ec2_capacity'
FsxOntapCsiDriver | deployment_type | empty-list | TypeError raised by Python (fsx_ontap.py:204): unhashab
FsxOntapCsiDriver | kms_key | token-number | AttributeError: 'float' object has no attribute 'key_id'
FsxOntapCsiDriver | removal_policy | token-list | TypeError from jsii's typeguard: type of argument remova
FsxOntapCsiDriver | svm_name | list-of-pairs | AttributeError: 'list' object has no attribute 'replace'
FsxOntapCsiDriver.add_storage_class | storage_class | None | AttributeError: 'NoneType' object has no attr
FsxOntapCsiDriver.add_storage_class | storage_class.name | mapping | TypeError raised by Python (_validati
FsxOntapCsiDriver.add_storage_class | storage_class.provisioning_type | None | ValueError without the cons
FsxOntapCsiDriver.add_storage_class | storage_class.reclaim_policy | list-of-pairs | ValueError without th
ManagedNodeGroup | cluster | mapping | AttributeError: 'dict' object has no attribute 'version'
ManagedNodeGroup | options.ami_type | empty-list | AttributeError: 'list' object has no attribute 'archite
ManagedNodeGroup | options.capacity_type | empty-list | TypeError from jsii's typeguard: type of argument
ManagedNodeGroup | options.instance_types | int | TypeError raised by Python (options.py:241): 'int' objec
ManagedNodeGroup | options.labels | bool | AttributeError: 'bool' object has no attribute 'items'
ManagedNodeGroup | options.max_unavailable | token-list | TypeError raised by Python (options.py:330): '<=
ManagedNodeGroup | options.nodegroup_name | list-of-pairs | TypeError from jsii's typeguard: type of argum
ManagedNodeGroup | options.taints[0].value | token-list | TypeError raised by Python (options.py:134): exp
NetworkStack | flow_log_retention | empty-list | TypeError from jsii's typeguard: type of argument retenti
PullThroughCache | rules | token-list | AttributeError: 'str' object has no attribute 'prefix'
PullThroughCache | rules[0].prefix | int | TypeError raised by Python (ecr.py:977): object of type 'int' h
PullThroughCache | rules[0].upstream | token-string | AttributeError: 'str' object has no attribute 'requi
PullThroughCache | rules[0].upstream.registry | token-number | TypeError from jsii's typeguard: type of ar
PullThroughCache | rules[0].upstream.requires_credentials | lazy-string | ValueError without the argument
PullThroughCache | rules[0].upstream.url | token-number | TypeError from jsii's typeguard: type of argumen
RegistryReplication | rules | token-string | AttributeError: 'str' object has no attribute 'destinations'
RegistryReplication | rules[0].destinations | token-number | TypeError raised by Python (ecr.py:760): obje
RegistryReplication | rules[0].destinations[0].account | lazy-string | at synth: RuntimeError: refused by
RegistryReplication | rules[0].destinations[0].region | bool | TypeError raised by Python (ecr.py:764): ex
SelfManagedNodeGroup | cluster | token-string | AttributeError: 'str' object has no attribute 'version'
SelfManagedNodeGroup | options.ami_type | token-list | AttributeError: 'list' object has no attribute 'arc
SelfManagedNodeGroup | options.labels | lazy-string | AttributeError: 'str' object has no attribute 'items
SelfManagedNodeGroup | options.taints | token-list | AttributeError: 'str' object has no attribute 'key'
SelfManagedNodeGroup | options.taints[0].key | bool | AttributeError: 'bool' object has no attribute 'rpar
SelfManagedNodeGroup | options.taints[0].value | token-list | TypeError raised by Python (options.py:134):
""".strip().splitlines()
    )
}

CASES = [(t, p) for t, p in all_cases() if t.name not in UNBUILDABLE]


def _case_id(case: tuple[Target, Path_]) -> str:
    target, path = case
    return f"{target.name}:{path_text(path)}"


def _explain(target: Target, path: Path_, kind: str, what: str, detail: str) -> str:
    return (
        f"{target.name}({path_text(path)}=<{kind}>) gave {what}: {detail}\n"
        "Expected a template or our ValueError/TypeError naming the construct path and the argument."
    )


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_a_bad_value_is_accepted_or_refused_by_name(case: tuple[Target, Path_]) -> None:
    target, path = case
    kinds = kinds_for(target, path)
    if not kinds:
        pytest.skip("every kind of value is valid here")

    @SETTINGS
    @given(kind=st.sampled_from(kinds))
    def check(kind: str) -> None:
        key = (target.name, path_text(path), kind)
        try:
            outcome = run_case(target, path, kind)
        except NoRecipeError as e:
            pytest.fail(
                f"{target.name}: {e}; add a recipe in tests/bad_input_support.py or list it in UNBUILDABLE"
            )
        if outcome.ok:
            assert key not in KNOWN_FAILURES, (
                f"{key} is fixed ({outcome.what}): remove it from KNOWN_FAILURES"
            )
            return
        if key in KNOWN_FAILURES:
            return
        raise AssertionError(
            _explain(target, path, kind, outcome.what, outcome.detail)
        ) from outcome.exception

    check()


def _drawn_by_the_property_test(key: tuple[str, str, str]) -> bool:
    name, argument, kind = key
    case = next(((t, p) for t, p in CASES if t.name == name and path_text(p) == argument), None)
    return PROFILE != "deep" and case is not None and kinds_for(*case)[:1] == [kind]


@pytest.mark.parametrize(
    "key", [k for k in sorted(KNOWN_FAILURES) if not _drawn_by_the_property_test(k)], ids=":".join
)
def test_a_known_failure_still_fails(key: tuple[str, str, str]) -> None:
    """The table can only shrink: an entry that no longer fails must be removed.

    Entries the property test draws are checked there; this replays the others (an argument
    whose kinds changed after a signature change, or every entry under the deep profile).
    """
    name, argument, kind = key
    case = next(((t, p) for t, p in CASES if t.name == name and path_text(p) == argument), None)
    assert case is not None, f"{name}({argument}) no longer exists: remove it from KNOWN_FAILURES"
    outcome = run_case(*case, kind)
    assert not outcome.ok, f"{key} is fixed ({outcome.what}): remove it from KNOWN_FAILURES"


@pytest.mark.parametrize("target", [t for t in targets() if t.name not in UNBUILDABLE], ids=lambda t: t.name)
def test_every_target_builds_and_synthesizes_from_its_recipe(target: Target) -> None:
    """Without a valid baseline every bad-value case would blame the wrong argument."""
    outcome = run_case(target, (), "")
    assert outcome.synthesized, f"{target.name}: {outcome.what}: {outcome.detail}"


def test_discovery_finds_the_public_constructs_and_stacks() -> None:
    names = {t.name for t in targets()}
    stacks = [t for t in targets() if t.is_stack]
    assert stacks, "no public stack found"
    assert len(names) >= 10, sorted(names)
    assert len(CASES) >= 50


def test_the_unbuildable_list_stays_small_and_names_real_targets() -> None:
    assert len(UNBUILDABLE) <= MAX_UNBUILDABLE, "build these generically instead: add recipes"
    names = {t.name for t in targets()}
    assert set(UNBUILDABLE) <= names, set(UNBUILDABLE) - names


def test_every_option_dataclass_is_reached_through_some_argument() -> None:
    """An option dataclass that no argument takes would have its fields go untested."""
    taken = dataclasses_reached() | returned_types()
    missing = [d.__name__ for d in public_dataclasses() if d not in taken]
    assert not missing, f"option dataclasses no construct argument takes: {missing}"
