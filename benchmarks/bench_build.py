"""`revlake build` on synthetic companies: wall time, peak memory, and dbt's overhead.

Run: python -m benchmarks.bench_build [--customers 10000,100000,1000000] [--repeats 3]

For each size the company is generated and ingested once (not timed), then `revlake build`
runs `--repeats` times, each in its own process under /usr/bin/time (so its peak RSS is
its own, not the generating benchmark's: benchmarks/child_peak.py); the median
is printed. Baseline, measured in the same run: the very SQL dbt executed for the models
and data tests of the last build (`compiled_code` of target/run_results.json), replayed
in dependency order straight into DuckDB on an empty file. The share of the build's wall
time not explained by that replay is dbt's overhead (process start, parsing, Jinja,
introspection queries, unit tests, bookkeeping). Writes nothing outside a temporary folder.

Finance models' share (`--areas`, default the finance gold models and the accounting silver
models): after every build, dbt's own node timings (`execution_time` in
target/run_results.json, each node attributed to a folder through target/manifest.json:
models by their file, data and unit tests by the model they test) are summed per folder;
medians of the repeats are printed beside the time of all nodes, with the row counts of
the folders' largest tables in the published snapshot. Node times are summed over dbt's
threads, so their sum can exceed the build's wall time; the share is of the summed time.

Daily runs (`--daily`): the company is cut into daily drops (revlake.demo.drops: all
records before its last day, then that day's billing, bank, FX, CRM, accounting and ad
exports), the first drop ingested and built; then, from a copy of that workspace per
repeat, the day lands and `revlake run` (ingest + incremental build + publish) is timed,
against `revlake build --full` of the same workspace right after it (same run, alternating).
The two published builds' gold tables are compared row by row. Beside it, on a fresh
copy, the day's ingest and a build forced incremental whatever share of the model time
it feeds (`max_incremental_share=1.0`) are timed: what the planner's rule weighs. Each
repeat's copy sits
at the path the first drop was built at, as a user's workspace stays where it is: dbt
keeps its parsed project from one build to the next only while the profile (which names
the build file's path) is unchanged, so a copy elsewhere would pay a full parse (≈ 5 s at
100k customers) that a daily run never does.

Against another project (`--daily --baseline REV`, e.g. `--baseline HEAD~3` or a commit):
the `src` folder of git revision REV is exported to the temporary folder and run through
PYTHONPATH with this virtual environment; the first drop is built once with each project
(each continues only its own builds: the build digest holds the project), and every repeat
measures this checkout and then REV, one after the other, so the two ratios come from the
same run and hour (the machine's speed moves by ±15% within an hour).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.child_peak import run_measured
from revlake.demo import GenerateConfig, generate_company
from revlake.demo.drops import split_daily_drops
from revlake.ingest import run_ingest
from revlake.transform.build import dbt_work_dir
from revlake.transform.spark import compare_gold
from revlake.workspace import Workspace, init_workspace

TENANT = "bench"
DEFAULT_AREAS = "models/marts/finance/,models/staging/accounting/"
TOP_TABLES = 8
MIN_EXTRAPOLATE = 10_000  # smaller sizes measure dbt's per-node cost, not the data


def prepare(root: Path, customers: int, seed: int) -> Workspace:
    """Generate the company and ingest it into a fresh workspace."""
    generated = root / "company"
    generate_company(
        GenerateConfig(customers=customers, seed=seed, out=generated), workers=os.cpu_count() or 1
    )
    workspace = init_workspace(root / "ws", tenants=[TENANT])
    shutil.copytree(generated / "exports", workspace.landing_dir(TENANT), dirs_exist_ok=True)
    summary = run_ingest(workspace, TENANT)
    if summary.exit_code or summary.problems:
        problems = "; ".join(f"{p.path}: {p.message}" for p in summary.problems)
        raise SystemExit(f"ingest of the {customers:,}-customer company failed: {problems}")
    return workspace


def timed_build(
    workspace: Workspace,
    threads: int,
    *,
    full: bool = True,
    command_name: str = "build",
    env: Mapping[str, str] | None = None,
) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of `revlake build` (a full rebuild unless
    `full` is False; `command_name` "run": ingest, then build) in a child process (`env`
    added to its environment: another project's PYTHONPATH, `--baseline`)."""
    command = [sys.executable, "-m", "revlake", command_name, "--workspace", str(workspace.root)]
    if command_name == "build":
        command += ["--threads", str(threads)] + (["--full"] if full else [])
    run = run_measured(command, env)
    return run.wall_s, run.peak_mib, run.exit_code


