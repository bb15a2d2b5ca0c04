"""The same dbt models on Spark (local, dbt-spark session) vs DuckDB (the baseline).

Run: python -m benchmarks.bench_spark [--customers N] [--repeats R]. Generates a synthetic
company into a temporary folder, ingests it (revlake.ingest), then times, R times each: `dbt run`
of the whole project on DuckDB (baseline) and on a local Spark session (local[2], two
shuffle partitions), and the row-by-row comparison of every gold table. Prints medians
and the Spark/DuckDB ratio; writes nothing outside the temporary folder.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from revlake.demo.generate import GenerateConfig, generate_company
from revlake.ingest import run_ingest
from revlake.transform import spark as rs
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import PROJECT_DIR
from revlake.transform.runner import invoke_dbt
from revlake.workspace import init_workspace


def _duckdb_run(work: Path, bronze: Path) -> tuple[float, Path]:
    database = work / "lake.duckdb"
    database.unlink(missing_ok=True)
    write_profiles(work / "profiles", duckdb_profile(database, bronze))
    start = time.perf_counter()
    result = invoke_dbt(
        ["run"],
        project_dir=PROJECT_DIR,
        profiles_dir=work / "profiles",
        target_path=work / "target",
        log_path=work / "logs",
        dbt_vars={"reporting_currency": "USD"},
    )
    elapsed = time.perf_counter() - start
    if not result.success:
        raise SystemExit(f"DuckDB run failed: {result.error}")
    return elapsed, database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        work = Path(tmp)
        generate_company(GenerateConfig(customers=args.customers, seed=3, out=work / "synth"))
        workspace = init_workspace(work / "ws", tenants=("bench",))
        shutil.copytree(
            work / "synth" / "exports", workspace.landing_dir("bench"), dirs_exist_ok=True
        )
        run_ingest(workspace, "bench", strict=True)
        bronze = workspace.bronze_path("bench")

        start = time.perf_counter()
        tables = rs.export_bronze_parquet(bronze, work / "parquet")
        session = rs.local_spark_session(work / "warehouse")
        rs.register_bronze(session, work / "parquet", tables)
        startup = time.perf_counter() - start

        duck_times, spark_times, compare_times = [], [], []
        database = work / "lake.duckdb"
        for _ in range(args.repeats):
            elapsed, database = _duckdb_run(work, bronze)
            duck_times.append(elapsed)
            start = time.perf_counter()
            result = rs.run_dbt_on_spark(
                work, command=["run"], dbt_vars={"reporting_currency": "USD"}
            )
            spark_times.append(time.perf_counter() - start)
            if not result.success:
                raise SystemExit("Spark run failed")
            start = time.perf_counter()
            diffs = [c for c in rs.compare_gold(database, session) if not c.equal]
            compare_times.append(time.perf_counter() - start)
            if diffs:
                raise SystemExit("gold differs: " + "; ".join(d.describe() for d in diffs))
        session.stop()
        models = len(result.of_type("model"))
        duck = statistics.median(duck_times)
        spark = statistics.median(spark_times)
        print(
            f"synthetic company: {args.customers} customers, {models} models, {args.repeats} run(s)"
        )
        print(f"spark session start + bronze to parquet: {startup:8.1f} s")
        print(f"dbt run on DuckDB (baseline), median:    {duck:8.1f} s")
        print(
            f"dbt run on Spark local[2], median:       {spark:8.1f} s  ({spark / duck:.1f}x DuckDB)"
        )
        print(f"compare every gold table, median:        {statistics.median(compare_times):8.1f} s")


if __name__ == "__main__":
    main()
