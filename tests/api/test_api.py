"""API v1 answers: the gold layer's numbers, paging/filtering/sorting, roles, errors, and
snapshot pinning when a new build is published."""

from __future__ import annotations

import itertools
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.api.context import ServerContext
from revlake.ingest import run_ingest
from revlake.transform import snapshots
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace


def gold(
    served: ServedWorkspace, sql: str, params: list[Any] | None = None
) -> list[tuple[Any, ...]]:
    """Query the published snapshot directly (what the API must agree with)."""
    path = snapshots.current_snapshot(served.workspace.snapshots_dir(TENANT))
    assert path is not None
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def get(client: TestClient, served: ServedWorkspace, url: str, role: str = "admin") -> Any:
    response = client.get(url, headers=bearer(served.key(role=role)))
    assert response.status_code == 200, response.text
    return response.json()


def test_kpis_are_gold_values_with_month_over_month_change(
    client: TestClient, served: ServedWorkspace
) -> None:
    body = get(client, served, "/api/v1/kpis")
    (month, mrr, arr, nrr, customers, prev_mrr), *_ = gold(
        served,
        "select month_start_date, mrr_rc, arr_rc, nrr_12m, paying_customers, "
        "lag(mrr_rc) over (order by month_start_date) from gold.kpi_revenue_monthly "
        "order by month_start_date desc limit 1",
    )
    ((cac, ltv, payback),) = gold(
        served,
        "select cac_rc, ltv_rc, payback_months from gold.kpi_unit_economics "
        "where month_start_date = ?",
        [month],
    )
    kpis = {k["key"]: k for k in body["kpis"]}
    assert body["month"] == month.isoformat()
    assert Decimal(str(kpis["mrr"]["value"])) == mrr
    assert Decimal(str(kpis["arr"]["value"])) == arr
    assert Decimal(str(kpis["mrr"]["previous"])) == prev_mrr
    assert Decimal(kpis["mrr"]["change"]) == mrr - prev_mrr
    assert kpis["nrr"]["value"] == pytest.approx(float(nrr))
    assert kpis["customers"]["value"] == customers
    assert float(kpis["cac"]["value"]) == pytest.approx(float(cac), abs=0.005)
    assert float(kpis["ltv"]["value"]) == pytest.approx(float(ltv), abs=0.005)
    assert kpis["payback"]["value"] == pytest.approx(float(payback))
    assert len(kpis["mrr"]["trend"]) == 12 and kpis["mrr"]["trend"][-1] == kpis["mrr"]["value"]
    assert set(kpis) >= {"mrr", "arr", "nrr", "grr", "customers", "arpa", "cac", "ltv", "payback"}


def test_kpis_of_an_earlier_month_and_unknown_month(
    client: TestClient, served: ServedWorkspace
) -> None:
    ((month, mrr),) = gold(
        served,
        "select month_start_date, mrr_rc from gold.kpi_revenue_monthly "
        "order by month_start_date limit 1 offset 3",
    )
    body = get(client, served, f"/api/v1/kpis?month={month:%Y-%m}")
    assert Decimal(str(body["kpis"][0]["value"])) == mrr
    missing = client.get("/api/v1/kpis?month=1990-01", headers=bearer(served.key()))
    assert missing.status_code == 400
    assert missing.headers["content-type"] == "application/problem+json"
    assert "1990-01" in missing.json()["detail"]


def test_movements_page_filter_and_sort(client: TestClient, served: ServedWorkspace) -> None:
    rows = gold(
        served,
        "select month_start_date, net_new_mrr_rc, churn_mrr_rc from gold.kpi_revenue_monthly "
        "where month_start_date between '2024-01-01' and '2024-12-01' "
        "order by churn_mrr_rc asc, month_start_date",
    )
    first = get(client, served, "/api/v1/mrr/movements?from=2024-01&to=2024-12&sort=churn&limit=5")
    second = get(
        client, served, "/api/v1/mrr/movements?from=2024-01&to=2024-12&sort=churn&limit=5&offset=5"
    )
    assert first["total"] == len(rows) == 12
    assert first["next_offset"] == 5 and second["offset"] == 5
    got = [(i["month"], Decimal(i["churn"])) for i in first["items"] + second["items"]]
    assert got == [(m.isoformat(), c) for m, _, c in rows[:10]]


