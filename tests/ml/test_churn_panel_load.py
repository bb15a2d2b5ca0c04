"""The columnar panel load gives exactly the panel of the SQL's rows read value by value."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from revlake.ml.churn_data import (
    CATEGORICAL_FEATURES,
    NUMERIC_FEATURES,
    VOCABULARIES,
    ChurnPanel,
    _plan,
    load_panel,
    month_index,
    panel_sql,
)
from tests.ml.churn_data import build_company


def _rows_panel(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The panel from Python rows (`fetchall`), built value by value: the reference."""
    cursor = con.execute(panel_sql())
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    cols = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    categorical = [
        [
            float(VOCABULARIES[name].index(v)) if v in VOCABULARIES[name] else np.nan
            for v in cols[name]
        ]
        for name in CATEGORICAL_FEATURES
    ]
    numeric = [[np.nan if v is None else float(v) for v in cols[name]] for name in NUMERIC_FEATURES]
    return {
        "customer_id": np.array(cols["customer_id"], dtype=object),
        "month": month_index(cols["month_start_date"]),
        "x": np.column_stack([np.array(c, dtype=np.float64) for c in (*categorical, *numeric)]),
        "next_churn": np.array(
            [-1 if v is None else int(month_index([v])[0]) for v in cols["next_churn_month"]]
        ),
        "as_of": int(month_index([cols["as_of"][0]])[0]),
        "mrr": np.array(cols["mrr"], dtype=np.float64),
        "cancelling": np.array(cols["cancelling"], dtype=bool),
    }


@pytest.fixture(scope="module")
def varied_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test company with every category, unknown values and pending cancellations."""
    path = tmp_path_factory.mktemp("panel") / "company.duckdb"
    build_company(path, customers=400, seed=11)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            """
            update gold.dim_customer set segment = case
              when customer_id like '%1' then 'Mid-Market' when customer_id like '%2' then null
              when customer_id like '%3' then 'public sector' else segment end;
            insert into silver.stg_stripe__products values
              ('prod_s', 'Starter'), ('prod_b', 'BUSINESS'), ('prod_e', 'Enterprise'),
              ('prod_x', 'Legacy');
            update silver.stg_stripe__invoice_lines set product_id = case
              when invoice_id like '%1_0%' then 'prod_s' when invoice_id like '%2_1%' then 'prod_b'
              when invoice_id like '%3_2%' then 'prod_e' when invoice_id like '%4_0%' then 'prod_x'
              when invoice_id like '%5_1%' then 'prod_missing' else product_id end,
              quantity = 1 + cast(right(invoice_id, 1) as integer);
            delete from silver.int_product_usage where customer_id like '%7';
            update silver.int_product_usage set active_share = null where customer_id like '%8';
            update silver.stg_stripe__subscriptions set ended_at = ended_at + interval 70 day
              where canceled_at is not null and customer_id like '%9';
            insert into silver.stg_stripe__refunds
              select charge_id, charge_date + 5 from silver.stg_stripe__charges
              where status = 'succeeded' and charge_id like '%6';
            insert into gold.fct_mrr_movements
              select customer_id, month_start_date, 'contraction', -10 from gold.fct_mrr
              where mrr_rc > 0 and customer_id like '%4' and month(month_start_date) = 3;
            """
        )
    finally:
        con.close()
    return path


def _assert_same(panel: ChurnPanel, expected: dict[str, object]) -> None:
    np.testing.assert_array_equal(panel.customer_id, expected["customer_id"])
    np.testing.assert_array_equal(panel.month, expected["month"])
    # NaN in the same places, every other value bit for bit
    np.testing.assert_array_equal(panel.x, expected["x"])
    np.testing.assert_array_equal(panel.next_churn, expected["next_churn"])
    np.testing.assert_array_equal(panel.mrr, expected["mrr"])
    np.testing.assert_array_equal(panel.cancelling, expected["cancelling"])
    assert panel.as_of == expected["as_of"]
    assert panel.x.dtype == np.float64 and panel.customer_id.dtype == object


def test_columnar_load_equals_the_rows_read_one_by_one(
    varied_company: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small chunks of customers and small batches: rows and customer codes must land in
    # the panel's order (month, customer) across chunk and batch boundaries
    monkeypatch.setattr("revlake.ml.churn_data.CHUNK_ROWS", 700)
    monkeypatch.setattr("revlake.ml.churn_data.BATCH_ROWS", 300)
    con = duckdb.connect(str(varied_company), read_only=True)
    try:
        expected = _rows_panel(con)
        assert len(_plan(con, False, 700).bounds) >= 5  # the chunks below
        panel = load_panel(con)
        current = load_panel(con, as_of_only=True)
    finally:
        con.close()
    assert panel.n > 5000
    _assert_same(panel, expected)
    x = panel.x
    # the company exercises what the conversion has to get right
    for j, name in enumerate(CATEGORICAL_FEATURES):
        seen = set(np.unique(x[:, j][~np.isnan(x[:, j])]).tolist())
        assert seen == set(map(float, range(len(VOCABULARIES[name])))), name
        assert np.isnan(x[:, j]).any(), name
    assert np.isnan(x).any(axis=0).sum() >= 6
    assert panel.cancelling.any() and (panel.next_churn >= 0).any()
    assert (panel.next_churn == -1).any()
    # scoring's panel: the as-of month's rows of the full panel, same values
    rows = panel.month == panel.as_of
    assert 0 < current.n == int(rows.sum()) < panel.n
    _assert_same(
        current, {k: v[rows] if isinstance(v, np.ndarray) else v for k, v in expected.items()}
    )