def replay_engine_only(workspace: Workspace, scratch: Path) -> float:
    """Seconds DuckDB needs for the last build's model and test SQL without dbt."""
    results = json.loads(
        (dbt_work_dir(workspace, TENANT) / "target" / "run_results.json").read_text()
    )["results"]
    models = [r for r in results if r["unique_id"].startswith("model.")]
    tests = [r for r in results if r["unique_id"].startswith("test.")]
    catalog = models[0]["relation_name"].split(".")[0].strip('"')
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / f"{catalog}.duckdb"  # same catalog name as the compiled SQL uses
    target.unlink(missing_ok=True)
    con = duckdb.connect(str(target))
    try:
        bronze = str(workspace.bronze_path(TENANT)).replace("'", "''")
        con.execute(f"attach '{bronze}' as bronze (read_only)")
        con.execute("create schema if not exists silver; create schema if not exists gold")
        started = time.perf_counter()
        for result in models:  # completion order respects dependencies
            con.execute(f"create table {result['relation_name']} as ({result['compiled_code']})")
        for result in tests:
            con.execute(f"select count(*) from ({result['compiled_code']}) as t").fetchone()
        return time.perf_counter() - started
    finally:
        con.close()
        target.unlink(missing_ok=True)


@dataclass(frozen=True)
class AreaTimes:
    """dbt node seconds of one build: all nodes, and per area (folder) models and tests."""

    total_s: float
    models_s: dict[str, float]
    tests_s: dict[str, float]
    models: dict[str, list[tuple[str, str]]]  # area → (schema, table) of its models
    nodes_s: dict[str, float]  # model → seconds of it and its tests ("name *": not in areas)


def _node_area(node: dict[str, Any], nodes: dict[str, dict[str, Any]], areas: list[str]) -> str:
    """The area (folder prefix) a manifest node belongs to, or "" for none.

    Models by their own file; tests by the model they are attached to, else by the models
    they depend on when all of those are in one area (singular tests), else by their file.
    """

    def by_path(path: str) -> str:
        return next((area for area in areas if path.startswith(area)), "")

    if node.get("resource_type") == "model":
        return by_path(str(node.get("original_file_path", "")))
    attached = node.get("attached_node") or node.get("model")
    if isinstance(attached, str) and attached in nodes:
        return by_path(str(nodes[attached].get("original_file_path", "")))
    parents = [n for n in node.get("depends_on", {}).get("nodes", []) if n in nodes]
    found = {by_path(str(nodes[n].get("original_file_path", ""))) for n in parents}
    if len(found) == 1:
        return found.pop()
    return by_path(str(node.get("original_file_path", "")))


