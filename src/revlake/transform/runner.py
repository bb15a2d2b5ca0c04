"""Run dbt in-process (dbtRunner) and turn its results into plain, typed records.

dbt is told every path explicitly (project, profiles, target, logs) so that the shipped
project folder is only read, and anonymous usage tracking and version checks are off
(revlake runs offline).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revlake.errors import RevlakeError
from revlake.transform.parse_cache import (
    REUSES_PARSE,
    cached_manifest,
    parse_key,
    remember_manifest,
)

# Result statuses dbt reports, grouped by what they mean for publication.
_OK_STATUSES = frozenset({"success", "pass"})
_FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
_TEST_TYPES = frozenset({"test", "unit_test"})


@dataclass(frozen=True)
class NodeResult:
    """One model, test or unit test dbt ran (or skipped)."""

    unique_id: str
    name: str
    resource_type: str  # model | test | unit_test | seed | ...
    status: str  # success | pass | fail | warn | error | skipped
    message: str
    failures: int | None
    execution_time_s: float
    compiled_code: str | None = None  # the SQL dbt ran (models and tests it compiled)

    @property
    def is_test(self) -> bool:
        return self.resource_type in _TEST_TYPES

    @property
    def failed(self) -> bool:
        return self.status in _FAILED_STATUSES


@dataclass(frozen=True)
class DbtInvocation:
    """What one dbt command did: overall success, every node's result, any crash."""

    success: bool
    nodes: tuple[NodeResult, ...]
    error: str | None

    def of_type(self, *resource_types: str) -> list[NodeResult]:
        return [n for n in self.nodes if n.resource_type in resource_types]


ProgressCallback = Callable[[str, str], None]
"""Called with (unique_id, status) each time dbt finishes a node."""


def invoke_dbt(
    command: Sequence[str],
    *,
    project_dir: Path,
    profiles_dir: Path,
    target_path: Path,
    log_path: Path,
    dbt_vars: dict[str, Any],
    on_node_finished: ProgressCallback | None = None,
    reuse_parse: bool = True,
) -> DbtInvocation:
    """Run `dbt <command>` in-process and collect its results.

    With `reuse_parse`, a command that runs nodes uses the project as this process last
    parsed it from the same inputs (revlake.transform.parse_cache), parsing it first
    when it has not.
    Raises RevlakeError only when dbt cannot be started at all; failing models or tests
    are reported in the returned DbtInvocation (success False).
    """
    from dbt.cli.main import dbtRunner
    from dbt_common.events.base_types import EventMsg

    os.environ.setdefault("DO_NOT_TRACK", "1")
    options = [
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
        "--vars",
        json.dumps(dbt_vars),
        "--no-send-anonymous-usage-stats",
        "--no-version-check",
        "--no-use-colors",
        # nothing on stdout (the caller prints its own summary); the log file keeps each
        # node's start, result and errors (the SQL dbt ran is in target/run and
        # target/compiled): logging every statement at debug level cost ≈ 15% of a day's
        # build at 100k customers (docs/PERFORMANCE.md)
        "--log-level",
        "none",
        "--log-level-file",
        "info",
    ]
    manifest = None
    if reuse_parse and command and command[0] in REUSES_PARSE:
        manifest = _parsed_project(project_dir, profiles_dir, dbt_vars, options)
    callbacks: list[Callable[[EventMsg], None]] = []
    if on_node_finished is not None:
        callback = on_node_finished

        def _on_event(event: EventMsg) -> None:
            if event.info.name == "NodeFinished":
                node_info = event.data.node_info
                callback(node_info.unique_id, node_info.node_status)

        callbacks.append(_on_event)
    try:
        result = dbtRunner(manifest=manifest, callbacks=callbacks).invoke([*command, *options])
    finally:
        release_duckdb()
    nodes = tuple(_node_results(result.result))
    error = None
    if result.exception is not None:
        error = f"{type(result.exception).__name__}: {result.exception}"
    elif not result.success and not nodes:
        error = f"dbt {' '.join(command)} failed before running any node (see {log_path})"
    return DbtInvocation(success=bool(result.success), nodes=nodes, error=error)


def _parsed_project(
    project_dir: Path, profiles_dir: Path, dbt_vars: dict[str, Any], options: list[str]
) -> Any | None:
    """The project parsed from these inputs: kept from earlier, or parsed now and kept.

    None when the parse fails; the command then parses again itself and reports why.
    """
    from dbt.cli.main import dbtRunner

    key = parse_key(project_dir, profiles_dir, dbt_vars)
    manifest = cached_manifest(key)
    if manifest is not None:
        return manifest
    try:
        # no manifest.json: the command that runs next writes it once it has run (with the
        # compiled SQL), and writing it twice cost ≈ 1 s at 132 models
        parsed = dbtRunner().invoke(["parse", "--no-write-json", *options])
    finally:
        release_duckdb()
    if not parsed.success or parsed.result is None:
        return None
    remember_manifest(key, parsed.result)
    return parsed.result


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a command.

    dbt-duckdb caches one DuckDB instance per process; until it is closed the snapshot
    file cannot be reopened (read-only) for the summary or deleted cleanly.
    """
    import sys

    module = sys.modules.get("dbt.adapters.duckdb.connections")
    manager = getattr(module, "DuckDBConnectionManager", None) if module else None
    if manager is None:
        return
    env = getattr(manager, "_ENV", None)
    if env is not None:
        env.close()
    manager.close_all_connections()


def _node_results(execution: object) -> list[NodeResult]:
    results = getattr(execution, "results", None)
    if not isinstance(results, list):
        return []
    out = []
    for item in results:
        node = item.node
        failures = getattr(item, "failures", None)
        out.append(
            NodeResult(
                unique_id=str(node.unique_id),
                name=str(node.name),
                resource_type=str(node.resource_type),
                status=str(item.status),
                message=str(item.message or ""),
                failures=int(failures) if failures is not None else None,
                execution_time_s=float(item.execution_time or 0.0),
                compiled_code=getattr(node, "compiled_code", None),
            )
        )
    return out


def require_started(invocation: DbtInvocation, what: str) -> None:
    """Raise when dbt crashed (as opposed to running and reporting failures)."""
    if invocation.error is not None and not invocation.nodes:
        raise RevlakeError(f"{what}: {invocation.error}")
