"""Issue 16 items 1–4 on the real MavenTech export and on the synthetic company.

MavenTech (../shared/datasets/maven-crm-sales-opportunities) is landed, ingested, built,
trained and scored with revlake's own pipeline once per module; the synthetic company is
the session's served workspace (tests/serving_support.py). Each check recomputes its
figure independently from gold with SQL or from the registered model's files.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pytest

from revlake.ml.deals import load_deal_history
from revlake.ml.forecast import forecast_history
from revlake.ml.open_deals import OUTSIDE_EXPERIENCE
from revlake.ml.registry import load_model, registered_win_version
from revlake.queries.deals import deal_explanation, deal_summary
from revlake.queries.pipeline import pipeline_summary
from revlake.reader import open_published
from revlake.workspace import Workspace
from tests.company_support import MAVEN_TENANT as MAVEN
from tests.serving_support import TENANT as SYNTHETIC
from tests.serving_support import ServedWorkspace

pytestmark = pytest.mark.slow
"""Every test here reads a built company; `company` picks one with getfixturevalue, which
the fast lane's fixture check (tests/conftest.py) cannot see, so the module says so."""

HIGH_AND_CRITICAL_SHARE = 0.35
"""The stated share: on MavenTech the high + critical deals hold at least 35 % of the
at-risk revenue (measured 2026-12-06: docs/MODELS.md, Risk)."""


@dataclass(frozen=True)
class Tenant:
    workspace: Workspace
    tenant: str


@pytest.fixture(scope="module")
def maventech(maventech_workspace: Workspace) -> Tenant:
    return Tenant(maventech_workspace, MAVEN)


@pytest.fixture(scope="module")
def synthetic(served: ServedWorkspace) -> Tenant:
    return Tenant(served.workspace, SYNTHETIC)


@pytest.fixture(params=["maventech", "synthetic"])
def company(request: pytest.FixtureRequest) -> Tenant:
    tenant: Tenant = request.getfixturevalue(request.param)
    return tenant


@pytest.fixture
def gold(company: Tenant) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_published(company.workspace, company.tenant) as build, build.cursor() as con:
        yield con


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[object, ...]:
    row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


# ---------------------------------------------------------------- 1. every open deal


def test_every_open_deal_is_in_every_summary_and_the_forecast(company: Tenant) -> None:
    with open_published(company.workspace, company.tenant) as build:
        with build.cursor() as con:
            open_deals, open_amount = _one(
                con,
                "select count(*), sum(pipeline_amount_rc) from gold.fct_pipeline "
                "where not is_closed",
            )
            history = load_deal_history(con)
        deals = deal_summary(build)
        pipeline = pipeline_summary(build, None, 1)
    latest = [s.latest for s in pipeline.sources]
    assert deals.open_deals == open_deals == sum(m.open_opportunities for m in latest)
    assert float(deals.open_pipeline) == pytest.approx(float(open_amount), abs=0.01)  # type: ignore[arg-type]
    assert float(sum(m.open_pipeline for m in latest)) == pytest.approx(
        float(deals.open_pipeline), abs=0.01
    )
    registered = load_model(
        company.workspace,
        company.tenant,
        registered_win_version(company.workspace, company.tenant),
    )
    fc = forecast_history(history, registered.model, horizon=4, n_sims=200)
    assert fc.deals.deal_idx.size == open_deals


def test_maventech_prospecting_deals_are_counted_with_an_imputed_age(maventech: Tenant) -> None:
    with (
        open_published(maventech.workspace, MAVEN) as build,
        build.cursor() as con,
    ):
        imputed = con.execute(
            "select s.stage_name, count(*), min(s.age_days), max(s.age_days), "
            "bool_and(p.created_date is null) from gold.ml_deal_scores s "
            "join gold.fct_pipeline p using (opportunity_id) where s.age_imputed group by 1"
        ).fetchall()
        summary = deal_summary(build)
        kpi = pipeline_summary(build, MAVEN, 1).sources[0].latest
    assert imputed == [("Prospecting", 500, 0.0, 0.0, True)]
    # the figures: 2,089 open deals and $4.97M of list price, on every endpoint
    assert summary.open_deals == kpi.open_opportunities == 2_089
    assert summary.open_pipeline == kpi.open_pipeline == pytest.approx(4_966_215.0)


# ---------------------------------------------------------------- 2. stagnation


def test_typical_days_in_stage_are_won_deals_medians_from_stage_history(
    gold: duckdb.DuckDBPyConnection, company: Tenant
) -> None:
    expected = dict(
        gold.execute(
            "select h.stage_name, median(h.days_in_stage) from "
            "gold.fct_opportunity_stage_history h join gold.fct_pipeline p "
            "using (opportunity_id) where p.is_won and h.stage_category = 'open' "
            "and h.exited_date is not null and h.entered_date is not null group by 1"
        ).fetchall()
    )
    scored = dict(
        gold.execute(
            "select stage_name, any_value(typical_days_in_stage_won) "
            "from gold.ml_deal_scores group by 1"
        ).fetchall()
    )
    assert expected, "no won deal has a timed open stage"
    for stage, typical in scored.items():
        assert typical == (pytest.approx(float(expected[stage])) if stage in expected else None)
    if company.tenant == MAVEN:
        # the issue: won deals spent a median of 57 days in Engaging (not 10)
        assert scored["Engaging"] == 57.0
        assert scored["Prospecting"] is None  # no won deal has a dated Prospecting entry


# ---------------------------------------------------------------- 3. outside experience