def area_times(workspace: Workspace, areas: list[str]) -> AreaTimes:
    """Per-area dbt node seconds of the workspace's last build (see module docstring)."""
    target = dbt_work_dir(workspace, TENANT) / "target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    manifest = json.loads((target / "manifest.json").read_text())
    nodes: dict[str, dict[str, Any]] = {**manifest["nodes"], **manifest.get("unit_tests", {})}
    models_s = dict.fromkeys(areas, 0.0)
    tests_s = dict.fromkeys(areas, 0.0)
    models: dict[str, list[tuple[str, str]]] = {area: [] for area in areas}
    nodes_s: dict[str, float] = {}
    total = 0.0
    for result in results:
        seconds = float(result.get("execution_time") or 0.0)
        total += seconds
        node = nodes.get(result["unique_id"])
        if node is None:
            continue
        is_model = node.get("resource_type") == "model"
        attached = node.get("attached_node") or node.get("model") or ""
        owner = str(node["name"]) if is_model else str(attached).rsplit(".", 1)[-1]
        owner = owner or "(tests of several models)"
        area = _node_area(node, manifest["nodes"], areas)
        shown = owner if area else f"{owner} *"
        nodes_s[shown] = nodes_s.get(shown, 0.0) + seconds
        if not area:
            continue
        if is_model:
            models_s[area] += seconds
            models[area].append((str(node["schema"]), str(node.get("alias") or node["name"])))
        else:
            tests_s[area] += seconds
    return AreaTimes(total, models_s, tests_s, models, nodes_s)


def table_rows(workspace: Workspace, tables: list[tuple[str, str]]) -> list[tuple[str, int]]:
    """Row counts of `tables` in the published snapshot, largest first."""
    current = (workspace.snapshots_dir(TENANT) / "CURRENT").read_text().strip()
    con = duckdb.connect(str(workspace.snapshots_dir(TENANT) / current), read_only=True)
    try:
        counts = []
        for schema, table in tables:
            row = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
            counts.append((f"{schema}.{table}", int(row[0]) if row else 0))
    finally:
        con.close()
    return sorted(counts, key=lambda item: -item[1])


def area_report(
    customers: int, wall: float, runs: list[AreaTimes], areas: list[str], workspace: Workspace
) -> tuple[list[str], dict[str, float]]:
    """Lines reporting one size's per-area figures, and median seconds per area (all nodes
    under "*"), models and tests together."""
    total = statistics.median(r.total_s for r in runs)
    lines = [
        f"{customers:,} customers: dbt node time {total:.1f} s (sum over threads, median of "
        f"{len(runs)}) for a {wall:.1f} s build"
    ]
    medians = {"*": total}
    for area in areas:
        models = statistics.median(r.models_s[area] for r in runs)
        tests = statistics.median(r.tests_s[area] for r in runs)
        medians[area] = models + tests
        share = medians[area] / total if total else 0.0
        count = len(runs[-1].models[area])
        lines.append(
            f"  {area:<28} {count:>2} models {models:6.1f} s + tests {tests:6.1f} s "
            f"= {models + tests:6.1f} s ({share:.1%} of node time)"
        )
    names = {name for r in runs for name in r.nodes_s}
    slowest = sorted(
        ((statistics.median(r.nodes_s.get(n, 0.0) for r in runs), n) for n in names),
        reverse=True,
    )[:TOP_TABLES]
    lines.append(
        "  slowest models of the build (model + its tests, median s, share of node time; "
        "* = outside those folders):"
    )
    for seconds, name in slowest:
        lines.append(f"    {name:<45} {seconds:8.2f} s ({seconds / total:.1%})")
    everything = [table for area in areas for table in runs[-1].models[area]]
    lines.append(f"  largest tables of those folders (of {len(everything)}):")
    for name, rows in table_rows(workspace, everything)[:TOP_TABLES]:
        lines.append(f"    {name:<45} {rows:>12,} rows ({rows / customers:.1f} per customer)")
    return lines, medians


