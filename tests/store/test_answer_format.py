"""Answers stored by a build are served only in the current answer format: a build
published before a change of the answers' JSON shape (e.g. money as decimal strings)
answers on demand in the current shape, never with its stored answers in the old one."""

from __future__ import annotations

from pathlib import Path

import duckdb

from revlake.reader import Build
from revlake.reader.answers import (
    ANSWER_FORMAT,
    answer_key,
    read_answer_file,
    stored_answer,
    write_answer_file,
    write_answers,
)


def test_answers_of_an_older_format_are_not_served(tmp_path: Path) -> None:
    key = answer_key(("deals-summary",))
    con = duckdb.connect(":memory:")
    try:
        # what a build published by format 1 holds: serving.answers without serving.format
        con.execute("create schema serving")
        con.execute("create table serving.answers (key varchar primary key, body blob)")
        con.execute("insert into serving.answers values (?, ?)", [key, b'{"amount": 12.5}'])
        assert stored_answer(Build.over(con), ("deals-summary",)) is None
        write_answers(con, {key: b'{"amount": "12.50"}'})
        assert stored_answer(Build.over(con), ("deals-summary",)) == b'{"amount": "12.50"}'
    finally:
        con.close()
    build = tmp_path / "20261206T000000000000Z.duckdb"
    write_answer_file(build, {key: b'{"amount": "12.50"}'})
    assert read_answer_file(build) == {key: b'{"amount": "12.50"}'}
    older = write_answer_file(build, {key: b"{}"}).read_bytes()
    path = write_answer_file(build, {key: b"{}"})
    path.write_bytes(older.replace(f'"format": {ANSWER_FORMAT}'.encode(), b'"format": 1'))
    assert read_answer_file(build) is None