def test_deals_beyond_the_training_range_are_capped_and_flagged(
    gold: duckdb.DuckDBPyConnection, company: Tenant
) -> None:
    registered = load_model(
        company.workspace,
        company.tenant,
        registered_win_version(company.workspace, company.tenant),
    )
    ranges = registered.model.spec.ranges
    assert set(ranges) == {"age_days", "days_in_stage", "amount"}
    low, high = ranges["age_days"]
    rows = gold.execute(
        "select opportunity_id, age_days, outside_experience, experience_note "
        "from gold.ml_deal_scores"
    ).fetchall()
    too_old = {r[0] for r in rows if r[1] is not None and not low <= r[1] <= high}
    flagged = {r[0] for r in rows if r[2] and "age_days" in r[2].split(",")}
    assert flagged == too_old
    for _, _, outside, note in rows:
        assert (outside is None) == (note is None)
        assert note is None or note.startswith(OUTSIDE_EXPERIENCE)
    if company.tenant == MAVEN:
        # the issue: 718 open deals are 180–400 days old, older than any training row
        assert high < 180
        assert len(too_old) >= 718
        deal = sorted(too_old)[0]
        with open_published(company.workspace, MAVEN) as build:
            explanation = deal_explanation(build, company.workspace, MAVEN, deal)
        assert explanation is not None and "age_days" in explanation.outside_experience
        age_sentences = [d.sentence for d in explanation.drivers if d.feature == "age_days"]
        assert all(OUTSIDE_EXPERIENCE in s for s in age_sentences)


# ---------------------------------------------------------------- 4. risk categories


def test_the_top_of_the_risk_list_is_always_high_or_critical(
    gold: duckdb.DuckDBPyConnection, company: Tenant
) -> None:
    n, top = _one(
        gold,
        "select count(*), count(*) filter (where risk_category in ('high', 'critical')) "
        "from gold.ml_deal_scores where risk_score >= 20 and risk_percentile >= 80",
    )
    assert top == n  # the riskiest fifth (risk ≥ 20) is high or critical
    riskiest = _one(
        gold, "select risk_category, risk_score from gold.ml_deal_scores order by risk_score desc"
    )
    assert riskiest[0] == "critical" or float(riskiest[1]) < 20  # type: ignore[arg-type]


def test_maventech_high_and_critical_hold_the_stated_share_of_at_risk_revenue(
    maventech: Tenant,
) -> None:
    with open_published(maventech.workspace, MAVEN) as build, build.cursor() as con:
        critical, high, share, low_score = _one(
            con,
            "select count(*) filter (where risk_category = 'critical'), "
            "count(*) filter (where risk_category = 'high'), "
            "sum(at_risk_amount_rc) filter (where risk_category in ('high', 'critical')) "
            "/ sum(at_risk_amount_rc), "
            "min(risk_score) filter (where risk_category in ('high', 'critical')) "
            "from gold.ml_deal_scores",
        )
    assert critical > 0 and high > 0  # type: ignore[operator]
    assert float(share) >= HIGH_AND_CRITICAL_SHARE  # type: ignore[arg-type]
    assert float(low_score) >= 20  # type: ignore[arg-type]


# ---------------------------------------------------------------- the API, end to end


def _maventech_key(maventech: Tenant, role: str) -> str:
    """A new API key of `role` for the MavenTech tenant."""
    from revlake.store.keys import create_key
    from revlake.store.tenants import sync_tenants
    from revlake.store.workspace_store import open_store

    store = open_store(maventech.workspace)
    try:
        with store.write() as session:
            sync_tenants(session, maventech.workspace.settings.tenants, actor="tests")
            return create_key(session, tenant_id=MAVEN, role=role, actor="tests").key
    finally:
        store.dispose()


def test_maventech_api_agrees_and_carries_the_new_fields(maventech: Tenant) -> None:
    from fastapi.testclient import TestClient

    from revlake.api import create_app

    key = _maventech_key(maventech, "sales")
    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(maventech.workspace)) as client:
        summary = client.get("/api/v1/deals/summary", headers=headers).json()
        pipeline = client.get("/api/v1/pipeline/summary", headers=headers).json()
        latest = pipeline["sources"][0]["latest"]
        assert (summary["open_deals"], summary["open_pipeline"]) == (
            latest["open_opportunities"],
            latest["open_pipeline"],
        )
        top = client.get("/api/v1/deals?limit=20", headers=headers).json()["items"]
        assert all(d["risk_category"] == "critical" for d in top)  # the top is visible
        flagged = next(d for d in top if d["outside_experience"])
        detail = client.get(f"/api/v1/deals/{flagged['id']}", headers=headers).json()
        assert detail["experience_note"].startswith(OUTSIDE_EXPERIENCE)
        if "age_days" in flagged["outside_experience"]:
            assert f"age {detail['age_days']:,.0f} days" in detail["experience_note"]
        prospecting = client.get("/api/v1/deals?stage=Prospecting&limit=1", headers=headers).json()[
            "items"
        ][0]
        assert prospecting["age_imputed"] is True


def test_maventech_growth_page_without_leads_or_spend(maventech: Tenant) -> None:
    """A CRM export with opportunities but no leads and no ad spend: the funnel shows no
    share of 0 leads ("Infinity%"), the page says why it covers all months, and the
    channel table lists no channel-month that has nothing in it."""
    from fastapi.testclient import TestClient

    from revlake.api import create_app

    key = _maventech_key(maventech, "admin")
    with TestClient(create_app(maventech.workspace)) as browser:
        browser.post("/login", data={"api_key": key, "next": "/growth"})
        page = browser.get("/growth")
        assert page.status_code == 200
        assert "Growth · all months" in page.text
        assert 'data-testid="no-spend"' in page.text
        assert "percent initial" not in page.text  # 0 leads: counts only
        assert 'data-channel="' not in page.text  # every channel-month was empty
        assert "No spend, leads or new customers attributed to a channel in any month" in (
            page.text
        )
