"""Answers computed when a scored build is published, not on first use: deals, forecasts,
and the finance and retention pages whose answers are slow to compute.

Every scored publish (`revlake run`, `revlake score`, `revlake forecast --publish`,
`revlake churn score`) runs `precompute_answers` on the finished copy of the build, before
the copy is published, and stores the JSON bodies in it (`revlake.reader.answers`). The
first request after the publish then reads a stored body instead of running queries,
the Monte Carlo forecast or the model loads. Nothing here scores or forecasts by itself:
each answer is the return value of the same `revlake.queries.deals` function the
endpoint calls, serialised the same way (`json_body`), stored under the key the endpoint
memoises under (the `*_key` functions both sides use), so a stored answer is the
on-demand answer, byte for byte.

What is precomputed (the answers the API and the dashboard ask for without a choice of
the user's, and every forecast the UI and API offer):

- `/deals/summary`, `/deals/filters`;
- `/deals` unfiltered and filtered by each single product, stage and risk category,
  default sort, first page of the API default (50) and the dashboard (25);
- `/deals/{id}` and `/deals/{id}/explanation` of every scored open deal;
- `POST /forecast` for the horizons the forecast page offers (`FORECASTS`: 4, 8, 13, 26
  weeks; 4, 6, 12 months) with the registered win model, all folded from one forecast
  basis (`revlake.queries.deals.forecast_basis`: the model fits and the open deals'
  simulated wins by week), which is stored too (`serving.inputs`): any other horizon is
  then a fold of that basis plus the new-pipeline simulation on its first request
  (tens to hundreds of ms, not the seconds of fitting and simulating again).

- the pages' default views whose first computation is slow (issue 15, item 6), each
  under the key its page and, where there is one, its API endpoint read it by: the tax
  report (all months, and the tax page's default last 12 months) and the first page of
  tax discrepancies (keyed by the tax settings and the rate-override file's version:
  either changed since the publish computes it anew); the bank reconciliation (all dates,
  default window, the page's 100 lines a list, keyed by the version of finance's
  resolutions in the store: a resolution added since computes it anew); the sBG cohort
  projections of the projections page's default view (per cohort, 12 periods ahead); the AR
  aging with its per-customer rows (the receivables page and `GET /ar/aging`); the insights
  of the latest month (the overview's panel and `GET /insights`).

Anything else (another sort, page, filter, date range or horizon, a model registered
after the publish) is computed on first use and memoised, as before. An answer the build cannot
give (`DATA_ERRORS`: a partial build without a table the query reads, data that cannot
be forecast) is left to first use, where the endpoint answers that same error, and named
in `Precomputed.skipped` (printed by the CLI, kept in the run summary). Any other failure
fails the publish: the copy is discarded and the previous build (with its answers) stays
current.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
from pydantic import BaseModel

from revlake.errors import RevlakeError
from revlake.finance.reconciliation import DEFAULT_WINDOW_DAYS
from revlake.finance.tax import TaxProfile, load_rate_table, override_stamp, profile_from_settings
from revlake.ml.forecast import Period
from revlake.ml.registry import registered_win_version
from revlake.ml.service import before_publishing
from revlake.queries import ap, ar, customer_intel, deals, insights, tax
from revlake.queries.params import PageParams
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.reader.answers import (
    answer_key,
    stored_answer,
    write_answer_file,
    write_answers,
)
from revlake.schemas.deals import RISK_CATEGORIES, DealFilters
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace

M = TypeVar("M", bound=BaseModel)
DATA_ERRORS = (RevlakeError, duckdb.Error)
"""What a query raises when the build cannot give an answer (not a bug: skipped)."""
Key = tuple[Hashable, ...]

WEB_PAGE_SIZE = 25
"""Deals per page of the dashboard's risk table."""
LIST_PAGES: tuple[PageParams, ...] = (PageParams(), PageParams(limit=WEB_PAGE_SIZE))
"""First pages of the deal list that are precomputed: the API default and the dashboard's."""
FORECASTS: tuple[tuple[int, Period], ...] = (
    (4, "week"),
    (8, "week"),
    (13, "week"),
    (26, "week"),
    (4, "month"),
    (6, "month"),
    (12, "month"),
)
"""The forecasts the forecast page offers (its preset links; 13 weeks is its default),
precomputed at publish. POST /forecast takes any 4–26 weeks or months: others are
computed on first use (seconds: the Monte Carlo grows with the horizon)."""
TAX_DISCREPANCIES_SHOWN = 50
"""Discrepancies on the tax page (its first page of the list)."""
BANK_LINES_SHOWN = 100
"""Entries per list on the bank page (also the API's default `limit`)."""
PROJECTION_GROUPING = "cohort"
PROJECTION_PERIODS = 12
"""The projections page's default view: each cohort, 12 periods ahead (the other
groupings, a second each on the demo company, are left to first use)."""


def json_body(model: BaseModel) -> bytes:
    """The JSON body of an answer (the endpoints serialise exactly this way)."""
    return model.model_dump_json().encode()


