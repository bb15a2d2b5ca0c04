"""Answers stored by a build are found only under the current answer format: a build
published before a change of the answers' JSON shape (e.g. money as decimal strings)
serves fresh answers, never its stored ones in the old shape."""

from __future__ import annotations

import duckdb

from revlake.reader import Build
from revlake.reader.answers import ANSWER_FORMAT, answer_key, stored_answer, write_answers


def test_an_answer_stored_in_an_older_format_is_not_served() -> None:
    key = ("deals-summary",)
    con = duckdb.connect(":memory:")
    try:
        write_answers(con, {repr(key): b'{"open_pipeline": 12.5}'})  # format 1: a bare repr
        assert stored_answer(Build.over(con), key) is None
        write_answers(con, {answer_key(key): b'{"open_pipeline": "12.50"}'})
        assert stored_answer(Build.over(con), key) == b'{"open_pipeline": "12.50"}'
        assert answer_key(key) == f"v{ANSWER_FORMAT}:{key!r}" and ANSWER_FORMAT >= 2
    finally:
        con.close()
