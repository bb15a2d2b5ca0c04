"""Deal and forecast endpoints on the served demo workspace: numbers against the gold
tables themselves, filters, sorts, paging, bad input, roles, and the clear problems when
no scores or no model exist."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.ml.risk import CATEGORIES as CATEGORIES_AND_ACTIONS
from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform import snapshots
from revlake.workspace import init_workspace
from tests.api.conftest import bearer
from tests.serving_support import TENANT, ServedWorkspace

CATEGORIES = ("critical", "high", "medium", "low")


@pytest.fixture(scope="module")
def sales(served: ServedWorkspace) -> dict[str, str]:
    return bearer(served.key(role="sales"))


@pytest.fixture(scope="module")
def gold(served: ServedWorkspace) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo tenant's published snapshot, read directly (the reference numbers)."""
    path = snapshots.current_snapshot(served.workspace.snapshots_dir(TENANT))
    assert path is not None
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def everything(client: TestClient, sales: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/v1/deals?limit=500", headers=sales)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"]) > 0
    return list(body["items"])


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_list_equals_the_scores_table(
    everything: list[dict[str, Any]], gold: duckdb.DuckDBPyConnection
) -> None:
    rows = gold.execute(
        "select s.opportunity_id, s.risk_score, s.win_probability, s.risk_category, "
        "cast(s.amount_rc as double), cast(s.at_risk_amount_rc as double), s.top_driver, "
        "t.close_date_p10, t.close_date_p50, t.close_date_p90, p.opportunity_name "
        "from gold.ml_deal_scores s join gold.fct_pipeline p using (opportunity_id) "
        "left join gold.ml_deal_close_timing t using (opportunity_id)"
    ).fetchall()
    expected = {r[0]: r for r in rows}
    assert {d["id"] for d in everything} == set(expected)
    for deal in everything:
        r = expected[deal["id"]]
        assert (deal["risk_score"], deal["win_probability"], deal["risk_category"]) == r[1:4]
        assert float(deal["amount"]) == pytest.approx(r[4])
        assert float(deal["at_risk_amount"]) == pytest.approx(r[5])
        assert deal["top_driver"] == r[6] and deal["name"] == r[10]
        assert [deal["close_p10"], deal["close_p50"], deal["close_p90"]] == [
            d.isoformat() for d in r[7:10]
        ]
        assert deal["account"] and deal["rep"] and deal["product"] and deal["stage"]
    risks = [d["risk_score"] for d in everything]
    assert risks == sorted(risks, reverse=True), "default order is -risk_score"


