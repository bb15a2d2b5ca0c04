"""Data health: pipeline runs, the last build's data tests, rows rejected, files quarantined.

Runs come from three places, newest first: the operational store's run history, the
ingest loads recorded in the tenant's bronze database, and the published builds
(snapshot files). Test results are dbt's run_results.json of the tenant's last build.
Bronze is opened read-only only for the moment of the query (an ingest may want to write
it) and the answer is cached until the file changes; when an ingest holds the file, the
last answer (or "unavailable") is shown instead of an error.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
from sqlalchemy.exc import SQLAlchemyError

from revlake.errors import NoPublishedBuild
from revlake.ingest.quarantine import list_quarantine
from revlake.queries.params import PageParams, page_of
from revlake.reader import BuildRegistry, tenant_snapshots_dir
from revlake.schemas.common import (
    CoverageLine,
    FlaggedRecords,
    QuarantinedFile,
    Readiness,
    RejectReason,
    RejectsSummary,
    RunItem,
    RunsPage,
    TestResult,
    TestSummary,
)
from revlake.store.db import Store
from revlake.store.runs import list_runs
from revlake.transform.build import dbt_work_dir
from revlake.transform.snapshots import current_snapshot, list_snapshots
from revlake.workspace import Workspace

T = TypeVar("T")
MAX_FAILING_SHOWN = 50
MAX_REASONS = 50


class FileCache:
    """Answers derived from a file, recomputed when its size or mtime changes."""

    def __init__(self) -> None:
        self._entries: dict[tuple[Path, str], tuple[tuple[int, int], Any]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path, kind: str, compute: Callable[[], T], fallback: T) -> T:
        try:
            stat = path.stat()
        except FileNotFoundError:
            return fallback
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            entry = self._entries.get((path, kind))
        if entry is not None and entry[0] == stamp:
            return entry[1]  # type: ignore[no-any-return]
        try:
            value = compute()
        except duckdb.Error:
            # an ingest holds the file: keep showing what we knew
            return entry[1] if entry is not None else fallback
        with self._lock:
            self._entries[(path, kind)] = (stamp, value)
        return value


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _bronze_rows(bronze: Path, sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        result = con.execute(sql)
        names = [d[0] for d in result.description or ()]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    finally:
        con.close()


def ingest_loads(cache: FileCache, bronze: Path) -> list[RunItem]:
    """Ingest loads recorded in bronze's `_loads` table."""

    def compute() -> list[RunItem]:
        rows = _bronze_rows(
            bronze,
            "select * from main._loads order by started_at desc",
        )
        return [
            RunItem(
                kind="ingest",
                source="ingest",
                status="succeeded" if r["finished_at"] is not None else "running",
                started_at=_utc(r["started_at"]),
                finished_at=_utc(r["finished_at"]),
                detail={
                    "load_id": r["load_id"],
                    "files_seen": r["files_seen"],
                    "files_loaded": r["files_loaded"],
                    "rows_loaded": r["rows_loaded"],
                    "rows_rejected": r["rows_rejected"],
                },
            )
            for r in rows
        ]

    return cache.get(bronze, "loads", compute, [])


def rejects(cache: FileCache, bronze: Path) -> RejectsSummary:
    """Rows rejected at ingest, grouped by layout and reason, with an example of each."""

    def compute() -> RejectsSummary:
        rows = _bronze_rows(
            bronze,
            "select layout, reason, count(*) as n, min(source_file) as example_file, "
            "min(line_number) as example_line from main._rejects "
            "group by layout, reason order by n desc, layout, reason",
        )
        reasons = [
            RejectReason(
                layout=r["layout"],
                reason=str(r["reason"]),
                rows=int(r["n"]),
                example_file=r["example_file"],
                example_line=r["example_line"],
            )
            for r in rows[:MAX_REASONS]
        ]
        total = sum(int(r["n"]) for r in rows)
        return RejectsSummary(available=True, detail=None, total=total, reasons=reasons)

    unavailable = RejectsSummary(
        available=False, detail="no ingest has run for this tenant yet", total=0, reasons=[]
    )
    return cache.get(bronze, "rejects", compute, unavailable)


def quarantined(cache: FileCache, bronze: Path) -> list[QuarantinedFile]:
    """Landing files in quarantine (open), newest first."""

    def compute() -> list[QuarantinedFile]:
        return [
            QuarantinedFile(
                path=r.path,
                reason=r.reason,
                line_number=r.line_number,
                column_name=r.column_name,
                first_seen_at=r.first_seen_at.replace(tzinfo=UTC),
                last_seen_at=r.last_seen_at.replace(tzinfo=UTC),
            )
            for r in list_quarantine(bronze)
        ]

    return cache.get(bronze, "quarantine", compute, [])


