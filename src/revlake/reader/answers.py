"""Answers computed when a build is published, stored inside the build file itself.

A scored build carries `serving.answers` (key text → JSON body): the API and the dashboard
read an answer from it instead of computing it on the first request after a publish
(`revlake.queries.precompute` decides what goes in and writes it before the build is
published). The table lives in its own schema, not in gold, so exports and the gold
catalogue never see it.

The answers are only as current as the build that holds them, so every copy-and-publish
drops the table first (`drop_answers`): a scored copy of an older build never serves the
older build's answers; only the precompute step, run on the finished copy, writes new
ones. A key is the `repr` of the same tuple the serving path memoises under
(`answer_key`), so a stored answer and an on-demand one are found under one name.

Beside the answers, `serving.inputs` holds what answers that are not precomputed start
from (key text → bytes; e.g. the forecast's simulated worlds, from which any horizon is a
fold of milliseconds): `stored_input` reads one, memoised by the caller.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import duckdb

from revlake.reader.build import Build

SCHEMA = "serving"
TABLE = "answers"
QUALIFIED = f"{SCHEMA}.{TABLE}"
INPUTS = f"{SCHEMA}.inputs"


def answer_key(key: tuple[Hashable, ...]) -> str:
    """The stored name of an answer: the repr of its memo key (str, int, float, None,
    tuples and frozen dataclasses of them, whose reprs are stable)."""
    return repr(key)


def has_answers(build: Build) -> bool:
    """Whether the build carries precomputed answers (asked once per build)."""

    def compute() -> bool:
        found = build.rows(
            "select count(*) as n from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [SCHEMA, TABLE],
        )
        return bool(found[0]["n"])

    return build.memo(("serving-answers-table",), compute)


ALL = ("serving-answers",)
"""Memo key of every stored answer, read at once by `load_answers`."""


def load_answers(build: Build) -> dict[str, bytes]:
    """Every stored answer in memory (one query; the server's warmer calls it as soon as
    a build is published, so that requests find them without touching DuckDB)."""

    def compute() -> dict[str, bytes]:
        if not has_answers(build):
            return {}
        rows = build.rows(f"select key, body from {QUALIFIED}")
        return {str(r["key"]): bytes(r["body"]) for r in rows}

    return build.memo(ALL, compute)


def stored_answer(build: Build, key: tuple[Hashable, ...]) -> bytes | None:
    """The JSON body stored under `key` when the build was published, or None: from
    memory once `load_answers` ran, else one indexed lookup."""
    loaded = build.cached(ALL)
    if loaded is not None:
        return loaded.get(answer_key(key))  # type: ignore[no-any-return]
    if not has_answers(build):
        return None
    found = build.rows(f"select body from {QUALIFIED} where key = ?", [answer_key(key)])
    if not found:
        return None
    return bytes(found[0]["body"])


def stored_keys(build: Build) -> list[str]:
    """Every stored key, sorted (what a publish precomputed; for reports and tests)."""
    if not has_answers(build):
        return []
    return [str(r["key"]) for r in build.rows(f"select key from {QUALIFIED} order by key")]


def stored_input(build: Build, key: tuple[Hashable, ...]) -> bytes | None:
    """The bytes stored under `key` in `serving.inputs` at publish, or None (a build
    without them: older, unscored, or copied since)."""

    def present() -> bool:
        found = build.rows(
            "select count(*) as n from information_schema.tables "
            "where table_schema = ? and table_name = 'inputs'",
            [SCHEMA],
        )
        return bool(found[0]["n"])

    if not build.memo(("serving-inputs-table",), present):
        return None
    found = build.rows(f"select body from {INPUTS} where key = ?", [answer_key(key)])
    return bytes(found[0]["body"]) if found else None


def drop_answers(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the stored answers from a build copy (they belong to the build copied)."""
    con.execute(f"drop schema if exists {SCHEMA} cascade")


def write_answers(
    con: duckdb.DuckDBPyConnection,
    answers: Mapping[str, bytes],
    inputs: Mapping[str, bytes] | None = None,
) -> None:
    """Replace the stored answers (and inputs) of the (unpublished) build open on `con`."""
    drop_answers(con)
    con.execute(f"create schema {SCHEMA}")
    for table, rows in ((QUALIFIED, answers), (INPUTS, inputs or {})):
        con.execute(f"create table {table} (key varchar primary key, body blob not null)")
        if rows:
            con.executemany(f"insert into {table} values (?, ?)", list(rows.items()))