def test_movements_sum_to_mrr_change(client: TestClient, served: ServedWorkspace) -> None:
    items = get(client, served, "/api/v1/mrr/movements?sort=month&limit=500")["items"]
    for before, after in itertools.pairwise(items):
        parts = ("new", "expansion", "contraction", "churn", "reactivation", "fx_impact")
        total = sum(Decimal(str(after[p])) for p in parts)
        assert total == Decimal(str(after["mrr"])) - Decimal(str(before["mrr"])), after["month"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/customers?sort=password", "sort"),
        ("/api/v1/funnel?sort=leads;drop table x", "sort"),
        ("/api/v1/mrr/movements?from=2024-13", "from"),
        ("/api/v1/customers?limit=0", "limit"),
        ("/api/v1/mrr/movements?from=2025-01&to=2024-01", "from"),
    ],
)
def test_bad_parameters_are_problem_details(
    client: TestClient, served: ServedWorkspace, url: str, field: str
) -> None:
    response = client.get(url, headers=bearer(served.key()))
    assert response.status_code in {400, 422}
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == response.status_code and problem["title"]
    assert field in problem["detail"]


def test_customers_search_and_detail(client: TestClient, served: ServedWorkspace) -> None:
    top = get(client, served, "/api/v1/customers?status=paying&sort=-mrr&limit=1")["items"][0]
    word = top["name"].split()[0].lower()
    found = get(client, served, f"/api/v1/customers?q={word}&limit=500")
    assert top["customer_id"] in {c["customer_id"] for c in found["items"]}
    assert all(
        word in c["name"].lower() or word in c["customer_id"].lower() for c in found["items"]
    )
    detail = get(client, served, f"/api/v1/customers/{top['customer_id']}")
    history = gold(
        served,
        "select month_start_date, mrr_rc from gold.fct_mrr where customer_id = ? "
        "order by month_start_date",
        [top["customer_id"]],
    )
    assert [(p["month"], Decimal(p["mrr_rc"])) for p in detail["mrr_history"]] == [
        (m.isoformat(), v) for m, v in history
    ]
    assert Decimal(detail["customer"]["mrr"]) == Decimal(top["mrr"]) == history[-1][1]
    missing = client.get("/api/v1/customers/cus_nobody", headers=bearer(served.key()))
    assert missing.status_code == 404


def test_roles_see_only_their_areas(client: TestClient, served: ServedWorkspace) -> None:
    marketing = bearer(served.key(role="marketing"))
    assert client.get("/api/v1/channels", headers=marketing).status_code == 200
    refused = client.get("/api/v1/customers", headers=marketing)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    finance = bearer(served.key(role="finance"))
    assert client.get("/api/v1/channels", headers=finance).status_code == 403
    assert client.get("/api/v1/audit/verify", headers=finance).json()["ok"] is True


def test_missing_and_wrong_keys_are_401(client: TestClient, served: ServedWorkspace) -> None:
    assert client.get("/api/v1/kpis").status_code == 401
    wrong = served.key()[:-4] + "AAAA"
    response = client.get("/api/v1/kpis", headers={"X-API-Key": wrong})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_readiness_reports_snapshot_age(client: TestClient, served: ServedWorkspace) -> None:
    body = get(client, served, "/api/v1/health/ready")
    assert body["ready"] is True and body["tenant"] == TENANT
    assert body["age_seconds"] >= 0
    other = client.get("/api/v1/health/ready", headers=bearer(served.key("other")))
    assert other.status_code == 503 and other.json()["ready"] is False


