"""`load_deal_history` reads the stage entries column by column (Arrow), not as Python
tuples: the history it returns is the one `DealHistory.from_columns` makes from the same
rows as Python values, entry order, missing dates and errors included."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import date

import duckdb
import numpy as np
import pytest

from revlake.errors import InputError
from revlake.ml.deals import DealHistory, load_deal_history

PIPELINE = [
    # id, source, created, close, closed, won, amount, rep, customer, product, plan, channel,
    # stage
    (
        "o3",
        "crm",
        date(2024, 1, 5),
        None,
        False,
        False,
        300.0,
        "r1",
        "c1",
        "p1",
        "pro",
        "web",
        "Proposal",
    ),
    (
        "o1",
        "crm",
        date(2023, 11, 2),
        date(2024, 1, 9),
        True,
        True,
        120.5,
        "r2",
        "c2",
        None,
        "basic",
        None,
        "Won",
    ),
    ("o2", "crm", None, None, False, False, None, None, None, "p2", None, "partner", "Prospecting"),
    (
        "o4",
        "crm",
        date(2023, 12, 1),
        date(2024, 1, 2),
        True,
        False,
        80.0,
        "r1",
        "c1",
        "p1",
        "pro",
        "web",
        "Lost",
    ),
]
EVENTS = [
    ("o3", date(2024, 1, 5), "Prospecting", "open"),
    ("o1", date(2023, 11, 2), "Prospecting", "open"),
    ("o3", date(2024, 1, 20), "Proposal", "open"),
    ("o2", None, "Prospecting", "open"),  # no date: the deal's creation (here none either)
    ("o1", date(2023, 12, 1), "Proposal", "open"),
    ("o1", date(2024, 1, 9), "Won", "won"),  # closing entries are left out
    ("o4", None, "Prospecting", "open"),  # no date: the deal's creation
    ("o3", date(2024, 1, 20), "Negotiation", "open"),  # same day: kept in read order
]


def _build(events: Sequence[tuple[object, ...]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema gold")
    con.execute(
        "create table gold.fct_pipeline (opportunity_id varchar, source_system varchar, "
        "created_date date, close_date date, is_closed boolean, is_won boolean, "
        "pipeline_amount_rc decimal(18, 2), amount_rc decimal(18, 2), list_price double, "
        "rep_key varchar, customer_key varchar, product_key varchar, plan_name varchar, "
        "channel_key varchar, stage_name varchar, as_of_date date)"
    )
    for r in PIPELINE:
        con.execute(
            "insert into gold.fct_pipeline values (?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?, "
            "?, date '2024-02-01')",
            [*r[:6], r[6], r[6], *r[7:]],
        )
    con.execute("create table gold.dim_customer (customer_key varchar, segment varchar)")
    con.execute("insert into gold.dim_customer values ('c1', 'smb'), ('c2', 'enterprise')")
    con.execute(
        "create table gold.fct_opportunity_stage_history (opportunity_id varchar, "
        "entered_date date, stage_name varchar, stage_category varchar)"
    )
    if events:
        con.executemany(
            "insert into gold.fct_opportunity_stage_history values (?, ?, ?, ?)", events
        )
    return con


def _from_python_values(con: duckdb.DuckDBPyConnection) -> DealHistory:
    """The history as `load_deal_history` made it before (every row as Python tuples)."""
    from revlake.ml import deals as module

    rows = con.execute(module._DEALS_SQL).fetchall()
    events = con.execute(module._EVENTS_SQL).fetchall()
    c = list(zip(*rows, strict=True))
    return DealHistory.from_columns(
        opportunity_id=[str(v) for v in c[0]],
        created=c[2],
        close=c[3],
        is_closed=[bool(v) for v in c[4]],
        is_won=[bool(v) for v in c[5]],
        amount=c[6],
        rep=c[7],
        account=c[8],
        categoricals={
            "source": c[1],
            "product": c[9],
            "plan": c[10],
            "segment": c[11],
            "channel": c[12],
        },
        stage_name=c[13],
        events=[(str(o), d, str(s)) for o, d, s in events],
        as_of=max(r[14] for r in rows),
    )


def test_the_history_read_by_columns_is_the_history_from_python_values() -> None:
    con = _build(EVENTS)
    loaded, expected = load_deal_history(con), _from_python_values(con)
    assert loaded.ev_deal.size == 7
    for f in fields(DealHistory):
        got, want = getattr(loaded, f.name), getattr(expected, f.name)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype, f.name
            if want.dtype == object:
                assert got.tolist() == want.tolist(), f.name
            else:
                np.testing.assert_array_equal(got, want, err_msg=f.name)  # NaN = NaN
        elif isinstance(want, dict):
            assert {k: v.tolist() for k, v in got.items()} == {
                k: v.tolist() for k, v in want.items()
            }
        else:
            assert got == want, f.name


def test_a_stage_entry_of_an_unknown_deal_is_named() -> None:
    con = _build([*EVENTS, ("o9", date(2024, 1, 3), "Proposal", "open")])
    with pytest.raises(InputError, match="stage entry 8: unknown opportunity id 'o9'"):
        load_deal_history(con)


def test_no_stage_entries() -> None:
    con = _build([])
    assert load_deal_history(con).ev_stage.size == 0
