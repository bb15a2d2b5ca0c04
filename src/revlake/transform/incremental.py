"""Incremental builds: rebuild only the models that what landed since the last build feeds.

Every build records in its snapshot (schema `revlake_build`) what it was built from: a
digest of everything besides bronze that decides its result (the dbt project's files, the
dbt and adapter versions, every dbt var: settings, the data contract's mappings, the formats
ingest detected), the rows each bronze load put in each bronze table, and which bronze tables
each model's compiled SQL reads. Bronze is append-only (a corrected or late file is a new
load), so comparing the recorded loads with bronze's tells exactly which tables changed.

The next build then chooses (`plan_build`, the rules in docs/TRANSFORM.md "Incremental
builds"): a full rebuild when it cannot prove a partial one equal to it; nothing when no
bronze table gained a load; otherwise the models that read a changed table and everything
downstream of them, with their tests, rebuilt on a copy of the published build. What is not
rebuilt was built from the same inputs, so the published result equals a full rebuild
(tests/transform/test_incremental_build.py compares every silver and gold table).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import duckdb

from revlake.ingest.sql import literal
from revlake.transform import snapshots
from revlake.transform.catalog import schema_tables
from revlake.transform.parse_cache import project_digest
from revlake.transform.runner import NodeResult

MAX_INCREMENTAL_SHARE = 0.75
"""An incremental build whose models are expected to take more than this share of the last
build's model time is done as a full build. Measured at 100k customers (docs/PERFORMANCE.md,
"Partitioned facts at 100k"): a day of exports expected at 51% of the model time took 61%
of a full build's wall time, ingest and publish included (median of 3); the fixed part
(ingest, the copy, dbt's start, publishing) is ≈ 17% of a full build, so the two meet near
95%. The margin is for the days the copy outgrows its compact size and is rewritten
(`COMPACT_GROWTH`, ≈ 12 s at 100k). (Before the facts were partitioned, dbt parsed the
project again in every copied workspace and every daily copy was rewritten: 70 models
rebuilt on a copy took 1.8× a full build.)"""

KEYED_FLOOR = 0.15
"""The least share of its whole build's time a keyed staging model is expected to take in
an incremental build (the semi-join over its bronze keys and dbt's own work do not shrink
with the rows: measured 5.1 s against 35.8 s for seven models and one day of exports at
100k customers, 14%; docs/PERFORMANCE.md)."""

PARTITIONED_FLOOR = 0.4
"""The least share of its whole build's time a partitioned fact (macros/partitioned.sql) is
expected to take in an incremental build: it hashes all its inputs again to find the changed
partitions (measured at 100k customers with one day of exports, 1.2% of the partitions:
13–52% per fact, 29% for the eight together; docs/PERFORMANCE.md)."""

INCREMENTAL_EXCLUDES = ("--exclude-resource-type", "unit_test")
"""What an incremental build leaves out of `dbt build`: dbt's unit tests check the models'
SQL on fixed rows, not the data, and an incremental build runs the very project, dbt
version and vars (the digest) whose build already passed them (13 unit tests, 3.7 s of
node time in a day's build at 100k customers)."""

STATE_SCHEMA = "revlake_build"
"""Schema of a snapshot that holds its build state (not a dbt model; never served)."""
PARTITIONS_SCHEMA = "revlake_partitions"
"""Schema of a build that holds the partitioned facts' input hashes (macros/partitioned.sql),
kept from one build to the next; never served."""
_STATE_TABLE = f"{STATE_SCHEMA}.state"
_FORMATS_TABLE = "_column_formats"
_NEW_LOADS_TABLE = f"{STATE_SCHEMA}.new_loads"

BronzeLoads = dict[str, dict[str, int]]
"""Bronze table → {load id → rows that load added} (format records count as rows)."""


class BuildMode(StrEnum):
    FULL = "full"
    INCREMENTAL = "incremental"
    UP_TO_DATE = "up to date"


@dataclass(frozen=True)
class BuildState:
    """What a published build was built from (see the module docstring)."""

    inputs_digest: str
    bronze: BronzeLoads
    reads: dict[str, tuple[str, ...]]  # model name → bronze tables its SQL reads
    relations: tuple[str, ...] = ()  # "schema.name" of every model's relation
    compact_bytes: int = 0  # the file's size when last written whole (full build, compaction)
    seconds: dict[str, float] = field(default_factory=dict)  # model → its last build's time

    def to_json(self) -> str:
        return json.dumps(
            {
                "inputs_digest": self.inputs_digest,
                "bronze": self.bronze,
                "reads": {k: list(v) for k, v in self.reads.items()},
                "relations": list(self.relations),
                "compact_bytes": self.compact_bytes,
                "seconds": self.seconds,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> BuildState:
        data = json.loads(text)
        bronze = data["bronze"]
        return cls(
            inputs_digest=str(data["inputs_digest"]),
            bronze={t: {k: int(n) for k, n in loads.items()} for t, loads in bronze.items()},
            reads={k: tuple(v) for k, v in data["reads"].items()},
            relations=tuple(data.get("relations", ())),
            compact_bytes=int(data.get("compact_bytes", 0)),
            seconds={k: float(v) for k, v in data.get("seconds", {}).items()},
        )


@dataclass(frozen=True)
class BuildPlan:
    """What a build will do and why, in words a user can check."""

    mode: BuildMode
    reason: str
    changed_tables: tuple[str, ...] = ()
    roots: tuple[str, ...] = field(default=())  # models reading a changed table

    @property
    def selection(self) -> str | None:
        """The dbt selection of an incremental build: each root and its descendants."""
        if self.mode is not BuildMode.INCREMENTAL:
            return None
        return " ".join(f"{name}+" for name in self.roots)


def inputs_digest(project_dir: Path, dbt_vars: Mapping[str, Any]) -> str:
    """Digest of everything besides bronze that decides a build's result."""
    digest = hashlib.sha256(project_digest(project_dir).encode())
    digest.update(json.dumps(dbt_vars, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def bronze_loads(bronze: Path) -> BronzeLoads:
    """Rows per load of every bronze table, with its column-format records folded in."""
    con = duckdb.connect(str(bronze), read_only=True)
    try:
        tables = schema_tables(con, "main")
        loads: BronzeLoads = {}
        for table in (t for t in tables if not t.startswith("_")):
            rows = con.execute(
                f'select _load_id, count(*) from main."{table}" group by _load_id'
            ).fetchall()
            loads[table] = {str(load): int(n) for load, n in rows}
        if _FORMATS_TABLE in tables:
            for table, load, n in con.execute(
                f"select table_name, load_id, count(*) from main.{_FORMATS_TABLE} "
                "group by table_name, load_id"
            ).fetchall():
                if str(table) in loads:
                    loads[str(table)][f"formats:{load}"] = int(n)
        return loads
    finally:
        con.close()


def model_reads(
    nodes: Iterable[NodeResult], *, bronze_database: str | None, bronze_schema: str
) -> dict[str, tuple[str, ...]]:
    """Bronze tables each model's compiled SQL reads (models dbt compiled in this run).

    Without `bronze_database` (Spark: bronze is a database of the catalog, no catalog
    name) `bronze_schema`.table alone is matched; names may be quoted with " or `."""
    quoted = r'["`]?'
    prefix = "" if bronze_database is None else rf"{quoted}{re.escape(bronze_database)}{quoted}\."
    pattern = re.compile(
        rf"{prefix}{quoted}{re.escape(bronze_schema)}{quoted}\.{quoted}(\w+){quoted}",
        re.IGNORECASE,
    )
    reads: dict[str, tuple[str, ...]] = {}
    for node in nodes:
        if node.resource_type == "model" and node.compiled_code is not None:
            tables = {t for t in pattern.findall(node.compiled_code) if t != _FORMATS_TABLE}
            reads[node.name] = tuple(sorted(tables))
    return reads


def state_of_build(
    build: Path,
    *,
    digest: str,
    bronze: BronzeLoads,
    nodes: Iterable[NodeResult],
    dbt_vars: Mapping[str, Any],
    previous: BuildState | None,
    schemas: Iterable[str],
    keyed: frozenset[str] = frozenset(),
) -> BuildState:
    """The state a green build records: `previous`'s model reads (an incremental build's
    starting point) updated with those of the models this build compiled."""
    nodes = list(nodes)
    reads = dict(previous.reads) if previous is not None else {}
    database = dbt_vars.get("bronze_database", "bronze")
    reads.update(
        model_reads(
            nodes,
            bronze_database=None if database is None else str(database),
            bronze_schema=str(dbt_vars.get("bronze_schema", "main")),
        )
    )
    seconds = dict(previous.seconds) if previous is not None else {}
    # a keyed model rebuilt from new loads keeps its whole build's time (expected_seconds
    # scales that by the rows the next loads add)
    partial = keyed if previous is not None else frozenset()
    seconds.update(
        {
            n.name: n.execution_time_s
            for n in nodes
            if n.resource_type == "model" and not (n.name in partial and n.name in seconds)
        }
    )
    return BuildState(
        inputs_digest=digest,
        bronze=bronze,
        reads=reads,
        relations=tuple(model_relations(build, schemas)),
        seconds=seconds,
    )


def plan_build(
    previous: BuildState | None,
    *,
    digest: str,
    bronze: BronzeLoads,
    full: bool = False,
    downstream: Callable[[tuple[str, ...]], set[str]] | None = None,
    max_share: float = MAX_INCREMENTAL_SHARE,
    keyed: frozenset[str] = frozenset(),
    partitioned: Mapping[str, frozenset[str]] | None = None,
) -> BuildPlan:
    """Full, incremental or up to date (docs/TRANSFORM.md "Incremental builds").

    `downstream` gives the models an incremental build would rebuild (roots and their
    descendants); when they are expected to take more than `max_share` of the last build's
    model time the build is full instead (as fast, and it writes a compact file). The
    `keyed` models (rebuilt from the new loads' keys) and the `partitioned` facts (rebuilt
    for the partitions whose inputs changed) are expected to take their share of the rows
    (`expected_seconds`)."""
    if full:
        return BuildPlan(BuildMode.FULL, "a full rebuild was asked for (--full)")
    if previous is None:
        return BuildPlan(
            BuildMode.FULL, "no published build with a recorded build state to build on"
        )
    if previous.inputs_digest != digest:
        return BuildPlan(
            BuildMode.FULL,
            "the models, settings, data-contract mappings or detected formats changed "
            "since the published build",
        )
    new_tables = sorted(set(bronze) - set(previous.bronze))
    if new_tables:
        return BuildPlan(
            BuildMode.FULL,
            f"bronze has new tables since the published build: {', '.join(new_tables)}",
            changed_tables=tuple(new_tables),
        )
    lost = sorted(
        table
        for table, loads in previous.bronze.items()
        if any(bronze.get(table, {}).get(load) != n for load, n in loads.items())
    )
    if lost:
        return BuildPlan(
            BuildMode.FULL,
            "bronze lost or rewrote loads the published build was made from: " + ", ".join(lost),
            changed_tables=tuple(lost),
        )
    changed = tuple(sorted(t for t, loads in bronze.items() if loads != previous.bronze.get(t)))
    if not changed:
        return BuildPlan(BuildMode.UP_TO_DATE, "no bronze table gained a load since the build")
    roots = tuple(sorted(m for m, tables in previous.reads.items() if set(tables) & set(changed)))
    if not roots:
        return BuildPlan(
            BuildMode.UP_TO_DATE,
            f"the new loads feed no model ({', '.join(changed)})",
            changed_tables=changed,
        )
    total = sum(previous.seconds.values())
    if downstream is not None and total > 0:
        expected = expected_seconds(previous, bronze, keyed, partitioned)
        share = sum(expected.get(m, 0.0) for m in downstream(roots)) / total
        if share > max_share:
            return BuildPlan(
                BuildMode.FULL,
                f"the new loads in {', '.join(changed)} feed models that took {share:.0%} of "
                "the last build's model time: a full rebuild is as fast",
                changed_tables=changed,
                roots=roots,
            )
    return BuildPlan(
        BuildMode.INCREMENTAL,
        f"new loads in {', '.join(changed)}",
        changed_tables=changed,
        roots=roots,
    )


def expected_seconds(
    previous: BuildState,
    bronze: BronzeLoads,
    keyed: frozenset[str],
    partitioned: Mapping[str, frozenset[str]] | None = None,
) -> dict[str, float]:
    """Each model's expected time in an incremental build: its last whole build's time, or
    for a keyed model that time × the share of its bronze tables' rows the new loads add
    (a keyed model reads only the rows of the keys those loads hold), at least
    KEYED_FLOOR of it. A `partitioned` fact (model → the models it is built from, itself
    included) counts the rows of the bronze tables those models read, at least
    PARTITIONED_FLOOR of its time."""
    expected = dict(previous.seconds)
    gained = new_loads_since(previous.bronze, bronze)
    upstream = partitioned or {}
    for model in (keyed | set(upstream)) & set(expected):
        sources = upstream.get(model, frozenset({model}))
        tables = {t for m in sources for t in previous.reads.get(m, ())}
        rows = sum(n for t in tables for k, n in bronze.get(t, {}).items() if _is_load(k))
        fresh = sum(bronze[t][k] for t in tables for k in gained.get(t, ()))
        share = fresh / rows if rows else 1.0
        floor = PARTITIONED_FLOOR if model in upstream else KEYED_FLOOR
        expected[model] = expected[model] * max(share, floor)
    return expected


def _is_load(key: str) -> bool:
    return not key.startswith("formats:")


@dataclass(frozen=True)
class PlannedBuild:
    """A build's plan with what carrying it out needs: the state an incremental build
    starts from (None for a full one) and the digest and bronze loads to record."""

    plan: BuildPlan
    previous: BuildState | None
    digest: str
    bronze: BronzeLoads
    keyed: frozenset[str] = frozenset()  # keyed staging models (manifest_keyed)

    @property
    def incremental(self) -> bool:
        return self.plan.mode is BuildMode.INCREMENTAL

    def new_loads(self) -> dict[str, list[str]]:
        """Bronze table → the loads it gained since the published build (incremental
        builds; empty for a full one): what the keyed staging models rebuild from."""
        if self.previous is None:
            return {}
        return new_loads_since(self.previous.bronze, self.bronze)

    def record(
        self,
        build: Path,
        nodes: Iterable[NodeResult],
        *,
        dbt_vars: Mapping[str, Any],
        schemas: Iterable[str],
    ) -> BuildState:
        """Record the state of a green build (`state_of_build`, `record_state`)."""
        state = state_of_build(
            build,
            digest=self.digest,
            bronze=self.bronze,
            nodes=nodes,
            dbt_vars=dbt_vars,
            previous=self.previous,
            schemas=schemas,
            keyed=self.keyed,
        )
        return record_state(build, state, previous=self.previous)


def new_loads_since(before: BronzeLoads, now: BronzeLoads) -> dict[str, list[str]]:
    """Bronze table → the load ids in `now` that `before` does not hold (format records,
    which arrive with their load, are not loads)."""
    gained: dict[str, list[str]] = {}
    for table, loads in now.items():
        known = before.get(table, {})
        fresh = sorted(k for k in loads if k not in known and _is_load(k))
        if fresh:
            gained[table] = fresh
    return gained


def write_new_loads(build: Path, loads: Mapping[str, Iterable[str]]) -> None:
    """Record in a build's copy the loads an incremental build rebuilds its keyed staging
    models from (`revlake_build.new_loads`, read by macros/incremental.sql); the state
    written after a green build replaces the schema, so it never outlives the build."""
    rows = [(table, load) for table, ids in sorted(loads.items()) for load in ids]
    con = duckdb.connect(str(build))
    try:
        con.execute(f"create schema if not exists {STATE_SCHEMA}")
        con.execute(
            f"create or replace table {_NEW_LOADS_TABLE} (table_name varchar, load_id varchar)"
        )
        if rows:
            con.executemany(f"insert into {_NEW_LOADS_TABLE} values (?, ?)", rows)
    finally:
        con.close()


def plan_tenant_build(
    published: Path | None,
    bronze: Path,
    *,
    project_dir: Path,
    dbt_vars: Mapping[str, Any],
    manifest: Path,
    full: bool = False,
    max_share: float = MAX_INCREMENTAL_SHARE,
) -> PlannedBuild:
    """Plan a tenant's build (`plan_build`) from its published build's recorded state,
    its bronze now and the dbt vars the build will run with; `manifest` is dbt's manifest
    of the engine's last build (for the share of model time). Both engines plan here."""
    digest, loads = inputs_digest(project_dir, dbt_vars), bronze_loads(bronze)
    recorded = None if full else read_state(published)
    keyed = manifest_keyed(manifest)
    plan = plan_build(
        recorded,
        digest=digest,
        bronze=loads,
        full=full,
        downstream=manifest_downstream(manifest),
        max_share=max_share,
        keyed=keyed,
        partitioned=manifest_partitioned(manifest),
    )
    # what an incremental build builds on; a full build starts from nothing
    previous = recorded if plan.mode is BuildMode.INCREMENTAL else None
    return PlannedBuild(plan, previous, digest, loads, keyed)


def copy_published(
    published: Path, build: Path, previous: BuildState | None, schemas: Iterable[str]
) -> None:
    """Start a partial build from a copy of the published build; with `previous` (an
    incremental build) only what a fresh build holds is kept (`keep_only_models`). Either
    way the copy keeps no record of what the published build's partitioned facts
    recomputed: a build's `<model>__changed` tables are its own."""
    snapshots.copy_snapshot(published, build)
    if previous is not None:
        keep_only_models(build, previous.relations, schemas)
    else:
        con = duckdb.connect(str(build))
        try:
            drop_recomputed_partitions(con)
        finally:
            con.close()


def drop_recomputed_partitions(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the tables that say what a build's partitioned facts recomputed
    (`<model>__changed`, and any `<model>__now` a failed run left), keeping their hashes."""
    for name in schema_tables(con, PARTITIONS_SCHEMA):
        if not _partition_hashes(name):
            con.execute(f'drop table "{PARTITIONS_SCHEMA}"."{name}"')


def read_state(snapshot: Path | None) -> BuildState | None:
    """The build state recorded in a snapshot; None when it has none (or no snapshot)."""
    if snapshot is None or not snapshot.is_file():
        return None
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        if "state" not in schema_tables(con, STATE_SCHEMA):
            return None
        row = con.execute(f"select state from {_STATE_TABLE}").fetchone()
        return BuildState.from_json(str(row[0])) if row else None
    finally:
        con.close()


def _manifest_json(manifest: Path) -> dict[str, Any] | None:
    """dbt's manifest of the last build, parsed; None when there is none readable."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def manifest_downstream(manifest: Path) -> Callable[[tuple[str, ...]], set[str]] | None:
    """Models downstream of given models (themselves included), from dbt's manifest of the
    last build; None when there is no readable manifest."""
    data = _manifest_json(manifest)
    if data is None:
        return None
    children: dict[str, list[str]] = data.get("child_map", {})
    names = {uid: uid.split(".")[-1] for uid in data.get("nodes", {}) if uid.startswith("model.")}
    ids = {name: uid for uid, name in names.items()}

    def downstream(roots: tuple[str, ...]) -> set[str]:
        seen = {ids[r] for r in roots if r in ids}
        stack = list(seen)
        while stack:
            for child in children.get(stack.pop(), []):
                if child in names and child not in seen:
                    seen.add(child)
                    stack.append(child)
        return {names[uid] for uid in seen}

    return downstream


def manifest_keyed(manifest: Path) -> frozenset[str]:
    """The keyed staging models (dbt incremental models, macros/incremental.sql) of dbt's
    manifest of the last build; empty when there is none."""
    nodes = (_manifest_json(manifest) or {}).get("nodes", {})
    return frozenset(
        str(node.get("name"))
        for uid, node in nodes.items()
        if uid.startswith("model.") and node.get("config", {}).get("materialized") == "incremental"
    )


def _partition_hashes(table: str) -> bool:
    """Whether a table of PARTITIONS_SCHEMA holds a fact's input hashes (kept from build to
    build), not what one build recomputed (`<model>__changed`, `<model>__now`)."""
    return not table.endswith(("__changed", "__now"))


def manifest_partitioned(manifest: Path) -> dict[str, frozenset[str]]:
    """The partitioned facts of dbt's manifest of the last build (macros/partitioned.sql:
    incremental models whose pre-hook deletes the changed partitions; on Spark they are
    tables, rebuilt whole), each with every model it is built from (its ancestors and
    itself); empty when there is no manifest."""
    data = _manifest_json(manifest) or {}
    nodes: dict[str, dict[str, Any]] = data.get("nodes", {})
    parents: dict[str, list[str]] = data.get("parent_map", {})
    found: dict[str, frozenset[str]] = {}
    for uid, node in nodes.items():
        config = node.get("config", {})
        hooks = config.get("pre-hook", [])
        if (
            not uid.startswith("model.")
            or config.get("materialized") != "incremental"
            or not any("delete_changed_partitions" in str(h.get("sql", "")) for h in hooks)
        ):
            continue
        seen, stack = {uid}, [uid]
        while stack:
            for parent in parents.get(stack.pop(), []):
                if parent.startswith("model.") and parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        found[str(node.get("name"))] = frozenset(str(nodes[u].get("name")) for u in seen)
    return found


COMPACT_GROWTH = 1.5
"""An incremental build is rewritten whole once its file outgrows the last compact size by
this factor (see `record_state`)."""


def record_state(build: Path, state: BuildState, *, previous: BuildState | None) -> BuildState:
    """Write `state` into the build, compacting the file when it has grown too much.

    An incremental build is a copy of the published file with models replaced in it; DuckDB
    reuses the blocks the replaced tables freed but never shrinks a file, so copies of
    copies grow (a 19 MB build was 34 MB after three daily drops). Once the file exceeds
    COMPACT_GROWTH × its size when last written whole, it is rewritten (`compact`).
    Returns the state as recorded (with that size).
    """
    write_state(build, state)
    size = build.stat().st_size
    if previous is None:
        compact_bytes = size
    elif previous.compact_bytes and size <= COMPACT_GROWTH * previous.compact_bytes:
        compact_bytes = previous.compact_bytes
    else:
        compact(build)
        compact_bytes = build.stat().st_size
    recorded = replace(state, compact_bytes=compact_bytes)
    write_state(build, recorded)
    return recorded


def compact(build: Path) -> None:
    """Rewrite a DuckDB build into a new file holding only its live data, in its place."""
    fresh = build.with_name(f"{build.stem}.compact{build.suffix}")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach {literal(str(build))} as source_build (read_only)")
        con.execute(f"attach {literal(str(fresh))} as compact_build")
        con.execute("copy from database source_build to compact_build")
    finally:
        con.close()
    os.replace(fresh, build)


def write_state(build: Path, state: BuildState | None) -> None:
    """Record `state` in the build (None: remove any, so the next build is full)."""
    con = duckdb.connect(str(build))
    try:
        con.execute(f"drop schema if exists {STATE_SCHEMA} cascade")
        if state is not None:
            con.execute(f"create schema {STATE_SCHEMA}")
            con.execute(f"create table {_STATE_TABLE} (state varchar)")
            con.execute(f"insert into {_STATE_TABLE} values (?)", [state.to_json()])
    finally:
        con.close()


def model_relations(build: Path, schemas: Iterable[str]) -> list[str]:
    """ "schema.name" of every table and view of `schemas` in a build, sorted."""
    con = duckdb.connect(str(build), read_only=True)
    try:
        wanted = [s.lower() for s in schemas]
        rows = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and lower(table_schema) in "
            f"({', '.join('?' for _ in wanted)})",
            wanted,
        ).fetchall()
        return sorted(f"{schema}.{name}" for schema, name in rows)
    finally:
        con.close()


def keep_only_models(build: Path, relations: Iterable[str], schemas: Iterable[str]) -> list[str]:
    """Drop from a copied build what a fresh dbt build would not hold (scores, answers…).

    Keeps the tables and views of `relations` ("schema.name") in `schemas`, the build
    state and the partitioned facts' input hashes (not the partitions the published build
    recomputed: a build's `<model>__changed` tables say what that build did); returns the
    dropped relations.
    """
    keep = {r.lower() for r in relations}
    model_schemas = {s.lower() for s in schemas}
    dropped: list[str] = []
    con = duckdb.connect(str(build))
    try:
        drop_recomputed_partitions(con)  # the published build's, not this one's
        found = con.execute(
            "select table_schema, table_name, table_type from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        for schema, name, kind in found:
            qualified = f"{schema}.{name}".lower()
            if str(schema).lower() in (STATE_SCHEMA, PARTITIONS_SCHEMA) or qualified in keep:
                continue
            if str(schema).lower() != "main":  # model schemas and what later steps added
                what = "view" if kind == "VIEW" else "table"
                con.execute(f'drop {what} if exists "{schema}"."{name}" cascade')
                dropped.append(qualified)
        for (schema,) in con.execute(
            "select schema_name from information_schema.schemata "
            "where catalog_name = current_database()"
        ).fetchall():
            kept = {*model_schemas, STATE_SCHEMA, PARTITIONS_SCHEMA, "main"}
            if str(schema).lower() not in kept | {"information_schema", "pg_catalog"}:
                con.execute(f'drop schema if exists "{schema}" cascade')
        return dropped
    finally:
        con.close()