def extrapolate(measured: list[tuple[int, dict[str, float]]], to: int) -> list[str]:
    """Lines with a linear extrapolation to `to` customers through the two largest sizes."""
    (n0, low), (n1, high) = sorted(measured)[-2:]
    if n0 < MIN_EXTRAPOLATE:
        return [f"(no extrapolation to {to:,}: sizes under {MIN_EXTRAPOLATE:,} customers are "
                "dominated by fixed per-node costs)"]  # fmt: skip
    lines = [f"extrapolated to {to:,} customers (linear through {n0:,} and {n1:,}; not measured):"]
    for area, seconds in high.items():
        slope = (seconds - low[area]) / (n1 - n0)
        name = "all nodes" if area == "*" else area
        if slope <= 0:
            lines.append(f"  {name:<28} not extrapolated (time did not grow with size: noise)")
            continue
        estimate = seconds + slope * (to - n1)
        lines.append(f"  {name:<28} ≈ {estimate:7.0f} s ({1000 * slope:.2f} s per 1,000 customers)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", default="10000,100000,1000000")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--daily",
        action="store_true",
        help="time a run after one day of new exports against a full rebuild (see above)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="with --daily: measure the project of this git revision too, alternating (see above)",
    )
    parser.add_argument(
        "--areas",
        default=DEFAULT_AREAS,
        help="comma-separated model folders whose node time and tables are reported ('' to skip)",
    )
    args = parser.parse_args(argv)
    if args.daily:
        return daily_main(args)
    areas = [part.strip() for part in args.areas.split(",") if part.strip()]
    area_lines: list[str] = []
    measured: list[tuple[int, dict[str, float]]] = []
    sizes = [int(part) for part in args.customers.split(",") if part.strip()]
    print(
        f"{'customers':>10} {'build s':>9} {'peak MiB':>9} {'engine-only s':>14} "
        f"{'dbt overhead':>13} {'gold rows':>10}"
    )
    for customers in sizes:
        with tempfile.TemporaryDirectory(prefix="revlake-bench-build-") as tmp:
            root = Path(tmp)
            workspace = prepare(root, customers, args.seed)
            walls, peaks, timings = [], [], []
            for _ in range(args.repeats):
                wall, peak, code = timed_build(workspace, args.threads)
                if code != 0:
                    print(f"revlake build failed (exit {code}) at {customers} customers")
                    return 1
                walls.append(wall)
                peaks.append(peak)
                if areas:
                    timings.append(area_times(workspace, areas))
            engine = statistics.median(
                replay_engine_only(workspace, root / "replay") for _ in range(args.repeats)
            )
            wall = statistics.median(walls)
            current = (workspace.snapshots_dir(TENANT) / "CURRENT").read_text().strip()
            con = duckdb.connect(str(workspace.snapshots_dir(TENANT) / current), read_only=True)
            fct_mrr = con.execute("select count(*) from gold.fct_mrr").fetchone()
            con.close()
            print(
                f"{customers:>10,} {wall:>9.1f} {max(peaks):>9.0f} {engine:>14.1f} "
                f"{1 - engine / wall:>12.0%} {fct_mrr[0] if fct_mrr else 0:>10,}",
                flush=True,
            )
            if areas:
                lines, medians = area_report(customers, wall, timings, areas, workspace)
                area_lines += lines
                measured.append((customers, medians))
    print("(gold rows = rows of gold.fct_mrr; medians of the repeats; overhead = 1 − engine/build)")
    if area_lines:
        print("\nfinance models (dbt node timings of each build, target/run_results.json):")
        print("\n".join(area_lines))
        if len(measured) >= 2 and max(n for n, _ in measured) < 1_000_000:
            print("\n".join(extrapolate(measured, 1_000_000)))
    return 0


def prepare_daily(root: Path, customers: int, seed: int) -> tuple[Workspace, Path]:
    """The company's drops; the first ingested and built. Returns it and the day's drop."""
    generated = root / "company"
    generate_company(
        GenerateConfig(customers=customers, seed=seed, out=generated), workers=os.cpu_count() or 1
    )
    folders = split_daily_drops(generated / "exports", root / "drops", days=1)
    workspace = init_workspace(root / "ws", tenants=[TENANT])
    shutil.copytree(folders[0], workspace.landing_dir(TENANT), dirs_exist_ok=True)
    summary = run_ingest(workspace, TENANT)
    if summary.exit_code or summary.problems:
        raise SystemExit(f"ingest of the {customers:,}-customer company failed")
    wall, peak, code = timed_build(workspace, threads=2)
    if code != 0:
        raise SystemExit(f"the first build failed at {customers:,} customers")
    print(f"  first drop: full build {wall:.1f} s, peak {peak:,.0f} MiB", flush=True)
    return workspace, folders[1]


