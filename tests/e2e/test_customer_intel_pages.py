"""Customer-intelligence pages in a real browser with a finance key: the at-risk table and
its level filter, a customer's drivers chart and LTV panel, the cohort projection charts;
the numbers shown equal the API's. A marketing key may not see customers at risk and a
sales key may not see cohort projections. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from revlake.web import formatting
from revlake.web.listing import DEFAULT_PAGE_SIZE
from revlake.web.pages import retention
from tests.e2e.browser import (
    api,
    chart_marks,
    chart_series,
    charts_rendered,
    logged_in_tab,
    row_keys,
    shoot,
)
from tests.serving_support import ServedWorkspace


@pytest.fixture(scope="module")
def page(browser_context: Any, base_url: str, finance_key: str) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, finance_key, "/customers/at-risk")


def shown_customers(tab: Any) -> list[str]:
    return row_keys(tab, "at-risk", "customer")


def test_at_risk_table_and_level_filter(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    everything = api(base_url, finance_key, "/api/v1/customers/at-risk?limit=500")
    page.goto(base_url + "/customers/at-risk")
    assert (
        shown_customers(page) == [c["customer_id"] for c in everything["items"]][:DEFAULT_PAGE_SIZE]
    )
    amounts = page.get_by_test_id("at-risk-mrr").all_inner_texts()
    assert (
        amounts
        == [formatting.money(c["mrr_at_risk"], "USD") for c in everything["items"]][
            :DEFAULT_PAGE_SIZE
        ]
    )
    assert page.get_by_test_id("total").inner_text() == f"{everything['total']:,} customers"
    shoot(page, artifacts, "customers-at-risk")

    # the filter updates the table in place (the marker on window survives)
    page.evaluate("() => { window.__marker = 'still here'; }")
    level = Counter(c["risk_level"] for c in everything["items"]).most_common(1)[0][0]
    page.check(f"input[name=risk_level][value={level}]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/customers/at-risk?**")
    page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
    assert page.evaluate("() => window.__marker") == "still here"
    expected = api(
        base_url,
        finance_key,
        f"/api/v1/customers/at-risk?risk_level={level}&limit={DEFAULT_PAGE_SIZE}",
    )
    assert shown_customers(page) == [c["customer_id"] for c in expected["items"]]
    assert set(page.get_by_test_id("level").all_inner_texts()) == {level}
    assert page.locator(f"input[name=risk_level][value={level}]").is_checked()


def test_customer_drill_down_shows_drivers_chart_and_ltv(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    page.goto(base_url + "/customers/at-risk")
    first = shown_customers(page)[0]
    page.locator(f"tr[data-customer='{first}'] a").click()
    page.wait_for_url(f"**/customers/{first}/intelligence")
    charts_rendered(page)
    churn = api(base_url, finance_key, f"/api/v1/customers/{first}/churn")
    ltv = api(base_url, finance_key, f"/api/v1/customers/{first}/ltv")
    assert page.get_by_test_id("churn-probability").inner_text() == formatting.percent(
        churn["churn_probability"]
    )
    assert page.get_by_test_id("risk-level").inner_text() == churn["risk_level"]
    assert page.get_by_test_id("intervention").inner_text() == churn["intervention"]
    drivers = page.locator("[data-testid=drivers] li").all_inner_texts()
    assert drivers == [d["sentence"] for d in churn["drivers"]]
    # the drivers chart has one bar per driver
    bars = chart_marks(page, "fig-drivers")
    assert len(bars) == len(churn["drivers"])
    assert page.get_by_test_id("ltv-value").inner_text() == formatting.money(ltv["ltv"], "USD")
    shoot(page, artifacts, "customer-intelligence")

    # the customer page links here (MRR history lives there)
    page.goto(base_url + f"/customers/{first}")
    page.get_by_test_id("intelligence-link").click()
    page.wait_for_url(f"**/customers/{first}/intelligence")


def drawn(tab: Any, figure: str) -> list[dict[str, Any]]:
    """The traces a chart drew, read from its data table (a column per trace, a row per x)
    and its legend: name, x, y and whether it is in the legend."""
    categories, series = chart_series(tab, figure)
    legend = set(tab.locator(f"[data-figure={figure}] .rl-legend li").all_inner_texts())
    xs = [_number_or_text(c) for c in categories]
    return [
        {
            "name": name,
            "x": [x for x, y in zip(xs, ys, strict=True) if y is not None],
            "y": [y for y in ys if y is not None],
            "legend": name in legend,
        }
        for name, ys in series.items()
    ]


def _number_or_text(text: str) -> Any:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def pct(value: float) -> float:
    return round(100 * value, 1)


def expected_aggregate(
    cohorts: list[dict[str, Any]], min_customers: int
) -> dict[str, dict[int, float]]:
    """All cohorts pooled from the API's points: actual = Σ observed survivors ÷ Σ sizes
    observed at an age (where those sizes reach `min_customers`); projected = Σ expected
    survivors ÷ Σ sizes projected to it."""
    sums: dict[str, dict[int, list[float]]] = {"actual": {}, "projected": {}}
    for c in cohorts:
        for p in c["points"]:
            if p["observed_survivors"] is not None:
                cell = sums["actual"].setdefault(p["age_months"], [0, 0])
                cell[0] += p["observed_survivors"]
                cell[1] += c["customers"]
            cell = sums["projected"].setdefault(p["age_months"], [0, 0])
            cell[0] += p["expected_survivors"]
            cell[1] += c["customers"]
    floor = {"actual": min_customers, "projected": 1}
    return {
        k: {a: pct(n / d) for a, (n, d) in sorted(v.items()) if d >= floor[k]}
        for k, v in sums.items()
    }


def cohort_name(c: dict[str, Any]) -> str:
    return c["cohort_month"][:7] + (f" {c['segment']}" if c["segment"] else "")


def test_projections_page_renders_fits_and_charts(
    page: Any, base_url: str, finance_key: str, artifacts: Path
) -> None:
    fits = api(base_url, finance_key, "/api/v1/retention/cohorts?periods_ahead=12")
    cohorts, groups = fits["cohorts"], fits["groups"]
    page.goto(base_url + "/retention/projections")
    charts_rendered(page)
    assert page.locator("[data-figure]").count() == 2

    # one aggregate chart: band (2 traces, one legend entry), projected and actual
    aggregate = {t["name"]: t for t in drawn(page, "fig-projection-all")}
    expected = expected_aggregate(cohorts, fits["min_customers"])
    assert expected["actual"], "no age with enough customers to show"
    assert list(aggregate) == [
        "Cohort fits, 10th percentile",
        "Cohort fits, 10th–90th percentile",
        "Projected (model)",
        "Actual",
    ]
    assert (
        dict(zip(aggregate["Actual"]["x"], aggregate["Actual"]["y"], strict=True))
        == (expected["actual"])
    )
    projected = aggregate["Projected (model)"]
    assert dict(zip(projected["x"], projected["y"], strict=True)) == expected["projected"]
    low, high = (
        aggregate["Cohort fits, 10th percentile"],
        aggregate["Cohort fits, 10th–90th percentile"],
    )
    curves: dict[int, list[float]] = {}
    for c in cohorts:
        for p in c["points"]:
            curves.setdefault(p["age_months"], []).append(pct(p["expected_survival"]))
    for age, lo, hi in zip(low["x"], low["y"], high["y"], strict=True):
        assert min(curves[age]) <= lo <= hi <= max(curves[age])

    # the five largest cohorts, observed and projected (the API's conditional survivors)
    largest = sorted(cohorts, key=lambda c: (c["customers"], c["cohort_month"]), reverse=True)[:5]
    chosen = drawn(page, "fig-projection-cohorts")
    assert [t["name"] for t in chosen if t["legend"]] == [
        f"{cohort_name(c)} ({c['customers']:,} customers)" for c in largest
    ]
    for c, solid, dashed in zip(largest, chosen[::2], chosen[1::2], strict=True):
        seen = [p for p in c["points"] if p["observed_survival"] is not None]
        assert solid["y"] == [pct(p["observed_survival"]) for p in seen]
        ahead = [p for p in c["points"] if p["conditional_survivors"] is not None]
        assert dashed["y"][1:] == [pct(p["conditional_survivors"] / c["customers"]) for p in ahead]
    legend = page.locator(".rl-legend li").count()
    assert legend == 1 + 2 + len(largest) <= 10

    # values written for people: no scientific notation, no ± wider than its value
    text = page.locator("main").inner_text()
    assert not re.search(r"\de[+-]\d", text), "scientific notation on the page"
    alphas = page.locator("[data-testid=sbg-fits] [data-testid=alpha]").all_inner_texts()
    shown_fits = min(len(groups), retention.TABLE_ROWS)
    assert (
        alphas
        == [retention.parameter(g["alpha"], g["alpha_se"], g["degenerate"]) for g in groups][
            :shown_fits
        ]
    )
    churns = page.get_by_test_id("mean-churn").all_inner_texts()
    assert churns == [formatting.percent(g["mean_churn_probability"]) for g in groups][:shown_fits]
    rows = "table[data-testid=cohort-projections] tbody tr"
    assert page.locator(rows).count() == min(len(cohorts), retention.TABLE_ROWS)
    shoot(page, artifacts, "retention-projections")

    # "show all" cohorts and the cohort picker update in place
    page.evaluate("() => { window.__marker = 'still here'; }")
    if len(cohorts) > retention.TABLE_ROWS:
        assert f"of {len(cohorts):,} cohorts" in page.get_by_test_id("cohorts-count").inner_text()
        page.get_by_test_id("all-cohorts").click()
        page.wait_for_url("**rows=all**")
        page.wait_for_function(
            f"n => document.querySelectorAll('{rows}').length === n", arg=len(cohorts)
        )
    recent = sorted(cohorts, key=lambda c: (c["cohort_month"], c["customers"]), reverse=True)[:5]
    page.select_option("#show", "recent")
    page.wait_for_url("**show=recent**")
    page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
    charts_rendered(page)
    assert [t["name"] for t in drawn(page, "fig-projection-cohorts") if t["legend"]] == [
        f"{cohort_name(c)} ({c['customers']:,} customers)" for c in recent
    ]
    assert page.evaluate("() => window.__marker") == "still here"

    # one cohort from the picker: its two lines only
    one = recent[-1]
    page.select_option("#show", cohort_name(one))
    page.wait_for_function(
        "t => document.querySelector('[data-testid=chosen-title]').textContent.startsWith(t)",
        arg=f"Cohort {cohort_name(one)}",
    )
    charts_rendered(page)
    assert [t["name"] for t in drawn(page, "fig-projection-cohorts")] == [
        f"{cohort_name(one)} ({one['customers']:,} customers)",
        f"{cohort_name(one)} projected",
    ]

    page.select_option("#grouping", "segment")
    page.wait_for_url("**grouping=segment**")
    page.wait_for_function("() => !document.querySelector('main[aria-busy]')")
    charts_rendered(page)
    labels = page.locator(
        "[data-testid=sbg-fits] tbody tr [data-testid=fit-name]"
    ).all_inner_texts()
    by_segment = api(base_url, finance_key, "/api/v1/retention/cohorts?grouping=segment")
    assert labels == [g["label"] for g in by_segment["groups"]][: retention.TABLE_ROWS]
    assert page.evaluate("() => window.__marker") == "still here"


def test_pages_fit_a_phone(page: Any, base_url: str, finance_key: str) -> None:
    first = api(base_url, finance_key, "/api/v1/customers/at-risk?limit=1")["items"][0]
    paths = [
        "/customers/at-risk",
        f"/customers/{first['customer_id']}/intelligence",
        "/retention/projections",
    ]
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        for path in paths:
            page.goto(base_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390 + 1, f"{path} scrolls sideways on a phone ({width}px)"
    finally:
        page.set_viewport_size({"width": 1366, "height": 900})


@pytest.mark.parametrize(
    ("role", "path", "area"),
    [
        ("marketing", "/customers/at-risk", "customers"),
        ("sales", "/retention/projections", "cohorts"),
    ],
)
def test_a_role_without_access_gets_403(
    role: str, path: str, area: str, browser_context: Any, base_url: str, served: ServedWorkspace
) -> None:
    tab = browser_context.new_page()
    try:
        tab.context.clear_cookies()
        tab.goto(base_url + path)
        tab.fill("#api_key", served.key(role=role))
        with tab.expect_response(lambda r: r.url.endswith(path)) as answer:
            tab.click("button[type=submit]")
        assert answer.value.status == 403
        assert f"may not see '{area}'" in tab.locator(".problem").inner_text()
        nav = (
            tab.locator("header nav a").all_inner_texts()
            if tab.locator("header nav").count()
            else []
        )
        assert "At risk" not in nav or role != "marketing"
    finally:
        tab.context.clear_cookies()
        tab.close()
