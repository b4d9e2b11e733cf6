"""Benchmark: synthesis speed, test-suite speed and template economy.

Run with ``make bench`` (after set-up). Prints a table and writes
``docs/performance.md``. Every figure comes from this one run on this one
machine; the floor (an empty CDK app) is measured in the same run, so the
ratios compare like with like.

Usage:
    python scripts/bench.py [--runs 5] [--output docs/performance.md] [--skip-tests]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NODE_BIN = REPO / "node_modules" / ".bin"
PYTHON = sys.executable

#: CloudFormation quotas a template is measured against.
LIMIT_RESOURCES = 500
LIMIT_TEMPLATE_BYTES = 1_000_000  # 1 MB template body in S3
LIMIT_OUTPUTS = 200
LIMIT_PARAMETERS = 200

EMPTY_APP = """
from aws_cdk import App, CfnOutput, Stack
app = App()
stack = Stack(app, "Floor")
CfnOutput(stack, "Out", value="floor")
app.synth()
"""

ONE_STACK_APP = """
import sys
from aws_cdk import App
from cdk_containers.example_app import build_example_app
from cdk_containers.testing import cdk_json_context
app = App(context=cdk_json_context("cdk.json"))
build_example_app(app, only=[sys.argv[1]])
app.synth()
"""

#: app.py with the one context key it cannot take from the command line when run directly: every
#: example stack, AppRunnerStack included (`cdk synth -c app_runner=true`).
EVERY_STACK_APP = """
from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks
from cdk_containers.example_app import build_example_app
from cdk_containers.testing import cli_context
app = App(context={**cli_context(), "app_runner": "true"})
build_example_app(app)
Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
"""

#: What the issue asks for: at most this many Lambda functions per stack.
LAMBDA_BUDGET = {"EksClusterStack": 2, "NetworkStack": 1}


def _env(outdir: Path | None = None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PATH"] = f"{NODE_BIN}{os.pathsep}{Path(PYTHON).parent}{os.pathsep}{env.get('PATH', '')}"
    if outdir is not None:
        env["CDK_OUTDIR"] = str(outdir)
    return env


#: Python's default, bytecode caches written: an empty PYTHONDONTWRITEBYTECODE is unset.
WRITE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}

#: (wall-clock seconds, CPU seconds): CPU is user + system time of the command and every process
#: it started and waited for (Python and its Node.js child, pytest and its workers).
Timing = tuple[float, float]


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(cmd: Sequence[str], *, outdir: Path | None = None, extra: dict[str, str] | None = None) -> Timing:
    cpu = _cpu_of_children()
    start = time.perf_counter()
    subprocess.run(
        cmd, cwd=REPO, env=_env(outdir, extra), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    return time.perf_counter() - start, _cpu_of_children() - cpu


def _medians(timings: list[Timing]) -> Timing:
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def _median(cmd: Sequence[str], runs: int, extra: dict[str, str] | None = None) -> Timing:
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            times.append(_time(cmd, outdir=Path(tmp), extra=extra))
    return _medians(times)


#: Runs a command and prints the peak resident set size (KiB) of the largest process it started
#: (Python or its Node.js child): RUSAGE_CHILDREN of a process that ran nothing else.
PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _peak_rss_mib(cmd: Sequence[str], extra: dict[str, str] | None = None) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-rss-") as tmp:
        result = subprocess.run(
            [PYTHON, "-c", PEAK_RSS, *cmd],
            cwd=REPO,
            env=_env(Path(tmp), extra),
            check=True,
            capture_output=True,
            text=True,
        )
    return int(result.stdout.split()[-1]) / 1024


@dataclass(frozen=True)
class Economy:
    stack: str
    resources: int
    template_bytes: int
    lambdas: int
    custom_resources: int
    nested_stacks: int
    outputs: int
    parameters: int
    assets: int
    asset_bytes: int

    @property
    def worst_limit_share(self) -> float:
        return max(
            self.resources / LIMIT_RESOURCES,
            self.template_bytes / LIMIT_TEMPLATE_BYTES,
            self.outputs / LIMIT_OUTPUTS,
            self.parameters / LIMIT_PARAMETERS,
        )


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _economy(outdir: Path) -> list[Economy]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    rows = []
    for artifact in manifest["artifacts"].values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        name = artifact.get("displayName", "?")
        template_file = outdir / artifact["properties"]["templateFile"]
        template = json.loads(template_file.read_text())
        types = [r["Type"] for r in template.get("Resources", {}).values()]
        assets_file = outdir / f"{template_file.name.removesuffix('.template.json')}.assets.json"
        asset_paths: list[Path] = []
        if assets_file.exists():
            assets = json.loads(assets_file.read_text())
            for entry in list(assets.get("files", {}).values()) + list(
                assets.get("dockerImages", {}).values()
            ):
                source = entry.get("source", {})
                path = source.get("path") or source.get("directory")
                if path and not str(path).endswith(".template.json"):
                    asset_paths.append(outdir / path)
        rows.append(
            Economy(
                stack=name,
                resources=len(types),
                template_bytes=template_file.stat().st_size,
                lambdas=sum(t == "AWS::Lambda::Function" for t in types),
                custom_resources=sum(
                    t.startswith("Custom::") or t == "AWS::CloudFormation::CustomResource" for t in types
                ),
                nested_stacks=sum(t == "AWS::CloudFormation::Stack" for t in types),
                outputs=len(template.get("Outputs", {})),
                parameters=len(template.get("Parameters", {})),
                assets=len(asset_paths),
                asset_bytes=sum(_size(p) for p in asset_paths if p.exists()),
            )
        )
    return sorted(rows, key=lambda r: r.stack)


def _stack_names() -> list[str]:
    code = (
        "from aws_cdk import App\n"
        "from cdk_containers.example_app import build_example_app\n"
        "print(' '.join(sorted(build_example_app(App(context={'app_runner': 'true'})))))\n"
    )
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=REPO, env=_env(), check=True, capture_output=True, text=True
    )
    return result.stdout.split()


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    node = subprocess.run(
        [str(NODE_BIN / "node"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}, "
        f"Node.js {node}, {platform.system()} {platform.release()}; load average {load} at the end"
    )


def _fmt_ratio(timing: Timing, floor: Timing, suffix: str = "") -> str:
    (wall, cpu), (floor_wall, floor_cpu) = timing, floor
    return f"{wall:.2f} s | {wall / floor_wall:.2f}x{suffix} | {cpu:.2f} s | {cpu / floor_cpu:.2f}x{suffix}"


def _ratios(timing: Timing, floor: Timing) -> tuple[float, float]:
    return timing[0] / floor[0], timing[1] / floor[1]


#: What the figures mean and where the time goes; the measurements behind each claim are named.
PROSE = [
    "`python app.py` builds the default app: every example stack that any account can deploy",
    "(`AppRunnerStack` joins with `-c app_runner=true`, since App Runner takes no new customers);",
    "the *every example stack* rows build all five, as the tests do.",
    "",
    "aws-cdk-lib's built-in CloudFormation validation (`@aws/cloudformation-validate`, WebAssembly)",
    "runs over every template at synthesis. Profiled with Node's `--cpu-prof`, its cost is mostly",
    "fixed: building the engine takes about 1.5 s in every app, the floor included; the first",
    "template holding an `AWS::AppRunner::Service` adds about 1.2 s (the engine prepares that type",
    "on first use, and validates the next such template in 20 ms); each other template costs",
    "10-140 ms (EksClusterStack, 112 KB, the most). Rows marked *(own)* compare runs with",
    "`CDK_VALIDATION=false` against the floor with it off too (the jsii bridge alone), so every",
    "ratio compares like with like. The validation stays on by default: with",
    "`@aws-cdk/core:validateAgainstDefaultRules` (a recommended flag, set in `cdk.json`) its findings",
    "fail synthesis, which catches invalid templates before a deploy. `CDK_VALIDATION=false make",
    "synth` is the CDK's own opt-out for a faster inner loop; `make test` still runs it and",
    "cfn-lint on every example template.",
    "",
    "Where our own time goes (`python -X importtime`, cProfile, Node's `--cpu-prof`, and a count",
    "of jsii requests by the line of ours that sends them): importing aws-cdk-lib's generated",
    "modules (`aws_ec2`, `aws_eks_v2`, `aws_lambda`, `aws_ecs`, `aws_autoscaling`, `aws_fsx`,",
    "`aws_efs` and `aws_elasticloadbalancingv2` take 0.13-0.2 s each alone, about 0.5 s together on",
    "top of the floor's `aws_cdk`; our own modules 0.2 s more, cdk-nag's bindings 0.25 s),",
    "Node.js compiling the JavaScript of the same modules (about 0.5 s;",
    "its compile cache cannot help, as jsii loads them from a fresh temporary directory each run),",
    "the jsii requests that build the constructs (about 0.7 ms each, a tenth of it Python's runtime",
    "type checks) and, in `app.synth()`, cdk-nag's AwsSolutions pack (about 0.3 s) and writing the",
    "assembly. The package imports a construct family (`ecr`, `eks`, `storage`, `app_runner`,",
    "`express`) and an example stack's module only when first used, so an app using one family pays",
    "for that one (the two import rows). The two kubectl layer zips (about 60 MB) are fingerprinted",
    "and copied into `cdk.out` once per synthesis by aws-cdk-lib, a small share. Asset staging stays",
    "on: the layer files live in jsii's extraction directory, so turning staging off",
    "(`aws:cdk:disable-asset-staging`) would leave the cloud assembly pointing at files outside it.",
    "",
    'The unit suite (`make unit`: `pytest -m "not integration"` on two pytest-xdist workers) is',
    "the everyday run. Each worker takes a group of tests at a time: a module, or all the modules",
    "that share one session synthesis (the example app, the delivery app), so each synthesis is",
    "built by one worker; the bad-input property test is split in four by the construct a case",
    "builds. Its time, from `pytest --durations=0` in one process (about 137 s of test time): the",
    "delivery app with every compliance pack about 38 s (the Control Tower controls half of it:",
    "cfn-guard 3.1.1 runs 237 rules over 22 templates, 3.9 s for one EKS template alone), the",
    "property test about 38 s (312 cases and their baselines, each a fresh app; a storage case",
    "builds a cluster and its kubectl handler), the example app's syntheses about 16 s, cfn-lint",
    "about 15 s over the example, delivery and docs templates, and collecting, mostly imports,",
    "about 3 s per worker. Python caches the test modules, their asserts rewritten by pytest, in",
    "`__pycache__` after the first run; a machine that sets `PYTHONDONTWRITEBYTECODE` redoes that",
    "in every worker of every run (about 3 s more each), so these rows run with Python's default",
    "after one collection that writes the caches. The row after it is the same suite in one",
    "process, measured in the same run.",
    "The full suite (one process) adds the integration tests: the consumer path builds the wheel,",
    "installs it in a fresh virtual environment and starts one synthesis, one mypy and one pytest",
    "run there; the toolchain tests start the CDK CLI and compare `cdk synth` with `python app.py`",
    "byte for byte.",
]


def _speed_target(label: str, ratios: tuple[float, float], limit: float) -> tuple[str, bool, str]:
    """Met only when both the wall-clock and the CPU ratio are within the limit."""
    wall, cpu = ratios
    return label, wall <= limit and cpu <= limit, f"{wall:.2f}x wall, {cpu:.2f}x CPU"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per synthesis figure (median)")
    parser.add_argument("--output", type=Path, default=REPO / "docs" / "performance.md")
    parser.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    args = parser.parse_args(argv)
    if not (NODE_BIN / "cdk").exists():
        print("run `make setup` first: the pinned Node.js and CDK CLI are missing", file=sys.stderr)
        return 2

    # Bytecode for this package, as pip writes it when it installs the wheel: a machine that
    # sets PYTHONDONTWRITEBYTECODE would otherwise compile every module of it on every run.
    subprocess.run([PYTHON, "-m", "compileall", "-q", str(REPO / "cdk_containers")], check=True)

    rows: list[tuple[str, str]] = []

    def report(label: str, value: str) -> None:
        rows.append((label, value))
        print(f"{label:<48} {value}", flush=True)

    no_validation = {"CDK_VALIDATION": "false"}
    floor = _median([PYTHON, "-c", EMPTY_APP], args.runs)
    report("floor: empty app (1 stack, 1 output)", _fmt_ratio(floor, floor))
    bare_floor = _median([PYTHON, "-c", EMPTY_APP], args.runs, extra=no_validation)
    report(
        "floor, CDK_VALIDATION=false (the jsii bridge alone)", _fmt_ratio(bare_floor, bare_floor, " (own)")
    )
    every_family = "import aws_cdk, cdk_containers.constructs as c; [getattr(c, n) for n in c.__all__]"
    imports = _median([PYTHON, "-c", every_family], args.runs)
    report("import aws_cdk and every construct family", _fmt_ratio(imports, floor))
    ecr_only = _median([PYTHON, "-c", "from cdk_containers.constructs import ContainerRepository"], args.runs)
    report("import aws_cdk and the ECR family only", _fmt_ratio(ecr_only, floor))
    for name in _stack_names():
        seconds = _median([PYTHON, "-c", ONE_STACK_APP, name], args.runs)
        report(f"{name} alone (with its dependencies)", _fmt_ratio(seconds, floor))
    app_py = _median([PYTHON, "app.py"], args.runs)
    report("whole app: python app.py (nag on)", _fmt_ratio(app_py, floor))
    # aws-cdk-lib's built-in CloudFormation validation (WebAssembly) is most of the
    # difference to the floor; CDK_VALIDATION=false is its documented opt-out.
    unvalidated = _median([PYTHON, "app.py"], args.runs, extra=no_validation)
    report("whole app: python app.py, CDK_VALIDATION=false", _fmt_ratio(unvalidated, bare_floor, " (own)"))
    every = _median([PYTHON, "-c", EVERY_STACK_APP], args.runs)
    report("every example stack (app.py, app_runner=true)", _fmt_ratio(every, floor))
    every_unvalidated = _median([PYTHON, "-c", EVERY_STACK_APP], args.runs, extra=no_validation)
    report(
        "every example stack, CDK_VALIDATION=false",
        _fmt_ratio(every_unvalidated, bare_floor, " (own)"),
    )
    cli_cmd = [str(NODE_BIN / "cdk"), "synth", "--quiet"]

    def cli_median(extra: dict[str, str] | None = None) -> Timing:
        times = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
                times.append(_time([*cli_cmd, "--output", tmp], extra=extra))
        return _medians(times)

    cli = cli_median()
    report("whole app: cdk synth (pinned CLI)", _fmt_ratio(cli, floor))
    cli_unvalidated = cli_median(no_validation)
    report("whole app: cdk synth, CDK_VALIDATION=false", _fmt_ratio(cli_unvalidated, bare_floor, " (own)"))
    peak = _peak_rss_mib([PYTHON, "app.py"])
    report("peak memory of python app.py (largest process)", f"{peak:.0f} MiB | - | - | -")

    unit: Timing | None = None
    suite: Timing | None = None
    if not args.skip_tests:
        pytest_cmd = [PYTHON, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        # exactly what `make unit` runs (two pytest-xdist workers), and the same in one process
        make_unit = ["make", "--no-print-directory", "-s", "unit", "PYTEST_ARGS=-q -p no:cacheprovider"]
        try:
            # As a contributor's second run finds them: the test modules compiled and their asserts
            # rewritten, cached in __pycache__ by an earlier run (Python's default), even where this
            # machine sets PYTHONDONTWRITEBYTECODE (then every worker rewrites them, about 3 s each).
            # (syrupy counts every snapshot as unused when nothing runs: a warning, not a failure)
            _time([*pytest_cmd, "--collect-only", "--snapshot-warn-unused"], extra=WRITE_BYTECODE)
            unit = _time(make_unit, extra=WRITE_BYTECODE)
            report("unit suite: make unit (pytest -m 'not integration', 2 workers)", _fmt_ratio(unit, floor))
            one_process = _time([*make_unit, "UNIT_WORKERS=0"], extra=WRITE_BYTECODE)
            report("unit suite in one process: make unit UNIT_WORKERS=0", _fmt_ratio(one_process, floor))
            suite = _time(pytest_cmd, extra=WRITE_BYTECODE)
            report("full suite: pytest (integration tests too)", _fmt_ratio(suite, floor))
        except subprocess.CalledProcessError:
            print("the test suite fails: a failing suite has no meaningful time (run make test)")
            return 1

    outdir = Path(tempfile.mkdtemp(prefix="bench-economy-"))
    try:
        _time([PYTHON, "-c", EVERY_STACK_APP], outdir=outdir)  # every stack, AppRunnerStack too
        economy = _economy(outdir)
    finally:
        shutil.rmtree(outdir, ignore_errors=True)

    header = (
        f"{'stack':<20} {'res':>4} {'bytes':>8} {'λ':>2} {'custom':>6} {'nested':>6} "
        f"{'assets':>6} {'asset MB':>8} {'limit %':>7}"
    )
    print("\n" + header)
    for e in economy:
        print(
            f"{e.stack:<20} {e.resources:>4} {e.template_bytes:>8} {e.lambdas:>2} {e.custom_resources:>6} "
            f"{e.nested_stacks:>6} {e.assets:>6} {e.asset_bytes / 1e6:>8.1f} {e.worst_limit_share:>7.1%}"
        )

    targets = [
        _speed_target(
            "our own overhead: python app.py, CDK_VALIDATION=false in both <= 2.5x floor",
            _ratios(unvalidated, bare_floor),
            2.5,
        ),
        _speed_target(
            "what users see: python app.py, validation on <= 2.5x floor", _ratios(app_py, floor), 2.5
        ),
    ]
    if unit is not None:
        # judged on wall-clock time: running on both cores is the point of the workers
        wall, cpu = _ratios(unit, floor)
        targets.append(("unit suite <= 8x floor (wall clock)", wall <= 8.0, f"{wall:.2f}x (CPU {cpu:.2f}x)"))
    for e in economy:
        budget = LAMBDA_BUDGET.get(e.stack, 0)
        targets.append((f"{e.stack}: Lambda functions <= {budget}", e.lambdas <= budget, str(e.lambdas)))
        targets.append(
            (
                f"{e.stack}: <= 40% of every CloudFormation limit",
                e.worst_limit_share <= 0.4,
                f"{e.worst_limit_share:.1%}",
            )
        )
    print()
    for label, ok, value in targets:
        print(f"{'met ' if ok else 'MISS'} {label}: {value}")

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Performance",
        "",
        "Generated by `make bench` (`scripts/bench.py`); do not edit by hand.",
        "",
        f"Measured {now} on {_machine()}; median of {args.runs} runs per synthesis figure.",
        "",
        "The floor is an empty CDK app (one stack, one output) synthesized by the same Python and",
        "Node.js: the fixed cost of starting the jsii bridge. Ratios are to the floor of the same run.",
        "Each figure is given twice: wall-clock seconds, and CPU seconds (user + system time of the",
        "command and every process it started: Python, its Node.js child, pytest's workers). On a",
        "machine shared with other work the wall clock moves with their load from one run to the",
        "next, the CPU time hardly; a speed target counts as met only when both ratios meet it (the",
        "unit suite's on the wall clock alone, since using both cores is what its workers are for).",
        "",
        "## Speed",
        "",
        *PROSE,
        "",
        "| what | seconds | ratio to floor | CPU seconds | CPU ratio to floor |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[f"| {label} | {value} |" for label, value in rows],
        "",
        "## Template economy",
        "",
        "Share of limit is the largest of: resources / 500, template bytes / 1 MB, outputs / 200,",
        "parameters / 200.",
        "",
        "| stack | resources | template bytes | Lambda functions | custom resources | nested stacks "
        "| assets | asset MB | share of limit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {e.stack} | {e.resources} | {e.template_bytes} | {e.lambdas} | {e.custom_resources} "
            f"| {e.nested_stacks} | {e.assets} | {e.asset_bytes / 1e6:.1f} | {e.worst_limit_share:.1%} |"
            for e in economy
        ],
        "",
        "## Targets",
        "",
        "| target | result | met |",
        "| --- | --- | --- |",
        *[f"| {label} | {value} | {'yes' if ok else '**no**'} |" for label, ok, value in targets],
        "",
    ]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(f"\nwrote {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
