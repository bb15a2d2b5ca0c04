"""The finance and retention pages' slow default views precomputed at publish (issue 15,
item 6; revlake.queries.precompute): a scored publish stores them, each stored body equals
the on-demand answer byte for byte, the pages' first load after the publish computes none
of them, and an answer that depends on something changed since the publish (a bank
resolution, the tax settings) is computed anew instead of read from the publish."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from revlake.api import create_app
from revlake.finance.reconciliation import DEFAULT_WINDOW_DAYS
from revlake.finance.tax import TaxProfile, load_rate_table, override_stamp, profile_from_settings
from revlake.pipeline import PipelineResult
from revlake.queries import ap, ar, customer_intel, insights, precompute, tax
from revlake.queries.params import PageParams
from revlake.queries.revenue import reporting_currency
from revlake.reader import open_published
from revlake.reader.answers import answer_key, stored_answer, stored_keys
from revlake.reader.build import Build
from revlake.schemas.ap import BankReconciliation
from revlake.store.bank_matches import ResolutionInput, add_resolution
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace
from tests.api.conftest import bearer, count_calls
from tests.serving_support import TENANT, ServedWorkspace

COMPUTING: tuple[tuple[Any, str], ...] = (
    (tax, "tax_report"),
    (tax, "discrepancy_page"),
    (ap, "bank_reconciliation"),
    (customer_intel, "retention_cohorts"),
    (ar, "aging"),
    (insights, "insights"),
)
"""The query functions the stored page answers are computed with."""
PAGES = ("/finance/tax", "/finance/bank", "/retention/projections", "/finance/ar", "/")


def page_answers_on_demand(build: Build, workspace: Workspace) -> dict[str, BaseModel]:
    """Every page answer a publish stores, computed on demand (stored key → model)."""
    return {answer_key(key): model for key, model in page_answers(build, workspace).items()}


def page_answers(build: Build, workspace: Workspace) -> dict[tuple[Any, ...], BaseModel]:
    """Every page answer a publish stores, computed on demand (memo key → model)."""
    currency = reporting_currency(build)
    everything = tax.tax_report(build, None, None, None, currency)
    start, end = tax.default_range(everything)
    root = workspace.root
    profile = profile_from_settings(workspace.settings.workspace)
    first = PageParams(limit=precompute.TAX_DISCREPANCIES_SHOWN, offset=0)
    store = open_store(workspace)
    try:
        with store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, TENANT)
    finally:
        store.dispose()
    window, lines = DEFAULT_WINDOW_DAYS, precompute.BANK_LINES_SHOWN
    grouping, ahead = precompute.PROJECTION_GROUPING, precompute.PROJECTION_PERIODS
    found: dict[tuple[Any, ...], BaseModel] = {
        precompute.tax_report_key(None, None, None): everything,
        precompute.tax_report_key(start, end, None): tax.tax_report(
            build, start, end, None, currency
        ),
        precompute.tax_discrepancies_key(profile, override_stamp(root), first): (
            tax.discrepancy_page(build, load_rate_table(root), profile, root, first)
        ),
        precompute.bank_key(None, None, window, lines, stamp): ap.bank_reconciliation(
            build, None, None, window, lines, resolutions, stamp
        ),
        precompute.retention_cohorts_key(None, None, ahead, grouping): (
            customer_intel.retention_cohorts(build, None, None, ahead, grouping)
        ),
        precompute.ar_aging_key(None, True): ar.aging(build, None, True),
        precompute.insights_key(): insights.insights(build),
    }
    return found


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Calls of each computing query function (they still compute)."""
    return count_calls(monkeypatch, COMPUTING)


@pytest.fixture
def client(
    published: tuple[Workspace, PipelineResult], served: ServedWorkspace
) -> Iterator[TestClient]:
    """A fresh server (nothing memoised) on the published workspace, logged in as admin."""
    with TestClient(create_app(published[0]), raise_server_exceptions=False) as test_client:
        assert test_client.post("/login", data={"api_key": served.key()}).status_code == 200
        yield test_client


def test_a_publish_stores_the_page_answers(published: tuple[Workspace, PipelineResult]) -> None:
    workspace, result = published
    assert result.precomputed is not None and result.precomputed.skipped == []
    with open_published(workspace, TENANT) as build:
        expected = page_answers_on_demand(build, workspace)
        assert set(expected) <= set(stored_keys(build))
        assert set(expected) <= set(result.precomputed.answers)


def test_stored_page_answers_equal_the_on_demand_answers(
    published: tuple[Workspace, PipelineResult],
) -> None:
    workspace, _ = published
    with open_published(workspace, TENANT) as build:  # a fresh reader: nothing memoised
        on_demand = page_answers_on_demand(build, workspace)
        query = "select body from serving.answers where key = ?"
        stored = {key: bytes(build.rows(query, [key])[0]["body"]) for key in on_demand}
    assert len(on_demand) == 7  # the tax page's default range differs from all months
    for key, model in on_demand.items():
        assert stored[key] == precompute.json_body(model), key
    # the answers are not empty shells: the demo company has tax, bank lines, cohorts, AR
    bodies = {key.split("'")[1]: json.loads(body) for key, body in stored.items()}
    assert bodies["tax-report"]["rows"] and bodies["tax-discrepancies"]["lines_checked"] > 0
    assert bodies["bank-reconciliation"]["counts"]["matched"] > 0
    assert bodies["retention-cohorts"]["cohorts"] and bodies["ar-aging"]["by_customer"]
    assert bodies["insights"]["insights"]