def test_results(cache: FileCache, run_results: Path) -> TestSummary:
    """Data and unit tests of the tenant's last dbt build (run_results.json)."""

    def compute() -> TestSummary:
        data = json.loads(run_results.read_text(encoding="utf-8"))
        passed = failed = other = 0
        failing: list[TestResult] = []
        for result in data.get("results", []):
            unique_id = str(result.get("unique_id", ""))
            if not unique_id.startswith(("test.", "unit_test.")):
                continue
            status = str(result.get("status", ""))
            if status == "pass":
                passed += 1
                continue
            if status in {"fail", "error"}:
                failed += 1
            else:
                other += 1
            if len(failing) < MAX_FAILING_SHOWN:
                failing.append(
                    TestResult(
                        name=unique_id.split(".")[-2] if "." in unique_id else unique_id,
                        status=status,
                        failures=result.get("failures"),
                        message=result.get("message"),
                    )
                )
        generated = data.get("metadata", {}).get("generated_at")
        return TestSummary(
            available=True,
            generated_at=datetime.fromisoformat(generated.replace("Z", "+00:00"))
            if isinstance(generated, str)
            else None,
            passed=passed,
            failed=failed,
            other=other,
            failing=failing,
        )

    missing = TestSummary(
        available=False, generated_at=None, passed=0, failed=0, other=0, failing=[]
    )
    try:
        return cache.get(run_results, "tests", compute, missing)
    except (ValueError, OSError):
        return missing


def builds(snapshots_dir: Path, current: Path | None) -> list[RunItem]:
    """Published builds kept in the tenant's snapshots folder."""
    items = []
    for path in reversed(list_snapshots(snapshots_dir)):
        try:
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except FileNotFoundError:  # pruned meanwhile
            continue
        items.append(
            RunItem(
                kind="build",
                source="build",
                status="published",
                started_at=None,
                finished_at=stamp,
                detail={"snapshot": path.stem, "current": path == current},
            )
        )
    return items


def store_runs(store: Store, tenant_id: str, limit: int) -> list[RunItem]:
    """Runs recorded in the operational store (newest first)."""
    try:
        with store.read() as session:
            runs = list_runs(session, tenant_id=tenant_id, limit=limit)
            return [
                RunItem(
                    kind=run.kind,
                    source="store",
                    status=run.status,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    detail={
                        "id": run.number,
                        "snapshot": run.snapshot,
                        "error": run.error,
                        **({"summary": run.summary} if run.summary else {}),
                    },
                )
                for run in runs
            ]
    except SQLAlchemyError:
        return []


def newest_first(groups: Sequence[list[RunItem]]) -> list[RunItem]:
    """All runs merged, newest first (by start, else finish time)."""
    floor = datetime.min.replace(tzinfo=UTC)
    merged = [item for group in groups for item in group]
    return sorted(merged, key=lambda i: i.started_at or i.finished_at or floor, reverse=True)


STORE_RUNS_LIMIT = 500


def readiness(builds: BuildRegistry, tenant: str) -> Readiness:
    """Whether the tenant has a published build, and its age."""
    try:
        with builds.acquire(tenant) as build:
            return Readiness(
                ready=True,
                tenant=tenant,
                snapshot=build.name,
                published_at=build.published_at,
                age_seconds=round(build.age_seconds(), 3),
            )
    except NoPublishedBuild as exc:
        return Readiness(
            ready=False,
            tenant=tenant,
            snapshot=None,
            published_at=None,
            age_seconds=None,
            detail=str(exc),
        )


def build_quality(
    builds: BuildRegistry, tenant: str
) -> tuple[list[CoverageLine], list[FlaggedRecords]]:
    """The published build's coverage report and its flagged records (empty without one)."""
    try:
        with builds.acquire(tenant) as build:
            coverage = (
                build.rows(
                    "select kind, subject, title, rows, sources, message from gold.rpt_coverage "
                    "order by case kind when 'metric' then 0 when 'unread_table' then 1 "
                    "else 2 end, subject"
                )
                if build.has_table("rpt_coverage")
                else []
            )
            flagged = (
                build.rows(
                    "select entity, source_system, reason, invalid_rows, example "
                    "from gold.rpt_data_quality order by invalid_rows desc, entity, reason"
                )
                if build.has_table("rpt_data_quality")
                else []
            )
    except NoPublishedBuild:
        return [], []
    return (
        [
            CoverageLine(
                kind=str(r["kind"]),
                subject=str(r["subject"]),
                title=r["title"],
                rows=r["rows"],
                sources=json.loads(r["sources"]) if r["sources"] else None,
                message=str(r["message"]),
            )
            for r in coverage
        ],
        [
            FlaggedRecords(
                entity=str(r["entity"]),
                source_system=str(r["source_system"]),
                reason=str(r["reason"]),
                records=int(r["invalid_rows"]),
                example=r["example"],
            )
            for r in flagged
        ],
    )


def data_health(
    workspace: Workspace,
    store: Store,
    files: FileCache,
    builds_of: BuildRegistry,
    tenant: str,
    page: PageParams,
    kind: str | None = None,
) -> RunsPage:
    """Everything the data-health page (and GET /runs) shows for `tenant`."""
    snapshots_dir = tenant_snapshots_dir(workspace, tenant)
    bronze = workspace.bronze_path(tenant)
    runs = newest_first(
        [
            store_runs(store, tenant, STORE_RUNS_LIMIT),
            ingest_loads(files, bronze),
            builds(snapshots_dir, current_snapshot(snapshots_dir)),
        ]
    )
    if kind is not None:
        runs = [r for r in runs if r.kind == kind]
    window = runs[page.offset : page.offset + page.limit]
    coverage, flagged = build_quality(builds_of, tenant)
    return RunsPage(
        items=window,
        **page_of([r.model_dump() for r in window], len(runs), page),
        snapshot=readiness(builds_of, tenant),
        tests=test_results(files, dbt_work_dir(workspace, tenant) / "target" / "run_results.json"),
        rejects=rejects(files, bronze),
        quarantined=quarantined(files, bronze),
        coverage=coverage,
        flagged=flagged,
    )