def test_summary_adds_up(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    summary = client.get("/api/v1/deals/summary", headers=sales).json()
    assert summary["open_deals"] == len(everything)
    assert Decimal(summary["open_pipeline"]) == sum(Decimal(d["amount"] or 0) for d in everything)
    assert Decimal(summary["at_risk_amount"]) == sum(
        Decimal(d["at_risk_amount"] or 0) for d in everything
    )
    assert float(summary["expected_value"]) == pytest.approx(
        sum(float(d["amount"] or 0) * d["win_probability"] for d in everything), abs=0.01
    )
    assert [c["category"] for c in summary["categories"]] == list(CATEGORIES)
    for c in summary["categories"]:
        members = [d for d in everything if d["risk_category"] == c["category"]]
        assert c["deals"] == len(members)
        assert Decimal(c["at_risk_amount"]) == sum(
            (Decimal(d["at_risk_amount"]) for d in members), Decimal(0)
        )
    assert summary["average_win_probability"] == pytest.approx(
        sum(d["win_probability"] for d in everything) / len(everything), abs=1e-4
    )
    assert summary["high_risk_deals"] == sum(
        d["risk_category"] in ("high", "critical") for d in everything
    )
    assert "1 − calibrated win probability" in summary["at_risk_definition"]
    assert summary["model_kind"] == "lightgbm" and summary["model_version"]
    assert summary["currency"] == "USD" and summary["as_of_date"] == "2025-12-31"


def test_summary_follows_the_list_filters(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    stages = sorted({d["stage"] for d in everything})[:2]
    query = "&".join(f"stage={s}" for s in stages) + "&risk_category=high&risk_category=low"
    listed = client.get(f"/api/v1/deals?limit=500&{query}", headers=sales).json()["items"]
    summary = client.get(f"/api/v1/deals/summary?{query}", headers=sales).json()
    members = [
        d for d in everything if d["stage"] in stages and d["risk_category"] in ("high", "low")
    ]
    assert 0 < len(members) < len(everything)
    assert sorted(d["id"] for d in listed) == sorted(d["id"] for d in members)
    assert summary["open_deals"] == len(members)
    assert Decimal(summary["open_pipeline"]) == sum(Decimal(d["amount"] or 0) for d in members)
    assert Decimal(summary["at_risk_amount"]) == sum(
        Decimal(d["at_risk_amount"] or 0) for d in members
    )
    assert {c["category"]: c["deals"] for c in summary["categories"]} == {
        c: sum(d["risk_category"] == c for d in members) for c in CATEGORIES
    }
    assert summary["high_risk_deals"] == sum(d["risk_category"] == "high" for d in members)
    nothing = client.get("/api/v1/deals/summary?account=no-such-account", headers=sales).json()
    assert nothing["open_deals"] == 0 and Decimal(nothing["open_pipeline"]) == 0
    assert nothing["model_version"] == summary["model_version"]  # the run, not the match
    assert nothing["as_of_date"] == summary["as_of_date"]


def test_filters_list_every_value(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    filters = client.get("/api/v1/deals/filters", headers=sales).json()
    assert {a["id"] for a in filters["accounts"]} == {d["account_id"] for d in everything}
    assert {r["name"] for r in filters["reps"]} == {d["rep"] for d in everything}
    assert set(filters["products"]) == {d["product"] for d in everything}
    assert set(filters["stages"]) == {d["stage"] for d in everything}
    assert filters["risk_categories"] == list(CATEGORIES)


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        (
            "risk_category=critical&risk_category=low",
            lambda d: d["risk_category"] in {"critical", "low"},
        ),
        ("risk_min=30&risk_max=70", lambda d: 30 <= d["risk_score"] <= 70),
        ("risk_min=50", lambda d: d["risk_score"] >= 50),
    ],
)
def test_risk_filters(
    client: TestClient,
    sales: dict[str, str],
    everything: list[dict[str, Any]],
    query: str,
    keep: Any,
) -> None:
    expected = [d["id"] for d in everything if keep(d)]
    assert ids(client.get(f"/api/v1/deals?limit=500&{query}", headers=sales)) == expected
    assert 0 < len(expected) < len(everything), "the demo data should exercise the filter"


def test_account_rep_product_stage_filters(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    deal = everything[0]
    word = deal["account"].split()[0].lower()
    by_name = ids(client.get(f"/api/v1/deals?limit=500&account={word.upper()}", headers=sales))
    assert by_name == [d["id"] for d in everything if word in d["account"].lower()]
    by_id = ids(client.get(f"/api/v1/deals?limit=500&account={deal['account_id']}", headers=sales))
    assert by_id == [d["id"] for d in everything if d["account_id"] == deal["account_id"]]
    for field, value in (("rep", deal["rep"]), ("rep", deal["rep_id"])):
        found = ids(client.get("/api/v1/deals", params={field: value, "limit": 500}, headers=sales))
        assert found == [d["id"] for d in everything if d["rep"] == deal["rep"]]
    for field in ("product", "stage"):
        found = ids(
            client.get("/api/v1/deals", params={field: deal[field], "limit": 500}, headers=sales)
        )
        assert found == [d["id"] for d in everything if d[field] == deal[field]]
        assert deal["id"] in found
    combined = client.get(
        "/api/v1/deals",
        params={"stage": deal["stage"], "risk_category": deal["risk_category"], "limit": 500},
        headers=sales,
    )
    assert deal["id"] in ids(combined)
    nothing = client.get("/api/v1/deals?account=no-such-account-anywhere", headers=sales).json()
    assert nothing["items"] == [] and nothing["total"] == 0


def test_every_filter_takes_several_values(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    for field, key in (("account", "account_id"), ("rep", "rep_id"), ("product", "product"),
                       ("stage", "stage")):  # fmt: skip
        values = sorted({d[key] for d in everything if d[key]})[:2]
        assert len(values) == 2, field
        found = ids(
            client.get("/api/v1/deals", params={field: values, "limit": 500}, headers=sales)
        )
        assert found == [d["id"] for d in everything if d[key] in values], field
        # one value of the two gives a strict subset: both were applied, not only the last
        only_last = ids(
            client.get("/api/v1/deals", params={field: values[1], "limit": 500}, headers=sales)
        )
        assert set(only_last) < set(found), field


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/deals", "sales_agent=Anna"),
        ("/api/v1/deals", "min_risk=50"),
        ("/api/v1/deals", "account[]=X"),
        ("/api/v1/deals/summary", "horizon_weeks=4"),
        ("/api/v1/kpis", "mnth=2025-01"),
        ("/api/v1/ar/aging", "asof=2025-01-31"),
    ],
)
def test_unknown_query_parameters_are_named(
    client: TestClient, sales: dict[str, str], path: str, query: str
) -> None:
    response = client.get(f"{path}?{query}", headers=sales)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert repr(query.split("=")[0]) in detail and "accepts:" in detail


def _sortable(name: str, value: Any) -> Any:
    """A list value as it sorts: money (decimal text) by amount, anything else as given."""
    return Decimal(value) if name in ("amount", "at_risk_amount") else value


@pytest.mark.parametrize(
    "field", ["amount", "-win_probability", "close_p50", "account", "-at_risk_amount"]
)
def test_sorts(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]], field: str
) -> None:
    name = field.removeprefix("-")
    items = client.get(f"/api/v1/deals?limit=500&sort={field}", headers=sales).json()["items"]
    values = [_sortable(name, d[name]) for d in items if d[name] is not None]
    assert values == sorted(values, reverse=field.startswith("-"))
    assert [d[name] for d in items[len(values) :]] == [None] * (len(items) - len(values))
    assert len(items) == len(everything)