def test_runs_show_ingest_build_and_tests(client: TestClient, served: ServedWorkspace) -> None:
    body = get(client, served, "/api/v1/runs")
    kinds = {item["kind"] for item in body["items"]}
    assert {"ingest", "build"} <= kinds
    assert body["tests"]["available"] and body["tests"]["passed"] > 0
    assert body["tests"]["failed"] == 0
    assert body["rejects"]["available"] and body["rejects"]["total"] == 0


def test_runs_say_what_fed_each_metric(client: TestClient, served: ServedWorkspace) -> None:
    body = get(client, served, "/api/v1/runs")
    metrics = {line["subject"]: line for line in body["coverage"] if line["kind"] == "metric"}
    snapshot = served.workspace.snapshots_dir(TENANT)
    con = duckdb.connect(str(snapshots.current_snapshot(snapshot)), read_only=True)
    try:
        [(mrr_rows,)] = con.execute("select count(*) from gold.fct_mrr").fetchall()
        [(invoices,)] = con.execute(
            "select count(*) from silver.int_subscription_periods where source_system = 'stripe'"
        ).fetchall()
    finally:
        con.close()
    assert metrics["fct_mrr"]["rows"] == mrr_rows > 0
    assert metrics["fct_mrr"]["sources"] == {"stripe": invoices}
    assert body["flagged"] == [] or all(f["records"] > 0 for f in body["flagged"])


def test_runs_list_quarantined_files_of_the_tenant_only(
    client: TestClient, served: ServedWorkspace
) -> None:
    workspace = served.workspace
    landing = workspace.landing_dir(OTHER)
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "broken.parquet").write_bytes(b"PAR1 not a parquet file")
    run_ingest(workspace, OTHER)
    response = client.get("/api/v1/runs", headers=bearer(served.key("other")))
    assert response.status_code == 200, response.text
    [quarantined] = response.json()["quarantined"]
    assert quarantined["path"] == "broken.parquet"
    assert "cannot be read" in quarantined["reason"]
    assert get(client, served, "/api/v1/runs")["quarantined"] == []  # another tenant's


def test_a_request_keeps_its_snapshot_while_a_new_one_is_published(
    app: FastAPI, client: TestClient, served: ServedWorkspace, tmp_path: Path
) -> None:
    context: ServerContext = app.state.revlake
    folder = served.workspace.snapshots_dir(TENANT)
    current = snapshots.current_snapshot(folder)
    assert current is not None
    before = get(client, served, "/api/v1/kpis")
    with context.snapshots.acquire(TENANT) as pinned:
        # a "new build": a copy with different MRR, published atomically mid-request
        fresh = snapshots.new_snapshot_path(folder)
        shutil.copyfile(current, fresh)
        con = duckdb.connect(str(fresh))
        con.execute("update gold.kpi_revenue_monthly set mrr_rc = mrr_rc + 1")
        con.close()
        snapshots.publish(fresh)
        try:
            assert pinned.path == current
            rows = pinned.rows("select max(mrr_rc) as m from gold.kpi_revenue_monthly")
            assert rows[0]["m"] == gold_max_mrr(current)
            after = get(client, served, "/api/v1/kpis")
            assert after["snapshot"] == fresh.stem != before["snapshot"]
            assert Decimal(after["kpis"][0]["value"]) == Decimal(before["kpis"][0]["value"]) + 1
        finally:
            snapshots.publish(current)
            snapshots.discard(fresh)
    assert get(client, served, "/api/v1/kpis") == before


def gold_max_mrr(path: Path) -> Decimal:
    con = duckdb.connect(str(path), read_only=True)
    try:
        row = con.execute("select max(mrr_rc) from gold.kpi_revenue_monthly").fetchone()
        assert row is not None
        return Decimal(row[0])
    finally:
        con.close()


def test_openapi_documents_every_api_route(app: FastAPI) -> None:
    paths = set(app.openapi()["paths"])
    assert {
        "/api/v1/health",
        "/api/v1/kpis",
        "/api/v1/mrr/movements",
        "/api/v1/funnel",
        "/api/v1/channels",
        "/api/v1/cohorts",
        "/api/v1/pipeline/summary",
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/runs",
        "/api/v1/audit/verify",
    } <= paths