# ---------------------------------------------------------------- keys (API and pages)


def deals_key(query: deals.DealQuery, sort: str | None, page: PageParams) -> Key:
    """GET /deals (no sort = the default sort, one answer)."""
    return ("deals", query, sort or deals.DEFAULT_SORT, page)


def deal_summary_key(query: deals.DealQuery | None = None) -> Key:
    """GET /deals/summary: the unfiltered summary is one stored answer; filtered, its own."""
    if query is None or query == deals.DealQuery():
        return ("deal-summary",)
    return ("deal-summary", query)


def deal_filters_key() -> Key:
    return ("deal-filters",)


def deal_key(deal_id: str) -> Key:
    return ("deal", deal_id)


def explanation_key(deal_id: str) -> Key:
    return ("deal-explanation", deal_id)


def forecast_key(version: str, horizon: int, period: Period) -> Key:
    return ("forecast", version, horizon, period)


def tax_report_key(start: date | None, end: date | None, jurisdiction: str | None) -> Key:
    """GET /tax/report and the tax page (months as first days, the jurisdiction as asked)."""
    return ("tax-report", start, end, jurisdiction)


def tax_discrepancies_key(
    profile: TaxProfile, overrides: tuple[int, int] | None, page: PageParams
) -> Key:
    """A page of tax discrepancies under the tax settings and rate-override file version
    (`override_stamp`) it was computed with (sets sorted: their repr order is per process)."""
    settings = (
        profile.seller_country,
        tuple(sorted(profile.registrations)),
        tuple(sorted(profile.nexus_states)),
    )
    return ("tax-discrepancies", settings, overrides, page)


def bank_key(
    date_from: date | None, date_to: date | None, window_days: int, limit: int, stamp: Hashable
) -> Key:
    """The bank reconciliation under the version (`stamp`) of finance's resolutions."""
    return ("bank-reconciliation", date_from, date_to, window_days, limit, stamp)


def retention_cohorts_key(
    first: date | None, last: date | None, periods_ahead: int, grouping: str
) -> Key:
    """GET /retention/cohorts and the projections page."""
    return ("retention-cohorts", first, last, periods_ahead, grouping)


def insights_key() -> Key:
    """GET /insights and the overview's insights panel (the latest month's observations)."""
    return ("insights",)


def ar_aging_key(as_of: date | None, by_customer: bool) -> Key:
    """GET /ar/aging and the receivables page (which shows the per-customer rows)."""
    return ("ar-aging", as_of, by_customer)


# ---------------------------------------------------------------- serving


def answer(snapshot: Build, key: Key, schema: type[M], compute: Callable[[], M | None]) -> M | None:
    """The answer under `key` as a model: stored at publish, else computed (memoised).

    For the dashboard pages, which render models rather than JSON bodies.
    """

    def load() -> M | None:
        body = stored_answer(snapshot, key)
        if body is not None:
            return schema.model_validate_json(body)
        return compute()

    return snapshot.memo(("answer", *key), load)


# ---------------------------------------------------------------- precompute


@dataclass
class Precomputed:
    """What one publish precomputed: the bodies by key, and what it left to first use."""

    answers: dict[str, bytes] = field(default_factory=dict)
    inputs: dict[str, bytes] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def put(self, key: Key, model: BaseModel) -> None:
        self.answers[answer_key(key)] = json_body(model)


def list_queries(filters: DealFilters) -> list[deals.DealQuery]:
    """The unfiltered list and one per product, stage and risk category (accounts and
    reps, hundreds on a real CRM, are left to first use: one query, tens of ms)."""
    queries = [deals.DealQuery()]
    queries += [deals.DealQuery(product=(p,)) for p in filters.products]
    queries += [deals.DealQuery(stage=(s,)) for s in filters.stages]
    queries += [deals.DealQuery(risk_category=(c,)) for c in RISK_CATEGORIES]
    return queries


def _deal_answers(build: Build, workspace: Workspace, tenant: str, out: Precomputed) -> None:
    out.put(deal_summary_key(), deals.deal_summary(build))
    filters = deals.deal_filters(build)
    out.put(deal_filters_key(), filters)
    for query in list_queries(filters):
        for page in LIST_PAGES:
            out.put(deals_key(query, None, page), deals.deals(build, query, None, page))
    for detail, explanation in deals.deal_explanations(build, workspace, tenant):
        out.put(deal_key(detail.id), detail)
        out.put(explanation_key(detail.id), explanation)