def test_paging(
    client: TestClient, sales: dict[str, str], everything: list[dict[str, Any]]
) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page = client.get(f"/api/v1/deals?limit=7&offset={offset}", headers=sales).json()
        assert page["total"] == len(everything) and page["limit"] == 7
        seen += [d["id"] for d in page["items"]]
        offset = page["next_offset"]
    assert seen == [d["id"] for d in everything]
    past = client.get(f"/api/v1/deals?offset={len(everything) + 5}", headers=sales).json()
    assert past["items"] == [] and past["total"] == len(everything)


@pytest.mark.parametrize(
    ("query", "status", "names"),
    [
        ("sort=bogus", 400, "'bogus'"),
        ("sort=-risk_score,nope", 400, "'nope'"),
        ("risk_min=80&risk_max=20", 400, "risk_min"),
        ("risk_category=urgent", 422, "risk_category"),
        ("risk_min=101", 422, "risk_min"),
        ("limit=0", 422, "limit"),
        ("offset=-1", 422, "offset"),
    ],
)
def test_bad_parameters_are_problems(
    client: TestClient, sales: dict[str, str], query: str, status: int, names: str
) -> None:
    response = client.get(f"/api/v1/deals?{query}", headers=sales)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert names in response.json()["detail"]


def test_one_deal_and_its_explanation(
    client: TestClient,
    sales: dict[str, str],
    everything: list[dict[str, Any]],
    gold: duckdb.DuckDBPyConnection,
) -> None:
    deal = everything[0]
    detail = client.get(f"/api/v1/deals/{deal['id']}", headers=sales).json()
    assert {k: detail[k] for k in deal} == deal
    assert detail["loss_probability"] == pytest.approx(1 - deal["win_probability"], abs=1e-4)
    actions = {name: action for _, name, action in CATEGORIES_AND_ACTIONS}
    assert detail["suggested_action"] == actions[deal["risk_category"]]
    explanation = client.get(f"/api/v1/deals/{deal['id']}/explanation", headers=sales).json()
    drivers = explanation["drivers"]
    stored = gold.execute(
        "select feature, points, sentence from gold.ml_deal_explanations "
        "where opportunity_id = ? order by driver_rank",
        [deal["id"]],
    ).fetchall()
    assert [(d["feature"], d["points"], d["sentence"]) for d in drivers] == stored
    assert [d["rank"] for d in drivers] == list(range(1, len(drivers) + 1))
    assert drivers[0]["sentence"] == deal["top_driver"]
    magnitudes = [abs(d["points"]) for d in drivers]
    assert magnitudes == sorted(magnitudes, reverse=True)
    # every feature's points add up to 100 × (p − p at the bias): shown + the rest
    p0 = explanation["baseline_probability"]
    assert 0 < p0 < 1 and 0 < explanation["base_rate"] < 1
    total = sum(d["points"] for d in drivers) + explanation["other_points"]
    assert total == pytest.approx(100 * (deal["win_probability"] - p0), abs=0.02)
    assert explanation["suggested_action"] == detail["suggested_action"]
    assert explanation["model_version"] == detail["model_version"]


