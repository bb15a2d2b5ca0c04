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

The same answers are also written to a file beside the build (`<build>.answers`,
`write_answer_file`): the server reads them from there without opening the DuckDB file,
which costs tens to a couple of hundred ms on the first request after a publish (the
server opens builds lazily: `revlake.reader.build`). The file names the build it belongs
to; a file that does not match or cannot be read is ignored (the table still answers).
Deleting a build deletes its file (`revlake.transform.snapshots.discard`).

Beside the answers, `serving.inputs` holds what answers that are not precomputed start
from (key text → bytes; e.g. the forecast's simulated worlds, from which any horizon is a
fold of milliseconds): `stored_input` reads one, memoised by the caller.
"""

from __future__ import annotations

import json
import os
from collections.abc import Hashable, Mapping
from pathlib import Path

import duckdb
import pyarrow as pa

from revlake.reader.build import Build
from revlake.transform.snapshots import ANSWERS_SUFFIX

ANSWER_FORMAT = 2
"""Bumped whenever the JSON shape of a stored answer changes (2: money as exact decimal
strings, 2026-12). The build (`serving.format`) and the answers file carry it, so a
build published by an older version has no answers in the current format: they are
computed on demand in the current shape instead of served in the old one."""

SCHEMA = "serving"
TABLE = "answers"
FORMAT_TABLE = f"{SCHEMA}.format"
QUALIFIED = f"{SCHEMA}.{TABLE}"
INPUTS = f"{SCHEMA}.inputs"


def answer_key(key: tuple[Hashable, ...]) -> str:
    """The stored name of an answer: the repr of its memo key (str, int, float, None,
    tuples and frozen dataclasses of them, whose reprs are stable)."""
    return repr(key)


def has_answers(build: Build) -> bool:
    """Whether the build carries precomputed answers in the current format (asked once
    per build; a build of an older format answers on demand)."""

    def compute() -> bool:
        found = build.rows(
            "select count(*) as n from information_schema.tables "
            "where table_schema = ? and table_name in (?, 'format')",
            [SCHEMA, TABLE],
        )
        if int(found[0]["n"]) < 2:
            return False
        stored = build.rows(f"select max(answers) as f from {FORMAT_TABLE}")
        return bool(stored[0]["f"] == ANSWER_FORMAT)

    return build.memo(("serving-answers-table",), compute)


ALL = ("serving-answers",)
"""Memo key of every stored answer, read at once by `load_answers`."""


ANSWER_FILE_MAGIC = b"revlake-answers 1\n"


def answer_file(build_path: Path) -> Path:
    """The file beside a build that holds its precomputed answers."""
    return Path(f"{build_path}{ANSWERS_SUFFIX}")


def write_answer_file(build_path: Path, answers: Mapping[str, bytes]) -> Path:
    """Write `answers` beside the (unpublished) build file `build_path`, atomically and
    private (0600, like the build): a header line naming the build and each key with its
    body's length, then the bodies."""
    header = {
        "build": build_path.name,
        "format": ANSWER_FORMAT,
        "answers": [[k, len(v)] for k, v in answers.items()],
    }
    target = answer_file(build_path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(ANSWER_FILE_MAGIC)
        handle.write(json.dumps(header).encode() + b"\n")
        for body in answers.values():
            handle.write(body)
    os.replace(tmp, target)
    return target


def read_answer_file(build_path: Path) -> dict[str, bytes] | None:
    """The answers in the file beside `build_path`; None when there is none, or it names
    another build, or it is truncated or unreadable (the build's table answers then)."""
    try:
        data = answer_file(build_path).read_bytes()
    except OSError:
        return None
    if not data.startswith(ANSWER_FILE_MAGIC):
        return None
    start = len(ANSWER_FILE_MAGIC)
    end = data.find(b"\n", start)
    try:
        header = json.loads(data[start:end])
        index = [(str(key), int(length)) for key, length in header["answers"]]
    except (ValueError, KeyError, TypeError):
        return None
    if end < 0 or header.get("build") != build_path.name or header.get("format") != ANSWER_FORMAT:
        return None
    out: dict[str, bytes] = {}
    offset = end + 1
    for key, length in index:
        out[key] = data[offset : offset + length]
        offset += length
    return out if offset == len(data) else None


def load_answers(build: Build) -> dict[str, bytes]:
    """Every stored answer in memory: from the file beside the build (no DuckDB
    connection), else one query. The server's warmer calls it as soon as a build is
    published, so that requests find them in memory."""

    def compute() -> dict[str, bytes]:
        from_file = read_answer_file(build.path)
        if from_file is not None:
            return from_file
        if not has_answers(build):
            return {}
        rows = build.rows(f"select key, body from {QUALIFIED}")
        return {str(r["key"]): bytes(r["body"]) for r in rows}

    return build.memo(ALL, compute)


def stored_answer(build: Build, key: tuple[Hashable, ...]) -> bytes | None:
    """The JSON body stored under `key` when the build was published, or None: from
    memory once `load_answers` ran (or at once, when the build has an answer file: it
    needs no DuckDB connection), else one indexed lookup."""
    loaded = build.cached(ALL)
    if loaded is None and not build.connected and answer_file(build.path).is_file():
        loaded = load_answers(build)
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
    con.execute(f"create table {FORMAT_TABLE} as select {ANSWER_FORMAT} as answers")
    for table, rows in ((QUALIFIED, answers), (INPUTS, inputs or {})):
        con.execute(f"create table {table} (key varchar primary key, body blob not null)")
        if rows:
            # one Arrow insert: `executemany` ran one statement per answer (minutes for
            # the tens of thousands of answers of a 100k-customer company)
            batch = pa.table(
                {
                    "key": pa.array(list(rows.keys()), pa.large_string()),
                    "body": pa.array(list(rows.values()), pa.large_binary()),
                }
            )
            con.register("_serving_rows", batch)
            try:
                con.execute(f"insert into {table} select key, body from _serving_rows")
            finally:
                con.unregister("_serving_rows")
