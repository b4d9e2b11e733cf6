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

Known failures of today's code would be listed once, in `KNOWN_FAILURES` (empty since issue
14's fixes); the table can only shrink: `test_a_known_failure_still_fails` fails as soon as an
entry is fixed, so remove it. A new failure is fixed in the code, not listed.

Profiles (the environment variable `HYPOTHESIS_PROFILE`):

- `unit` (the default): one example per argument, the first of its kinds, on a fixed two
  thirds of the argument paths (`UNIT_SHARE`, chosen by a hash of the case's name); the kinds
  are rotated per argument (deterministically), so the unit suite spreads over every kind
  without trying each one everywhere. After issue 14's fixes: 53 targets, 444 argument paths,
  312 property cases; 71 s of pytest time (65 s of CPU) on a two-core machine at load 6-8.
- `deep`: every kind on every argument path (`HYPOTHESIS_PROFILE=deep pytest
  tests/test_bad_input_property.py`), and every `KNOWN_FAILURES` entry replayed. It explores:
  it reports failures of kinds the unit profile does not draw, which the table does not list.
  Slow: 6,143 cases (every kind on each of the 444 paths); clean after issue 14's fixes, in
  two halves run side by side on that loaded machine: 684 s and 522 s of pytest time (12 min).
"""

from __future__ import annotations

import os
import zlib

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.bad_input_support import (
    BAD_VALUES,
    NoRecipeError,
    Path_,
    Target,
    all_cases,
    baseline_outcome,
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
UNBUILDABLE: dict[str, str] = {
    "StorageClass": "the base of the four StorageClass constructs: its driver type `CsiDriver` renders "
    "no manifest (each driver subclass does); the four subclasses are targets",
    "CsiDriver.add_storage_class": "the base driver has no StorageClass type (`_STORAGE_CLASS`); each "
    "driver subclass's `add_storage_class` is a target",
}
MAX_UNBUILDABLE = 3

# (target, argument path, kind of bad value) -> what happens today. Empty: the last six entries
# (of 139 on the pre-merge code) were fixed in the code, and the deep profile runs clean. It can
# only shrink: a fixed entry fails the tests until it is removed, and a new failure is fixed, not
# listed. Kinds are the keys of `BAD_VALUES`. One line each: target | argument path | kind | what
# happens.
KNOWN_FAILURES: dict[tuple[str, str, str], str] = {
    (t.strip(), a.strip(), k.strip()): what.strip()
    for t, a, k, what in (
        line.split("|", 3)
        for line in """
""".strip().splitlines()
    )
}

CASES = [(t, p) for t, p in all_cases() if t.name not in UNBUILDABLE]

# The unit profile tries a fixed share of the argument paths (chosen by a hash of the case's
# name, so the same ones every run and a new argument lands in or out at random); the deep
# profile tries them all. `KNOWN_FAILURES` entries outside the share are replayed instead.
UNIT_SHARE = (2, 3)


def _in_profile(case: tuple[Target, Path_]) -> bool:
    kept, out_of = UNIT_SHARE
    return PROFILE == "deep" or zlib.crc32(_case_id(case).encode()) % out_of < kept


def _case_id(case: tuple[Target, Path_]) -> str:
    target, path = case
    return f"{target.name}:{path_text(path)}"


def _explain(target: Target, path: Path_, kind: str, what: str, detail: str) -> str:
    return (
        f"{target.name}({path_text(path)}=<{kind}>) gave {what}: {detail}\n"
        "Expected a template or our ValueError/TypeError naming the construct path and the argument."
    )


@pytest.mark.parametrize("case", [c for c in CASES if _in_profile(c)], ids=_case_id)
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
    return PROFILE != "deep" and case is not None and _in_profile(case) and kinds_for(*case)[:1] == [kind]


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
    outcome = baseline_outcome(target)
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