@pytest.mark.parametrize("suffix", ["", "/explanation"])
def test_unknown_deal_is_404(client: TestClient, sales: dict[str, str], suffix: str) -> None:
    response = client.get(f"/api/v1/deals/no-such-deal{suffix}", headers=sales)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "no-such-deal" in response.json()["detail"]


def test_forecast_equals_the_published_one(
    client: TestClient, sales: dict[str, str], gold: duckdb.DuckDBPyConnection
) -> None:
    """`revlake forecast --publish` (13 weeks, 10,000 simulations, seed 0) wrote
    gold.ml_forecast from the same history and model: the API must give the same bands."""
    response = client.post(
        "/api/v1/forecast", json={"horizon": 13, "period": "week"}, headers=sales
    )
    assert response.status_code == 200, response.text
    fc = response.json()
    published = gold.execute(
        "select period_start, period_end, p10, p50, p90, cumulative_p50, "
        "stage_weighted_baseline from gold.ml_forecast order by period_index"
    ).fetchall()
    assert fc["simulations"] == 10_000 and fc["horizon"] == 13 and len(fc["periods"]) == 13
    for period, row in zip(fc["periods"], published, strict=True):
        assert (period["start"], period["end"]) == (row[0].isoformat(), row[1].isoformat())
        got = [float(period[k]) for k in ("p10", "p50", "p90", "cumulative_p50", "baseline")]
        assert got == pytest.approx(list(row[2:]), abs=0.01)
    assert fc["total_p50"] == fc["periods"][-1]["cumulative_p50"]
    assert Decimal(fc["total_p10"]) <= Decimal(fc["total_p50"]) <= Decimal(fc["total_p90"])
    assert Decimal(fc["total_baseline"]) == sum(Decimal(p["baseline"]) for p in fc["periods"])
    scored = gold.execute("select count(*) from gold.ml_deal_scores").fetchall()
    assert fc["open_deals"] == scored[0][0]
    # memoised: the same request is answered from the cache, byte for byte
    again = client.post("/api/v1/forecast", json={"horizon": 13, "period": "week"}, headers=sales)
    assert again.content == response.content


def test_forecast_by_month_and_default_body(client: TestClient, sales: dict[str, str]) -> None:
    months = client.post("/api/v1/forecast", json={"horizon": 4, "period": "month"}, headers=sales)
    assert months.status_code == 200, months.text
    periods = months.json()["periods"]
    assert [(p["start"], p["end"]) for p in periods] == [
        ("2026-01-01", "2026-01-31"),
        ("2026-02-01", "2026-02-28"),
        ("2026-03-01", "2026-03-31"),
        ("2026-04-01", "2026-04-30"),
    ]
    for p in periods:
        assert Decimal(p["p10"]) <= Decimal(p["p50"]) <= Decimal(p["p90"])
        assert float(p["mean"]) == pytest.approx(
            float(p["open_pipeline_mean"]) + float(p["new_pipeline_mean"]), abs=0.02
        )
    default = client.post("/api/v1/forecast", headers=sales).json()
    assert (default["horizon"], default["period"]) == (13, "week")


