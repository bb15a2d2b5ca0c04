"""Dashboard page of tax: charged tax per period and jurisdiction (table and chart),
reverse-charge totals and the lines whose charged tax differs from the rate tables (paged,
with a CSV download of the whole list: `revlake.web.listing`).

Finance and admin roles only (Area.TAX). It reads the same functions as the API
(`revlake.queries.tax`), so the page and /api/v1/tax show the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, StreamingResponse

from revlake.api.deps import ContextDep
from revlake.finance.tax import load_rate_table, override_stamp, profile_from_settings
from revlake.queries import precompute, tax
from revlake.queries.params import MONTH_PATTERN, PageParams, parse_month
from revlake.queries.revenue import reporting_currency
from revlake.schemas.tax import TaxDiscrepancyOut, TaxDiscrepancyPage, TaxReport
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import tax as tax_figures
from revlake.web.listing import Column, PagingDep, all_rows, csv_response, pager, unit

NAV: tuple[NavEntry, ...] = (("/finance/tax", "Tax", Area.TAX),)

router = APIRouter(include_in_schema=False)


@router.get("/finance/tax")
async def tax_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    context: ContextDep,
    paging: PagingDep,
    from_: Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN)] = None,
    to: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    jurisdiction: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    require(principal, Area.TAX)
    start, end = parse_month(from_, "from"), parse_month(to, "to")
    code = jurisdiction or None

    def report_of(first: date | None, last: date | None, only: str | None) -> TaxReport:
        # the default view's reports are stored at publish (`revlake.queries.precompute`)
        found = precompute.answer(
            snapshot,
            precompute.tax_report_key(first, last, only),
            TaxReport,
            lambda: tax.tax_report(snapshot, first, last, only, reporting_currency(snapshot)),
        )
        assert found is not None  # tax_report answers a report or raises
        return found

    if start is None and end is None:  # the last months with tax, in any jurisdiction
        start, end = tax.default_range(report_of(None, None, None))
    report = report_of(start, end, code)
    chart = snapshot.memo(
        ("web-tax-chart", start, end, report.jurisdiction),
        lambda: tax_figures.tax_by_period(report.rows, report.reporting_currency),
    )
    reverse: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in report.rows:
        if row.reverse_charge_line_count:
            acc = reverse[(row.jurisdiction, row.currency)]
            acc[0] += row.reverse_charged_net
            acc[1] += row.reverse_charge_line_count
    root = context.workspace.root
    profile = profile_from_settings(context.workspace.settings.workspace)
    discrepancies = await run_in_threadpool(
        precompute.answer,
        snapshot,
        precompute.tax_discrepancies_key(profile, override_stamp(root), paging.params),
        TaxDiscrepancyPage,
        lambda: tax.discrepancy_page(snapshot, load_rate_table(root), profile, root, paging.params),
    )
    assert discrepancies is not None  # discrepancy_page answers a page or raises
    lines_pager = pager(
        request,
        paging,
        discrepancies.total,
        len(discrepancies.items),
        "/finance/tax/discrepancies.csv",
    )
    return render(
        request,
        "tax.html",
        principal,
        snapshot,
        report=report,
        start=start,
        end=end,
        tax_chart=chart,
        reverse=sorted((j, c, v[0], int(v[1])) for (j, c), v in reverse.items()),
        discrepancies=discrepancies,
        pager=lines_pager,
        currency=report.reporting_currency,
        status_code=lines_pager.status,
    )


@router.get("/finance/tax/discrepancies.csv")
async def tax_discrepancies_csv(
    principal: WebPrincipal, snapshot: PageSnapshot, context: ContextDep
) -> StreamingResponse:
    """Every invoice line whose charged tax differs from the rate tables (the whole build,
    as on the page: the list does not follow the page's month range)."""
    require(principal, Area.TAX)
    root = context.workspace.root
    table = load_rate_table(root)
    profile = profile_from_settings(context.workspace.settings.workspace)

    def page(params: PageParams) -> TaxDiscrepancyPage:
        return tax.discrepancy_page(snapshot, table, profile, root, params)

    rows = await run_in_threadpool(all_rows, page)
    money = unit(d.currency for d in rows)
    columns: list[Column[TaxDiscrepancyOut]] = [
        Column("Invoice date", lambda d: d.invoice_date),
        Column("Invoice", lambda d: d.invoice_id),
        Column("Invoice line", lambda d: d.invoice_line_id),
        Column("Customer country", lambda d: d.customer_country),
        Column("Jurisdiction", lambda d: d.jurisdiction),
        Column("Currency", lambda d: d.currency),
        Column(f"Net ({money})", lambda d: d.net),
        Column(f"Charged tax ({money})", lambda d: d.charged_tax),
        Column(f"Expected tax ({money})", lambda d: d.expected_tax),
        Column("Charged rate (fraction)", lambda d: d.charged_rate),
        Column("Expected rate (fraction)", lambda d: d.expected_rate),
        Column("Reason", lambda d: d.reason),
    ]
    day = max((d.invoice_date for d in rows), default=date.today())
    return csv_response(
        rows,
        columns,
        tenant=principal.tenant_id,
        build=snapshot.name,
        name="tax-discrepancies",
        day=day,
    )
