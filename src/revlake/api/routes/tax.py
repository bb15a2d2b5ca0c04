"""Tax: the report per period and jurisdiction, rate tables, discrepancies, VAT checks.

Finance and admin keys only (Area.TAX). Nothing here writes: the VAT check is computed
offline (python-stdnum) and stored nowhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from revlake.api.deps import ContextDep, PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.finance.tax import load_rate_table, override_stamp, profile_from_settings
from revlake.queries import precompute, tax
from revlake.queries.params import MONTH_PATTERN, IsoDate, parse_month
from revlake.queries.revenue import reporting_currency
from revlake.schemas.tax import (
    TaxDiscrepancyPage,
    TaxRates,
    TaxReport,
    VatCheckIn,
    VatCheckOut,
)
from revlake.store.roles import Area

router = APIRouter(tags=["tax"], dependencies=[RoleDep(Area.TAX)])

JurisdictionQuery = Annotated[
    str | None,
    Query(max_length=10, description="A jurisdiction code: DE, GB, CA-ON, US-NY"),
]


@router.get(
    "/tax/report",
    response_model=TaxReport,
    summary="Tax charged per month, jurisdiction and currency (reconciles to the invoices)",
)
async def get_tax_report(
    snapshot: SnapshotDep,
    from_: Annotated[
        str | None, Query(alias="from", pattern=MONTH_PATTERN, description="First month YYYY-MM")
    ] = None,
    to: Annotated[
        str | None, Query(pattern=MONTH_PATTERN, description="Last month YYYY-MM")
    ] = None,
    jurisdiction: JurisdictionQuery = None,
) -> Response:
    start, end = parse_month(from_, "from"), parse_month(to, "to")
    return await json_from_snapshot(
        snapshot,
        ("tax-report", start, end, jurisdiction),
        lambda: tax.tax_report(snapshot, start, end, jurisdiction, reporting_currency(snapshot)),
    )


@router.get(
    "/tax/rates",
    response_model=TaxRates,
    summary="Rate-table rows (shipped and workspace overrides), or those in force on a date",
)
def get_tax_rates(
    context: ContextDep,
    jurisdiction: JurisdictionQuery = None,
    date_: Annotated[IsoDate | None, Query(alias="date", description="YYYY-MM-DD")] = None,
) -> TaxRates:
    table = load_rate_table(context.workspace.root)
    return tax.rates(table, jurisdiction, date_)


@router.get(
    "/tax/discrepancies",
    response_model=TaxDiscrepancyPage,
    summary="Invoice lines whose charged tax differs from the rate tables, with the reason",
)
async def get_tax_discrepancies(
    context: ContextDep, snapshot: SnapshotDep, page: PageDep
) -> TaxDiscrepancyPage:
    # Not through json_from_snapshot: the answer also depends on the workspace's rate
    # override file and tax settings, so it must not carry X-Revlake-Snapshot (the
    # response cache in revlake.api.fastpath replays such answers for the snapshot's life).
    # The computation is memoised per snapshot, settings and override-file version.
    root = context.workspace.root
    profile = profile_from_settings(context.workspace.settings.workspace)
    found = await run_in_threadpool(
        precompute.answer,  # the first page is stored at publish, per settings and overrides
        snapshot,
        precompute.tax_discrepancies_key(profile, override_stamp(root), page),
        TaxDiscrepancyPage,
        lambda: tax.discrepancy_page(snapshot, load_rate_table(root), profile, root, page),
    )
    assert found is not None  # discrepancy_page answers a page or raises
    return found


@router.post(
    "/tax/vat-check",
    response_model=VatCheckOut,
    summary="Check a VAT number's format and check digits (offline, no VIES; nothing stored)",
)
def post_vat_check(body: VatCheckIn) -> VatCheckOut:
    return tax.vat_check(body.number, body.country)