def test_forecast_from_a_fresh_server_runs_every_simulation(served: ServedWorkspace) -> None:
    """A fresh server (nothing memoised) fits the history and hazards and runs the 10,000
    simulations on the first request. How fast: benchmarks/bench_deal_endpoints.py
    (docs/PERFORMANCE.md, "Deal and forecast endpoints from the first request"), not a
    timed test on a shared machine."""
    with TestClient(create_app(served.workspace)) as fresh:
        response = fresh.post(
            "/api/v1/forecast",
            json={"horizon": 26, "period": "week"},
            headers=bearer(served.key(role="sales")),
        )
    assert response.status_code == 200, response.text
    assert response.json()["simulations"] == 10_000


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"horizon": 3}, "horizon"),
        ({"horizon": 27}, "horizon"),
        ({"horizon": "soon"}, "horizon"),
        ({"period": "day"}, "period"),
        ({"horizon": 8, "periods": "week"}, "periods"),
    ],
)
def test_forecast_bad_body_names_the_field(
    client: TestClient, sales: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/forecast", json=body, headers=sales)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"body.{field}" in response.json()["detail"]


def test_forecast_bad_json_is_a_problem(client: TestClient, sales: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/forecast",
        content=b"{horizon: 5",
        headers={**sales, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


DEAL_ROUTES = (
    ("GET", "/api/v1/deals"),
    ("GET", "/api/v1/deals/summary"),
    ("GET", "/api/v1/deals/filters"),
    ("GET", "/api/v1/deals/{id}"),
    ("GET", "/api/v1/deals/{id}/explanation"),
    ("POST", "/api/v1/forecast"),
)


@pytest.mark.parametrize(("method", "path"), DEAL_ROUTES)
def test_roles(
    client: TestClient,
    served: ServedWorkspace,
    everything: list[dict[str, Any]],
    method: str,
    path: str,
) -> None:
    url = path.replace("{id}", everything[0]["id"])
    for role, status in (("sales", 200), ("admin", 200), ("marketing", 403), ("finance", 403)):
        response = client.request(method, url, headers=bearer(served.key(role=role)))
        assert response.status_code == status, (role, response.text[:200])
    assert client.request(method, url).status_code == 401


@pytest.fixture(scope="module")
def bare(
    served: ServedWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """A workspace whose published build has no ml tables and whose registry is empty
    (a build before `revlake train` / `revlake score`)."""
    root = tmp_path_factory.mktemp("bare")
    workspace = init_workspace(root / "ws", tenants=(TENANT,))
    source = snapshots.current_snapshot(served.workspace.snapshots_dir(TENANT))
    assert source is not None
    folder = workspace.snapshots_dir(TENANT)
    folder.mkdir(parents=True, exist_ok=True)
    target = snapshots.new_snapshot_path(folder)
    shutil.copyfile(source, target)
    con = duckdb.connect(str(target))
    for table in ("ml_deal_scores", "ml_deal_explanations", "ml_deal_close_timing", "ml_forecast"):
        con.execute(f"drop table if exists gold.{table}")
    con.close()
    snapshots.publish(target)
    store = open_store(workspace)
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="tests")
            key = create_key(session, tenant_id=TENANT, role="sales", actor="tests").key
    finally:
        store.dispose()
    app: FastAPI = create_app(workspace)
    with TestClient(app, raise_server_exceptions=False) as bare_client:
        yield {"client": bare_client, "headers": bearer(key), "root": Path(root)}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/deals", "/api/v1/deals/summary", "/api/v1/deals/filters", "/api/v1/deals/x"],
)
def test_no_scores_is_a_clear_problem(bare: dict[str, Any], path: str) -> None:
    response = bare["client"].get(path, headers=bare["headers"])
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "revlake score" in response.json()["detail"]


def test_no_model_is_a_clear_problem(bare: dict[str, Any]) -> None:
    response = bare["client"].post("/api/v1/forecast", json={"horizon": 4}, headers=bare["headers"])
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "revlake train --tenant demo" in response.json()["detail"]


def test_as_of_is_the_build_date(everything: list[dict[str, Any]]) -> None:
    for deal in everything:
        if deal["close_p10"]:
            assert date.fromisoformat(deal["close_p10"]) > date(2025, 12, 31)
            assert deal["close_p10"] <= deal["close_p50"] <= deal["close_p90"]
