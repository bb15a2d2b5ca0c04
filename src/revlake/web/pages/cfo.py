"""The CFO dashboard: one month's revenue, growth, receivables, churn risk and deferred
revenue in the reporting currency, with month-over-month and year-over-year comparison.

It renders `revlake.queries.cfo.cfo_summary`, the same object `GET /api/v1/cfo` answers,
so every figure agrees with the API and with the page each section links to.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.queries import cfo, revenue
from revlake.queries.params import MONTH_PATTERN, parse_month
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require

NAV: tuple[NavEntry, ...] = (("/finance/cfo", "CFO", Area.AR),)

router = APIRouter(include_in_schema=False)

AGING_LABELS: tuple[tuple[str, str], ...] = (
    ("current", "Current"),
    ("days_1_30", "1–30"),
    ("days_31_60", "31–60"),
    ("days_61_90", "61–90"),
    ("days_91_120", "91–120"),
    ("days_over_120", "120+"),
)


@router.get("/finance/cfo")
async def cfo_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
) -> HTMLResponse:
    require(principal, Area.AR)
    summary = await run_in_threadpool(cfo.cfo_summary, snapshot, parse_month(month, "month"))
    months = [r["month"] for r in reversed(revenue.kpi_months(snapshot))]
    return render(
        request,
        "cfo.html",
        principal,
        snapshot,
        summary=summary,
        currency=summary.currency,
        months=months,
        aging_labels=AGING_LABELS,
    )