FORCED_INCREMENTAL_CHILD = """
import sys
from revlake.ingest import run_ingest
from revlake.transform.build import build_tenant
from revlake.workspace import Workspace
workspace = Workspace.open(sys.argv[1])
if run_ingest(workspace, sys.argv[2]).exit_code:
    raise SystemExit(3)
summary = build_tenant(workspace, sys.argv[2], max_incremental_share=1.0)
raise SystemExit(0 if summary.published else 4)
"""
"""Ingest and a build forced incremental whatever share of the model time it feeds."""


def timed_forced_incremental(
    workspace: Workspace, env: Mapping[str, str] | None = None
) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of ingest + an incremental build forced
    past the planner's rule (`max_incremental_share=1.0`), in a child process."""
    run = run_measured(
        [sys.executable, "-c", FORCED_INCREMENTAL_CHILD, str(workspace.root), TENANT], env
    )
    return run.wall_s, run.peak_mib, run.exit_code


def fresh_day(base: Workspace, at: Path, day: Path) -> Workspace:
    """A copy of the first drop's workspace at `at` (where it was built) with the day landed."""
    shutil.rmtree(at, ignore_errors=True)
    workspace = copy_workspace_folder(base, at)
    shutil.copytree(day, workspace.landing_dir(TENANT), dirs_exist_ok=True)
    return workspace


@dataclass
class DailyFigures:
    """What the repeats of one project's daily measurement gave."""

    runs: list[float] = field(default_factory=list)
    forced: list[float] = field(default_factory=list)
    fulls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    run_ratios: list[float] = field(default_factory=list)
    forced_ratios: list[float] = field(default_factory=list)
    run_models: str = ""
    forced_models: str = ""
    equal: bool = True


