"""Dashboard pages of payables and the bank: AP aging (table and chart), open bills, and
the bank reconciliation (counts, ambiguous and unmatched lists).

Finance and admin roles only (Area.AP). They read the same functions as the API
(`revlake.queries.ap`), so the pages and /api/v1/ap show the same numbers.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.api.deps import ContextDep
from revlake.finance.reconciliation import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from revlake.queries import ap, precompute
from revlake.queries.params import PageParams
from revlake.schemas.ap import BankReconciliation
from revlake.store.roles import Area
from revlake.web.common import NavEntry, PageSnapshot, WebPrincipal, render, require
from revlake.web.figures import ap as ap_figures

BILLS_SHOWN = 100
LINES_SHOWN = precompute.BANK_LINES_SHOWN

NAV: tuple[NavEntry, ...] = (
    ("/finance/ap", "Payables", Area.AP),
    ("/finance/bank", "Bank", Area.AP),
)

router = APIRouter(include_in_schema=False)


@router.get("/finance/ap")
async def ap_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    as_of: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    require(principal, Area.AP)
    aging = await run_in_threadpool(ap.ap_aging, snapshot, as_of)
    bills = await run_in_threadpool(
        ap.ap_bills, snapshot, "open", None, aging.as_of, PageParams(limit=BILLS_SHOWN, offset=0)
    )
    chart = snapshot.memo(("web-ap-aging", aging.as_of), lambda: ap_figures.ap_aging_bars(aging))
    return render(request, "ap.html", principal, snapshot, aging=aging, bills=bills, chart=chart)


@router.get("/finance/bank")
async def bank_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    context: ContextDep,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: Annotated[date | None, Query()] = None,
    window_days: Annotated[int, Query(ge=0, le=MAX_WINDOW_DAYS)] = DEFAULT_WINDOW_DAYS,
) -> HTMLResponse:
    require(principal, Area.AP)

    def compute() -> BankReconciliation | None:
        with context.store.read() as session:
            resolutions, stamp = ap.stored_resolutions(session, principal.tenant_id)
        # the default view is stored at publish, per version of the resolutions
        return precompute.answer(
            snapshot,
            precompute.bank_key(from_, to, window_days, LINES_SHOWN, stamp),
            BankReconciliation,
            lambda: ap.bank_reconciliation(
                snapshot, from_, to, window_days, LINES_SHOWN, resolutions, stamp
            ),
        )

    result = await run_in_threadpool(compute)
    return render(
        request,
        "bank.html",
        principal,
        snapshot,
        result=result,
        date_from=from_,
        date_to=to,
    )