def _forecast_answers(build: Build, workspace: Workspace, tenant: str, out: Precomputed) -> None:
    try:
        version = registered_win_version(workspace, tenant)
    except RevlakeError as exc:  # POST /forecast answers the same 409 on demand
        out.skipped.append(f"forecasts: {exc}")
        return
    registered = deals.registered_win_model(build, workspace, tenant)
    try:
        basis = deals.forecast_basis_body(build, registered)
    except DATA_ERRORS as exc:  # the data cannot be forecast: same error on demand
        out.skipped.append(f"forecasts: {exc}")
        return
    out.inputs[answer_key(deals.forecast_basis_key(version))] = basis
    for horizon, period in FORECASTS:
        try:
            forecast = deals.forecast(build, registered, horizon, period)
        except DATA_ERRORS as exc:  # the data cannot be forecast: same error on demand
            out.skipped.append(f"forecast {horizon} {period}s: {exc}")
            return
        out.put(forecast_key(version, horizon, period), forecast)


def _tax_answers(build: Build, workspace: Workspace, out: Precomputed) -> None:
    currency = reporting_currency(build)
    everything = tax.tax_report(build, None, None, None, currency)
    out.put(tax_report_key(None, None, None), everything)
    start, end = tax.default_range(everything)
    if (start, end) != (None, None):
        out.put(tax_report_key(start, end, None), tax.tax_report(build, start, end, None, currency))
    root = workspace.root
    profile = profile_from_settings(workspace.settings.workspace)
    page = PageParams(limit=TAX_DISCREPANCIES_SHOWN, offset=0)
    found = tax.discrepancy_page(build, load_rate_table(root), profile, root, page)
    out.put(tax_discrepancies_key(profile, override_stamp(root), page), found)


def _bank_answers(build: Build, workspace: Workspace, tenant: str, out: Precomputed) -> None:
    store = open_store(workspace)
    try:
        with store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, tenant)
    finally:
        store.dispose()
    found = ap.bank_reconciliation(
        build, None, None, DEFAULT_WINDOW_DAYS, BANK_LINES_SHOWN, resolutions, stamp
    )
    out.put(bank_key(None, None, DEFAULT_WINDOW_DAYS, BANK_LINES_SHOWN, stamp), found)


def _retention_answers(build: Build, out: Precomputed) -> None:
    grouping, ahead = PROJECTION_GROUPING, PROJECTION_PERIODS
    found = customer_intel.retention_cohorts(build, None, None, ahead, grouping)
    out.put(retention_cohorts_key(None, None, ahead, grouping), found)


def _ar_answers(build: Build, out: Precomputed) -> None:
    out.put(ar_aging_key(None, True), ar.aging(build, None, True))


def _page_answers(build: Build, workspace: Workspace, tenant: str, out: Precomputed) -> None:
    """The slow default views of the finance and retention pages (module docstring); a
    build without an area's tables (a partial build, a CRM-only tenant) skips that area."""
    areas: tuple[tuple[str, Callable[[], None]], ...] = (
        ("tax answers", lambda: _tax_answers(build, workspace, out)),
        ("bank answers", lambda: _bank_answers(build, workspace, tenant, out)),
        ("retention answers", lambda: _retention_answers(build, out)),
        ("receivables answers", lambda: _ar_answers(build, out)),
        ("insights answers", lambda: out.put(insights_key(), insights.insights(build))),
    )
    for name, compute in areas:
        try:
            compute()
        except DATA_ERRORS as exc:  # the pages and endpoints answer the same error
            out.skipped.append(f"{name}: {exc}")


def precompute_answers(build: Build, workspace: Workspace, tenant: str) -> Precomputed:
    """Every answer listed in the module docstring that the build can give."""
    started = time.perf_counter()
    out = Precomputed()
    if build.has_table(deals.SCORES):
        try:
            _deal_answers(build, workspace, tenant, out)
        except DATA_ERRORS as exc:  # the endpoints answer the same error on demand
            out.skipped.append(f"deal answers: {exc}")
    else:
        out.skipped.append("deal answers: the build has no deal scores (`revlake score`)")
    _forecast_answers(build, workspace, tenant, out)
    _page_answers(build, workspace, tenant, out)
    out.seconds = time.perf_counter() - started
    return out


@dataclass
class AnswerPublish:
    """What the publish inside `publishing_answers` precomputed, and into which build
    (set once the scored copy is finished, just before it is published)."""

    target: Path | None = None
    precomputed: Precomputed | None = None


@contextmanager
def publishing_answers(workspace: Workspace, tenant: str) -> Iterator[AnswerPublish]:
    """Scored publishes of `tenant` inside the block store the precomputed answers.

    The scorers called inside (`score_tenant`, `forecast_tenant(publish=True)`, …, or
    several in one `batched_publish`) run as before, checks and errors included; when
    their copy of the build is finished, the answers are computed on it and stored in
    it, then it is published. Any failure (a scorer's or the precompute's) discards it.
    """
    tenant = workspace.tenant(tenant).id
    publish = AnswerPublish()

    def store(con: duckdb.DuckDBPyConnection, target: Path) -> None:
        found = precompute_answers(Build.over(con, target), workspace, tenant)
        write_answers(con, found.answers, found.inputs)
        write_answer_file(target, found.answers)  # read without opening the build
        publish.target, publish.precomputed = target, found

    with before_publishing(workspace, tenant, store):
        yield publish