def test_the_pages_first_load_after_a_publish_computes_none_of_them(
    client: TestClient, counted: dict[str, int]
) -> None:
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
    assert counted == {name: 0 for _, name in COMPUTING}
    # the counter does see computing: a view that is not precomputed runs the query
    assert client.get("/retention/projections?grouping=year").status_code == 200
    assert client.get("/finance/ar?as_of=2024-06-30").status_code == 200
    assert counted["retention_cohorts"] == 1 and counted["aging"] == 1


def test_the_api_serves_the_same_stored_answers(
    published: tuple[Workspace, PipelineResult],
    client: TestClient,
    served: ServedWorkspace,
    counted: dict[str, int],
) -> None:
    headers = bearer(served.key())
    paths = (
        "/api/v1/tax/report",
        "/api/v1/tax/discrepancies",
        "/api/v1/ap/bank/reconciliation",
        "/api/v1/retention/cohorts",
        "/api/v1/ar/aging?by_customer=true",
        "/api/v1/insights",
    )
    bodies = {}
    for path in paths:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text[:300])
        bodies[path] = response.content
    assert counted == {name: 0 for _, name in COMPUTING}
    workspace, _ = published
    with open_published(workspace, TENANT) as build:
        stored = {
            str(key[0]): stored_answer(build, key)
            for key in page_answers(build, workspace)
            if not (key[0] == "tax-report" and key[1] is not None)  # the API's: all months
        }
    assert bodies["/api/v1/tax/report"] == stored["tax-report"]
    assert bodies["/api/v1/ap/bank/reconciliation"] == stored["bank-reconciliation"]
    assert bodies["/api/v1/retention/cohorts"] == stored["retention-cohorts"]
    assert bodies["/api/v1/ar/aging?by_customer=true"] == stored["ar-aging"]
    assert bodies["/api/v1/insights"] == stored["insights"]
    discrepancies = stored["tax-discrepancies"]
    assert discrepancies is not None
    assert json.loads(bodies["/api/v1/tax/discrepancies"]) == json.loads(discrepancies)


def test_the_pages_show_the_stored_answers(client: TestClient) -> None:
    tax_page = client.get("/finance/tax").text
    assert 'data-figure="fig-tax"' in tax_page
    bank_page = client.get("/finance/bank").text
    assert 'data-testid="bank-matched"' in bank_page
    ar_page = client.get("/finance/ar").text
    assert 'data-testid="ar-total"' in ar_page and "fig-ar-aging" in ar_page


def test_a_bank_resolution_after_the_publish_is_computed_anew(
    published: tuple[Workspace, PipelineResult],
    served: ServedWorkspace,
    counted: dict[str, int],
) -> None:
    # a copy: the resolution must not leak into the other tests' store
    root = published[0].root.parent / "resolved"
    shutil.copytree(published[0].root, root)
    workspace = Workspace.open(root)
    published_key = _bank_key(workspace)
    with open_published(workspace, TENANT) as build:
        stored = precompute.answer(build, published_key, BankReconciliation, lambda: None)
    assert stored is not None and stored.unmatched_bank_lines
    line = stored.unmatched_bank_lines[0].transaction_id
    store = open_store(workspace)
    try:
        with store.write() as session:
            add_resolution(
                session,
                tenant_id=TENANT,
                resolution=ResolutionInput(transaction_id=line, action="dismiss", note="test"),
                author="tests",
            )
    finally:
        store.dispose()
    with TestClient(create_app(workspace), raise_server_exceptions=False) as fresh:
        assert fresh.post("/login", data={"api_key": served.key()}).status_code == 200
        page = fresh.get("/finance/bank")
    assert page.status_code == 200
    assert counted["bank_reconciliation"] == 1  # not the publish's answer: computed anew
    new_key = _bank_key(workspace)
    assert new_key != published_key
    with open_published(workspace, TENANT) as build:
        assert stored_answer(build, published_key) is not None
        assert stored_answer(build, new_key) is None


def _bank_key(workspace: Workspace) -> tuple[Any, ...]:
    store = open_store(workspace)
    try:
        with store.read() as session:
            _, stamp = ap.stored_resolutions(session, TENANT)
    finally:
        store.dispose()
    window, lines = DEFAULT_WINDOW_DAYS, precompute.BANK_LINES_SHOWN
    return precompute.bank_key(None, None, window, lines, stamp)


def test_the_tax_key_names_the_settings_not_their_set_order() -> None:
    page = PageParams(limit=50, offset=0)
    one = TaxProfile("US", frozenset({"EU", "GB", "AU"}), frozenset({"CA", "NY"}))
    same = TaxProfile("US", frozenset({"AU", "GB", "EU"}), frozenset({"NY", "CA"}))
    other = TaxProfile("US", frozenset({"EU"}), frozenset({"CA", "NY"}))
    key = precompute.tax_discrepancies_key
    assert answer_key(key(one, None, page)) == answer_key(key(same, None, page))
    assert answer_key(key(one, None, page)) != answer_key(key(other, None, page))
    assert answer_key(key(one, None, page)) != answer_key(key(one, (1, 2), page))


def test_the_pages_defaults_are_the_precomputed_views() -> None:
    import inspect

    from revlake.web import listing
    from revlake.web.pages import ap as ap_pages
    from revlake.web.pages import retention as retention_pages

    defaults = inspect.signature(retention_pages.projections_page).parameters
    assert defaults["grouping"].default == precompute.PROJECTION_GROUPING
    assert defaults["periods_ahead"].default == precompute.PROJECTION_PERIODS
    assert inspect.signature(ap_pages.bank_page).parameters["window_days"].default == (
        DEFAULT_WINDOW_DAYS
    )
    assert ap_pages.LINES_SHOWN == precompute.BANK_LINES_SHOWN
    # the tax page's first page of discrepancies (the list's default size) is the stored one
    assert listing.DEFAULT_PAGE_SIZE == precompute.TAX_DISCREPANCIES_SHOWN
