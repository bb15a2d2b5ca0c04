"""Pipeline gold models (fct_pipeline, stage history, kpi_pipeline) against their sources.

Expected figures come from the MavenTech SOURCE.md or are recomputed here in Python from
the synthetic company's CRM export, independently of the SQL.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from tests.transform.gold_build_support import (
    GoldBuild,
    query,
    scalar,
)


@pytest.fixture(scope="module")
def gold(gold_build: GoldBuild) -> GoldBuild:
    build = gold_build
    assert [n.name for n in build.invocation.nodes if n.failed] == []
    return build


@pytest.fixture(scope="module")
def db(gold: GoldBuild) -> Path:
    return gold.database


def _crm(gold: GoldBuild, name: str) -> list[dict[str, str]]:
    with (gold.synthetic_dir / "exports" / "crm" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_maven_outcomes_and_win_rate(db: Path, shared_datasets: Path) -> None:
    stages = dict(
        query(
            db,
            "select stage_name, count(*) from gold.fct_pipeline "
            "where source_system = 'maven' group by 1",
        )
    )
    assert stages == {"Won": 4_238, "Lost": 2_473, "Engaging": 1_589, "Prospecting": 500}
    won, lost = query(
        db,
        "select sum(opportunities_won), sum(opportunities_lost) "
        "from gold.kpi_pipeline where source_system = 'maven'",
    )[0]
    assert (won, lost) == (4_238, 2_473)
    assert round(won / (won + lost) * 100, 2) == 63.15


def test_maven_product_variants_and_missing_accounts(db: Path, shared_datasets: Path) -> None:
    gtx = query(
        db,
        "select p.product_key, count(*) from gold.fct_pipeline p "
        "join silver.stg_maven__opportunities o using (opportunity_id) "
        "where o.product_name_raw = 'GTXPro' group by 1",
    )
    assert gtx == [("maven:GTX Pro", 1_480)]
    assert (
        scalar(
            db,
            "select count(*) from gold.fct_pipeline "
            "where source_system = 'maven' and product_key is null",
        )
        == 0
    )
    no_account = dict(
        query(
            db,
            "select stage_name, count(*) from gold.fct_pipeline "
            "where source_system = 'maven' and customer_key is null group by 1",
        )
    )
    assert no_account == {"Engaging": 1_088, "Prospecting": 337}
    # lost deals' close_value 0 is not a deal size: flagged, amount unknown
    lost = query(
        db,
        "select count(*), count(amount), min(amount_invalid_reason) "
        "from gold.fct_pipeline where source_system = 'maven' and outcome = 'lost'",
    )
    assert lost == [(2_473, 0, "lost deal value not recorded")]


def test_salesforce_pipeline_equals_the_export(gold: GoldBuild, db: Path) -> None:
    expected: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for row in _crm(gold, "Opportunity.csv"):
        outcome = (
            "won" if row["IsWon"] == "true" else "lost" if row["IsClosed"] == "true" else "open"
        )
        expected[(outcome, row["CurrencyIsoCode"])].append(Decimal(row["Amount"]))
    actual = query(
        db,
        "select outcome, currency, count(*), sum(amount) from gold.fct_pipeline "
        "where source_system = 'salesforce' group by 1, 2",
    )
    assert {(o, c): (n, s) for o, c, n, s in actual} == {
        k: (len(v), sum(v)) for k, v in expected.items()
    }
    # reporting-currency amounts exist wherever an FX rate does (the synthetic FX file
    # covers every day of the history)
    assert (
        scalar(
            db,
            "select count(*) from gold.fct_pipeline where source_system = "
            "'salesforce' and amount is not null and amount_rc is null",
        )
        == 0
    )


def test_stage_history_merges_repeated_stages(gold: GoldBuild, db: Path) -> None:
    by_opp: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in _crm(gold, "OpportunityHistory.csv"):
        by_opp[row["OpportunityId"]].append((row["CreatedDate"], row["Id"], row["StageName"]))
    expected = {}
    for opp, rows in by_opp.items():
        stages: list[str] = []
        for _, _, stage in sorted(rows):
            if not stages or stages[-1] != stage:
                stages.append(stage)
        expected[opp] = stages
    actual: dict[str, list[str]] = defaultdict(list)
    for opp, stage in query(
        db,
        "select opportunity_id, stage_name "
        "from gold.fct_opportunity_stage_history "
        "where source_system = 'salesforce' "
        "order by opportunity_id, stage_sequence",
    ):
        actual[opp].append(stage)
    assert dict(actual) == expected
    # exactly one current stage per opportunity
    assert (
        scalar(
            db,
            "select count(*) from (select opportunity_id from "
            "gold.fct_opportunity_stage_history where is_current "
            "group by 1 having count(*) <> 1)",
        )
        == 0
    )


def test_age_cycle_and_days_in_stage(gold: GoldBuild, db: Path) -> None:
    rows = query(
        db,
        "select opportunity_id, outcome, created_date, close_date, as_of_date, "
        "age_days, cycle_days, days_in_stage, stage_entered_date "
        "from gold.fct_pipeline where source_system = 'salesforce'",
    )
    assert rows
    for _, outcome, created, close, as_of, age, cycle, in_stage, entered in rows:
        if outcome == "open":
            assert age == (as_of - created).days
            assert cycle is None
            assert in_stage == (as_of - entered).days >= 0
        else:
            assert age == cycle == (close - created).days
            assert in_stage is None
    # the as-of date is the last thing that happened in the export, not an expected close
    events = [dt.date.fromisoformat(r["CreatedDate"][:10]) for r in _crm(gold, "Opportunity.csv")]
    events += [
        dt.date.fromisoformat(r["LastStageChangeDate"][:10])
        for r in _crm(gold, "Opportunity.csv")
        if r["LastStageChangeDate"]
    ]
    events += [
        dt.date.fromisoformat(r["CloseDate"])
        for r in _crm(gold, "Opportunity.csv")
        if r["IsClosed"] == "true"
    ]
    assert {r[4] for r in rows} == {max(events)}


def test_kpi_pipeline_win_rate_and_cycle_by_month(gold: GoldBuild, db: Path) -> None:
    won: dict[str, int] = defaultdict(int)
    lost: dict[str, int] = defaultdict(int)
    cycle: dict[str, list[int]] = defaultdict(list)
    for row in _crm(gold, "Opportunity.csv"):
        if row["IsClosed"] != "true":
            continue
        month = row["CloseDate"][:7] + "-01"
        if row["IsWon"] == "true":
            won[month] += 1
            created = dt.date.fromisoformat(row["CreatedDate"][:10])
            cycle[month].append((dt.date.fromisoformat(row["CloseDate"]) - created).days)
        else:
            lost[month] += 1
    rows = query(
        db,
        "select cast(month_start_date as varchar), opportunities_won, "
        "opportunities_lost, win_rate, avg_cycle_days_won "
        "from gold.kpi_pipeline where source_system = 'salesforce'",
    )
    checked = 0
    for month, n_won, n_lost, rate, avg_cycle in rows:
        assert (n_won, n_lost) == (won.get(month, 0), lost.get(month, 0)), month
        if n_won + n_lost:
            assert float(rate) == pytest.approx(n_won / (n_won + n_lost), abs=5e-5)
            checked += 1
        if n_won:
            assert float(avg_cycle) == pytest.approx(
                sum(cycle[month]) / len(cycle[month]), abs=0.005
            )
    assert checked == len(set(won) | set(lost))


def test_open_pipeline_and_coverage(db: Path) -> None:
    rows = query(
        db,
        "select month_start_date, open_pipeline_amount_rc, trailing_won_amount_rc, "
        "pipeline_coverage from gold.kpi_pipeline where source_system = 'salesforce' "
        "order by month_start_date",
    )
    last_month, open_amount, _, _ = rows[-1]
    month_end = (last_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    month_end -= dt.timedelta(days=1)
    expected_open = scalar(
        db,
        "select coalesce(sum(amount_rc), 0) from gold.fct_pipeline where source_system = "
        "'salesforce' and created_date <= ? and (not is_closed or close_date > ?)",
        [month_end, month_end],
    )
    assert open_amount == expected_open
    for _, amount, trail, cov in rows:
        if trail:
            assert float(cov) == pytest.approx(float(amount) / float(trail), abs=5e-5)
        else:
            assert cov is None


def test_hubspot_deals_are_conformed(gold: GoldBuild, db: Path) -> None:
    rows = query(
        db,
        "select opportunity_id, opportunity_name, stage_name, outcome, amount, currency, "
        "probability_pct, customer_key, rep_key, age_days from gold.fct_pipeline "
        "where source_system = 'hubspot' order by opportunity_id",
    )
    assert rows == [
        (
            "9001",
            "Acme renewal",
            "closedwon",
            "won",
            Decimal("1200.50"),
            "EUR",
            100,
            "hubspot:501",
            "hubspot:Ana Diaz",
            65,
        ),
        (
            "9002",
            "Beta new",
            "Closed Lost",
            "lost",
            800,
            "USD",
            0,
            "hubspot:502",
            "hubspot:Ana Diaz",
            27,
        ),
        # exported twice: the later record wins; text trimmed; as of the last close (03-15)
        (
            "9003",
            "Gamma pilot",
            "contractsent",
            "open",
            5500,
            "USD",
            90,
            "hubspot:503",
            "hubspot:Bo Chen",
            24,
        ),
    ]
    # the EUR deal is converted at the FX rate of its close date
    rates = {
        (r["date"], r["currency"]): Decimal(r["rate_to_usd"])
        for r in csv.DictReader(
            (gold.synthetic_dir / "exports" / "fx" / "fx_rates.csv").open(encoding="utf-8")
        )
    }
    expected = (Decimal("1200.50") * rates[("2024-03-15", "EUR")]).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert scalar(db, "select amount_rc from gold.fct_pipeline where opportunity_id = '9001'") == (
        expected
    )
    locations = dict(
        query(
            db,
            "select customer_key, location_key from gold.dim_customer "
            "where source_system = 'hubspot'",
        )
    )
    assert locations == {"hubspot:501": "DE", "hubspot:502": "GB", "hubspot:503": "US"}
