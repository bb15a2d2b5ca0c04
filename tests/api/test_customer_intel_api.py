"""Customer intelligence API on the served workspace: churn per customer, customers at
risk, LTV and the sBG fit of the cohorts (plus `revlake retention fit --workspace`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from revlake.api.routes import route_table
from revlake.cli.app import app as cli_app
from revlake.errors import InputError
from revlake.ml.cohort_fit import read_cohort_counts
from revlake.reader import Build, published_path
from tests.api.conftest import bearer
from tests.serving_support import OTHER, TENANT, ServedWorkspace

AT_RISK = "/api/v1/customers/at-risk"
COHORTS = "/api/v1/retention/cohorts"


def get(client: TestClient, served: ServedWorkspace, url: str, role: str = "admin") -> Any:
    response = client.get(url, headers=bearer(served.key(role=role)))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def at_risk_all(client: TestClient, served: ServedWorkspace) -> dict[str, Any]:
    return get(client, served, f"{AT_RISK}?limit=500")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def churned_customer(client: TestClient, served: ServedWorkspace) -> str:
    page = get(client, served, "/api/v1/customers?status=churned&limit=1")
    assert page["items"], "the served company has no churned customer"
    return str(page["items"][0]["customer_id"])


# ------------------------------------------------------------------ at risk


def test_at_risk_is_not_swallowed_by_the_customer_route(app: FastAPI) -> None:
    paths = [path for _, path in route_table(app.routes)]
    assert paths.index(AT_RISK) < paths.index("/api/v1/customers/{customer_id}")


def test_at_risk_lists_every_scored_customer_by_mrr_at_risk(
    at_risk_all: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    items = at_risk_all["items"]
    paying = get(client, served, "/api/v1/customers?status=paying&limit=1")["total"]
    assert at_risk_all["total"] == len(items) == paying > 50
    at_risk = [Decimal(i["mrr_at_risk"]) for i in items]
    assert at_risk == sorted(at_risk, reverse=True)
    for item in items:
        assert float(item["mrr_at_risk"]) == pytest.approx(
            float(item["mrr"]) * item["churn_probability"], abs=0.01
        )
        assert 0 <= item["churn_probability"] <= 1
        assert item["risk_level"] in {"low", "medium", "high", "critical", "cancelling"}
    assert at_risk_all["currency"] == "USD"
    assert at_risk_all["horizon_months"] == 3


def test_at_risk_filters_by_level_segment_and_probability(
    at_risk_all: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    items = at_risk_all["items"]
    levels = sorted({i["risk_level"] for i in items})
    assert len(levels) >= 2
    first, second = levels[:2]
    both = get(client, served, f"{AT_RISK}?risk_level={first}&risk_level={second}&limit=500")
    assert {i["risk_level"] for i in both["items"]} == {first, second}
    assert both["total"] == sum(1 for i in items if i["risk_level"] in {first, second})
    segment = next(i["segment"] for i in items if i["segment"])
    by_segment = get(client, served, f"{AT_RISK}?segment={segment}&limit=500")
    assert by_segment["total"] == sum(1 for i in items if i["segment"] == segment) > 0
    threshold = sorted(i["churn_probability"] for i in items)[len(items) // 2]
    likely = get(client, served, f"{AT_RISK}?min_probability={threshold}&limit=500")
    assert likely["total"] == sum(1 for i in items if i["churn_probability"] >= threshold)
    assert all(i["churn_probability"] >= threshold for i in likely["items"])
    nobody = get(client, served, f"{AT_RISK}?segment=no-such-segment")
    assert nobody["total"] == 0 and nobody["items"] == []


def test_at_risk_pages_through_the_same_order(
    at_risk_all: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    page = get(client, served, f"{AT_RISK}?limit=10&offset=10")
    assert [i["customer_id"] for i in page["items"]] == [
        i["customer_id"] for i in at_risk_all["items"][10:20]
    ]
    assert page["next_offset"] == 20 and page["total"] == at_risk_all["total"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("risk_level=extreme", "risk_level"),
        ("min_probability=1.5", "min_probability"),
        ("min_probability=-0.1", "min_probability"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ],
)
def test_at_risk_bad_parameters_are_422_problems(
    query: str, field: str, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(f"{AT_RISK}?{query}", headers=bearer(served.key()))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert field in response.json()["detail"]


# ------------------------------------------------------------------ churn and LTV


def test_churn_of_a_customer_has_ranked_drivers(
    at_risk_all: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    row = next(i for i in at_risk_all["items"] if i["risk_level"] != "cancelling")
    churn = get(client, served, f"/api/v1/customers/{row['customer_id']}/churn")
    assert churn["churn_probability"] == row["churn_probability"]
    assert churn["risk_level"] == row["risk_level"]
    assert churn["intervention"] == row["intervention"]
    assert churn["mrr_at_risk"] == row["mrr_at_risk"]
    assert churn["horizon_months"] == 3
    assert churn["model_version"]
    drivers = churn["drivers"]
    assert [d["rank"] for d in drivers] == [1, 2, 3]
    assert drivers[0]["sentence"] == row["top_driver"]
    points = [abs(d["points"]) for d in drivers]
    assert points == sorted(points, reverse=True)
    assert churn["scoring_month"] == at_risk_all["scoring_month"]


def test_ltv_of_a_customer_is_mrr_times_margin_times_derl(
    at_risk_all: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    customer = at_risk_all["items"][0]["customer_id"]
    ltv = get(client, served, f"/api/v1/customers/{customer}/ltv")
    margin = ltv["settings"]["gross_margin"]
    assert margin == 0.8 and ltv["settings"]["annual_discount_rate"] == 0.1
    assert float(ltv["ltv"]) == pytest.approx(
        float(ltv["mrr"]) * margin * ltv["expected_remaining_months"], abs=0.05
    )
    assert float(ltv["simple_ltv"]) == pytest.approx(
        float(ltv["mrr"]) * margin / ltv["monthly_revenue_churn"], rel=1e-6
    )
    assert ltv["segment_alpha"] > 0 and ltv["segment_beta"] > 0
    assert ltv["tenure_months"] >= 0


@pytest.mark.parametrize("what", ["churn", "ltv"])
def test_unknown_customer_is_a_404_that_says_so(
    what: str, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(f"/api/v1/customers/cus_nobody/{what}", headers=bearer(served.key()))
    assert response.status_code == 404
    assert response.json()["detail"] == "no customer 'cus_nobody'"


@pytest.mark.parametrize(
    ("what", "says"),
    [("churn", "is not scored"), ("ltv", "has no lifetime value")],
)
def test_a_customer_not_paying_now_is_a_404_that_says_not_scored(
    what: str, says: str, churned_customer: str, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(
        f"/api/v1/customers/{churned_customer}/{what}", headers=bearer(served.key())
    )
    assert response.status_code == 404
    assert says in response.json()["detail"]
    assert churned_customer in response.json()["detail"]


# ------------------------------------------------------------------ retention cohorts


@pytest.fixture(scope="module")
def cohorts(client: TestClient, served: ServedWorkspace) -> dict[str, Any]:
    return get(client, served, f"{COHORTS}?periods_ahead=6")  # type: ignore[no-any-return]


def test_retention_cohorts_cover_every_cohort_with_observed_and_projected_survival(
    cohorts: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    cells = get(client, served, "/api/v1/cohorts?max_age=600")["cells"]
    sizes = {c["cohort_month"]: c["cohort_customers"] for c in cells if c["age_months"] == 0}
    active = {(c["cohort_month"], c["age_months"]): c["active_customers"] for c in cells}
    assert {c["cohort_month"] for c in cohorts["cohorts"]} == set(sizes)
    assert sum(c["customers"] for c in cohorts["cohorts"]) == sum(sizes.values())
    assert sum(g["customers"] for g in cohorts["groups"]) == sum(sizes.values())
    assert cohorts["periods_ahead"] == 6 and cohorts["grouping"] == "cohort"
    for cohort in cohorts["cohorts"]:
        points = cohort["points"]
        assert len(points) == cohort["last_age_months"] + 6 + 1
        survival = [p["expected_survival"] for p in points]
        assert survival[0] == 1.0 and survival == sorted(survival, reverse=True)
        for p in points[: cohort["last_age_months"] + 1]:
            # survivors never exceed the cohort table's paying count (reactivations held)
            assert p["observed_survivors"] <= active[(cohort["cohort_month"], p["age_months"])]
        assert all(p["observed_survivors"] is None for p in points[cohort["last_age_months"] + 1 :])
        assert cohort["derl_months"] > 0 and cohort["group"] in {
            g["label"] for g in cohorts["groups"]
        }


def test_small_cohorts_are_pooled_and_every_group_has_a_fit(cohorts: dict[str, Any]) -> None:
    # the served company's monthly cohorts have a handful of customers each: all pooled
    for group in cohorts["groups"]:
        assert group["customers"] >= cohorts["min_customers"] or group["label"].startswith(
            ("other", "all")
        )
        assert group["alpha"] > 0 and group["beta"] > 0 and group["converged"]
        assert group["fit"]["degrees_of_freedom"] > 0
        if not group["degenerate"]:
            assert group["alpha_se"] is not None and group["alpha_se"] > 0


def test_retention_cohorts_by_segment_add_up_to_the_cohort_table(
    cohorts: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    by_segment = get(client, served, f"{COHORTS}?grouping=segment&periods_ahead=1")
    totals: dict[str, int] = {}
    for c in by_segment["cohorts"]:
        totals[c["cohort_month"]] = totals.get(c["cohort_month"], 0) + c["customers"]
    assert totals == {c["cohort_month"]: c["customers"] for c in cohorts["cohorts"]}
    assert {g["label"] for g in by_segment["groups"]} >= {"smb"}


def test_retention_cohort_range_keeps_those_cohorts(
    cohorts: dict[str, Any], client: TestClient, served: ServedWorkspace
) -> None:
    months = sorted(c["cohort_month"] for c in cohorts["cohorts"])
    first, last = months[-12][:7], months[-1][:7]
    ranged = get(client, served, f"{COHORTS}?from={first}&to={last}&grouping=all")
    assert sorted(c["cohort_month"] for c in ranged["cohorts"]) == months[-12:]
    assert len(ranged["groups"]) == 1


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("periods_ahead=0", 422),
        ("periods_ahead=61", 422),
        ("grouping=week", 422),
        ("from=2025-13", 422),
        ("from=2025-06&to=2025-01", 400),
        ("from=2031-01", 400),
    ],
)
def test_retention_cohorts_bad_parameters(
    query: str, status: int, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(f"{COHORTS}?{query}", headers=bearer(served.key()))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_library_fit_on_the_served_snapshot_matches_the_api(
    cohorts: dict[str, Any], served: ServedWorkspace
) -> None:
    con = duckdb.connect(str(published_path(served.workspace, TENANT)), read_only=True)
    try:
        counts = read_cohort_counts(Build.over(con))
        with pytest.raises(InputError, match="survivor counts must never increase"):
            read_cohort_counts(Build.over(con), reactivations="error")
    finally:
        con.close()
    assert counts.held_cells == cohorts["reactivation_cells_held"] > 0
    assert str(counts.last_complete_month) == cohorts["data_complete_through"]


# ------------------------------------------------------------------ roles and tenancy


@pytest.mark.parametrize("url", [AT_RISK, "/api/v1/customers/x/churn", "/api/v1/customers/x/ltv"])
def test_marketing_may_not_read_customer_risk(
    url: str, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(url, headers=bearer(served.key(role="marketing")))
    assert response.status_code == 403
    assert "may not read 'customers'" in response.json()["detail"]


def test_sales_may_not_read_cohort_projections_but_marketing_may(
    client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(COHORTS, headers=bearer(served.key(role="sales")))
    assert response.status_code == 403
    assert "may not read 'cohorts'" in response.json()["detail"]
    assert get(client, served, f"{COHORTS}?grouping=all", role="marketing")["groups"]


@pytest.mark.parametrize("url", [AT_RISK, COHORTS, "/api/v1/customers/cus_x/churn"])
def test_other_tenant_gets_its_own_empty_workspace(
    url: str, client: TestClient, served: ServedWorkspace
) -> None:
    response = client.get(url, headers=bearer(served.key(OTHER)))
    assert response.status_code == 404
    assert TENANT not in response.text


# ------------------------------------------------------------------ CLI, workspace mode


def test_cli_fits_the_workspace_cohorts(served: ServedWorkspace) -> None:
    result = CliRunner().invoke(
        cli_app,
        [
            "retention",
            "fit",
            "--workspace",
            str(served.workspace.root),
            "--tenant",
            TENANT,
            "--by",
            "year",
            "--periods-ahead",
            "3",
        ],
        env={"COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.output
    assert "sBG fit of tenant demo's cohorts · grouping year" in result.output
    assert "fits (one per group of cohorts)" in result.output
    assert "│ 2024 " in result.output


def test_cli_one_cohort_shows_every_age(cohorts: dict[str, Any], served: ServedWorkspace) -> None:
    month = cohorts["cohorts"][-3]["cohort_month"][:7]
    result = CliRunner().invoke(
        cli_app,
        ["retention", "fit", "-w", str(served.workspace.root), "-t", TENANT, "--cohort", month],
        env={"COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert result.exit_code == 0, result.output
    assert f"cohort {month} by age" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--survivors", "100,80,70", "--tenant", TENANT], "--survivors cannot be combined"),
        (["--survivors", "100,80,70", "--by", "segment"], "--survivors cannot be combined"),
        ([], "give --survivors"),
        (["--fit-periods", "3"], "--fit-periods works with --survivors only"),
        (["--cohort", "2025-13"], "expected YYYY-MM"),
        (["--by", "week"], "grouping 'week' is not one of"),
        (["--periods-ahead", "61"], "--periods-ahead must be 0..60"),
    ],
)
def test_cli_bad_combinations_are_input_errors(
    args: list[str], message: str, served: ServedWorkspace
) -> None:
    survivors_mode = not args or args[0] == "--survivors"
    workspace = [] if survivors_mode else ["-w", str(served.workspace.root), "-t", TENANT]
    result = CliRunner().invoke(
        cli_app, ["retention", "fit", *workspace, *args], env={"REVLAKE_WORKSPACE": ""}
    )
    assert isinstance(result.exception, InputError), result.output
    assert message in str(result.exception)