def baseline_project(revision: str, at: Path) -> dict[str, str]:
    """The environment that runs revlake from the `src` folder of git `revision` (exported
    to `at`) instead of this checkout's; the virtual environment is shared."""
    repository = Path(__file__).resolve().parents[1]
    at.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", revision, "src"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(f"--baseline {revision}: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse links out of `at`
            tar.extractall(at, filter="data")
        else:
            tar.extractall(at)
    env = {"PYTHONPATH": str(at / "src")}
    imported = subprocess.run(
        [sys.executable, "-c", "import revlake; print(revlake.__file__)"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    ).stdout.strip()
    if not imported.startswith(str(at)):  # an installed revlake would shadow it
        raise SystemExit(f"--baseline {revision}: revlake is imported from {imported!r}")
    return env


def measure_day(
    base: Workspace,
    first: Workspace,
    day: Path,
    threads: int,
    figures: DailyFigures,
    env: Mapping[str, str] | None,
) -> str | None:
    """One repeat of the daily measurement with one project (`env`); None or what failed."""
    workspace = fresh_day(base, first.root, day)
    run_s, run_peak, code = timed_build(workspace, threads, command_name="run", env=env)
    if code != 0:
        return f"revlake run failed (exit {code})"
    chosen, figures.run_models = current_snapshot_path(workspace), rebuilt_models(workspace)
    full_s, full_peak, code = timed_build(workspace, threads, env=env)
    if code != 0:
        return f"revlake build --full failed (exit {code})"
    full = first.root.parent / "full.duckdb"
    shutil.move(current_snapshot_path(workspace), full)
    figures.equal = figures.equal and all(c.equal for c in compare_gold(full, chosen))
    workspace = fresh_day(base, first.root, day)
    forced_s, forced_peak, code = timed_forced_incremental(workspace, env)
    if code != 0:
        return f"the forced incremental build failed (exit {code})"
    figures.forced_models = rebuilt_models(workspace)
    incremental = current_snapshot_path(workspace)
    figures.equal = figures.equal and all(c.equal for c in compare_gold(full, incremental))
    figures.runs.append(run_s)
    figures.forced.append(forced_s)
    figures.fulls.append(full_s)
    figures.peaks.append(max(run_peak, full_peak, forced_peak))
    figures.run_ratios.append(run_s / full_s)
    figures.forced_ratios.append(forced_s / full_s)
    full.unlink()
    return None


def daily_main(args: argparse.Namespace) -> int:
    """`--daily`: a run after one day of new exports vs a full rebuild (module docstring)."""
    print(
        f"{'customers':>10} {'project':>9} {'daily run s':>12} {'run models':>11} "
        f"{'forced incr. s':>15} {'incr. models':>13} {'full build s':>13} {'run/full':>9} "
        f"{'incr./full':>11} {'peak MiB':>9} {'gold equal':>11}"
    )
    for customers in (int(p) for p in args.customers.split(",") if p.strip()):
        with tempfile.TemporaryDirectory(prefix="revlake-bench-daily-") as tmp:
            root = Path(tmp)
            first, day = prepare_daily(root, customers, args.seed)
            projects: dict[str, tuple[Workspace, Mapping[str, str] | None]] = {
                "this": (copy_workspace_folder(first, root / "first-drop"), None)
            }
            if args.baseline:
                env = baseline_project(args.baseline, root / "baseline")
                # the first drop built by the baseline's project, at the same path
                shutil.rmtree(first.root)
                workspace = copy_workspace_folder(projects["this"][0], first.root)
                _, _, code = timed_build(workspace, args.threads, env=env)
                if code != 0:
                    print(f"the baseline's first build failed (exit {code}) at {customers}")
                    return 1
                base = copy_workspace_folder(workspace, root / "first-drop-baseline")
                projects[args.baseline] = (base, env)
            figures = {name: DailyFigures() for name in projects}
            for _ in range(args.repeats):
                for name, (base, project_env) in projects.items():  # alternating
                    failed = measure_day(base, first, day, args.threads, figures[name], project_env)
                    if failed:
                        print(f"{name}: {failed} at {customers} customers")
                        return 1
            shutil.rmtree(first.root, ignore_errors=True)
            for name, got in figures.items():
                print(
                    f"{customers:>10,} {name[:9]:>9} {statistics.median(got.runs):>12.1f} "
                    f"{got.run_models:>11} {statistics.median(got.forced):>15.1f} "
                    f"{got.forced_models:>13} {statistics.median(got.fulls):>13.1f} "
                    f"{statistics.median(got.run_ratios):>9.0%} "
                    f"{statistics.median(got.forced_ratios):>11.0%} {max(got.peaks):>9,.0f} "
                    f"{'yes' if got.equal else 'NO':>11}",
                    flush=True,
                )
    print(
        "(medians of the repeats; daily run = `revlake run` (ingest + the build the planner "
        "chose + publish); forced incr. = ingest + an incremental build whatever its share; "
        "ratios = median of each repeat's ratio; models = rebuilt/all; gold equal = both "
        "published builds' gold tables equal the full rebuild's, row by row; project: this "
        "checkout, or the --baseline revision, measured alternately in the same run)"
    )
    return 0


def copy_workspace_folder(source: Workspace, target: Path) -> Workspace:
    shutil.copytree(source.root, target)
    return Workspace.open(target)


def current_snapshot_path(workspace: Workspace) -> Path:
    folder = workspace.snapshots_dir(TENANT)
    return folder / (folder / "CURRENT").read_text().strip()


def rebuilt_models(workspace: Workspace) -> str:
    """ "rebuilt/all" models of the last dbt command (target/run_results.json, manifest)."""
    target = dbt_work_dir(workspace, TENANT) / "target"
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    built = sum(1 for r in results if r["unique_id"].startswith("model."))
    return f"{built}/{sum(1 for n in nodes if n.startswith('model.'))}"


if __name__ == "__main__":
    raise SystemExit(main())
