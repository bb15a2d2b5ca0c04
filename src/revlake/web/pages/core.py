"""Dashboard core pages: login, overview, insights, growth, data health.

Every page is scoped like the API: the signed session cookie names an API key, the key
gives the tenant and role (`web_principal`), and `page_snapshot` pins that tenant's
published snapshot for the request. A page whose area the role may not see answers 403.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from revlake.api.bodyguard import client_address
from revlake.api.deps import ContextDep
from revlake.queries import growth, insights, pipeline, precompute, revenue, sales
from revlake.queries import health as health_data
from revlake.queries.params import MONTH_PATTERN, PageParams, parse_month
from revlake.reader import Build
from revlake.schemas.common import Insights
from revlake.store.keys import InvalidApiKeyError
from revlake.store.roles import Area, Role, can_access
from revlake.web.assets import STATIC_DIR, VersionedStaticFiles
from revlake.web.common import (
    NavEntry,
    PageSnapshot,
    WebPrincipal,
    render,
    require,
    templates,
)
from revlake.web.figures import core as figures
from revlake.web.session import COOKIE_NAME, SESSION_TTL_S, make_token

NAV: tuple[NavEntry, ...] = (
    ("/", "Overview", Area.KPIS),
    ("/growth", "Growth", Area.FUNNEL),
    ("/insights", "Insights", Area.KPIS),
    ("/data-health", "Data health", Area.RUNS),
)

router = APIRouter(include_in_schema=False)


# ---------------------------------------------------------------- login and static files


@router.get("/login")
def login_form(request: Request, next: str = "", error: str | None = None) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "login.html", {"next": _safe_next(next), "error": error, "nav": []}
    )


ROLE_HOMES: dict[Role, str] = {
    Role.ADMIN: "/",
    Role.EXECUTIVE: "/",
    Role.FINANCE: "/finance/cfo",
    Role.REVOPS: "/data-health",
    Role.SALES: "/deals",
    Role.MARKETING: "/growth",
}
"""Each persona's home: the first page after a login that asked for no page."""


def _safe_next(target: str) -> str:
    """Only local paths: never redirect to another site after login ("" = the role's home)."""
    return target if target.startswith("/") and not target.startswith("//") else ""


@router.post("/login")
async def login(
    request: Request,
    context: ContextDep,
    api_key: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        # the same bounded, failure-limited check as the API (429 when limited)
        principal = await context.authenticate(api_key, client_address(request.scope))
    except InvalidApiKeyError:
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "That API key is not valid.", "nav": []},
            status_code=401,
        )
    target = _safe_next(next) or ROLE_HOMES.get(principal.role, "/")
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        make_token(context.session_secret, principal.key_id),
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


# ---------------------------------------------------------------- pages


def _orders_only(snapshot: Build) -> Response | None:
    """A tenant with order lines but no subscription revenue (an ERP export) has no KPI
    months for the overview and the insights: those pages send it to the Sales page
    instead of answering 404."""
    if revenue.kpi_months(snapshot) or not sales.has_orders(snapshot):
        return None
    return RedirectResponse("/sales", status_code=303)


def months_between(
    series: Sequence[dict[str, Any]], start: date | None, end: date | None
) -> list[dict[str, Any]]:
    """The monthly rows (keyed by their first day, "month") of a date range picked with
    two date inputs: a month counts when any day of it lies within [start, end], so
    15 Mar – 10 Jun is March to June; no bound = that end open."""
    first = start.replace(day=1) if start is not None else None
    return [
        row
        for row in series
        if (first is None or row["month"] >= first) and (end is None or row["month"] <= end)
    ]


@router.get("/")
def overview(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    trend_from: Annotated[date | None, Query(alias="from")] = None,
    trend_to: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """KPI cards (with sparklines of their last 12 months), insights, the MRR trend over
    the months the from/to date pickers choose (default: all), the latest MRR bridge."""
    require(principal, Area.KPIS)
    orders_only = _orders_only(snapshot)
    if orders_only is not None:
        return orders_only
    chosen = parse_month(month, "month")
    kpis = revenue.kpis(snapshot, chosen)
    currency = kpis.currency
    series = revenue.kpi_months(snapshot)
    shown_series = months_between(series, trend_from, trend_to)
    recent = revenue.movements(
        snapshot, None, kpis.month, "-month", PageParams(limit=12, offset=0)
    ).items
    current = recent[0]
    start_mrr = recent[1].mrr if len(recent) > 1 else 0.0
    charts = snapshot.memo(
        ("web-overview", kpis.month),
        lambda: {
            "waterfall": figures.waterfall(current, start_mrr, currency),
            "movements": figures.movements_by_month(list(reversed(recent))),
        },
    )
    # memoised per shown months (not per picked dates): at most one figure per month pair
    span = (shown_series[0]["month"], shown_series[-1]["month"]) if shown_series else None
    charts = {
        **charts,
        "trend": snapshot.memo(
            ("web-overview-trend", span), lambda: figures.mrr_trend(shown_series, currency)
        ),
    }
    # the latest month's insights are stored at publish (`revlake.queries.precompute`)
    panel = (
        precompute.answer(
            snapshot, precompute.insights_key(), Insights, lambda: insights.insights(snapshot)
        )
        if chosen is None
        else None
    )
    shown = {k.key: k.value for k in kpis.kpis}
    ltv, cac = shown.get("ltv"), shown.get("cac")
    ratio = float(ltv) / float(cac) if ltv is not None and cac else None
    payback = shown.get("payback")
    unit_warning = (
        insights.CAC_UNDERSTATED
        if insights.implausible_unit_economics(
            ratio, float(payback) if payback is not None else None
        )
        else None
    )
    return render(
        request,
        "overview.html",
        principal,
        snapshot,
        kpis=kpis,
        currency=currency,
        current=current,
        start_mrr=start_mrr,
        recent=recent,
        months=[r["month"] for r in reversed(series)],
        chosen=chosen,
        trend_from=trend_from,
        trend_to=trend_to,
        trend_bounds=(series[0]["month"], series[-1]["month"]),
        trend_months=[r["month"] for r in shown_series],
        charts=charts,
        insights=panel,
        unit_warning=unit_warning,
        can_see_mrr=can_access(principal.role, Area.MRR),
    )


@router.get("/growth")
def growth_page(
    request: Request,
    principal: WebPrincipal,
    snapshot: PageSnapshot,
    month: Annotated[str | None, Query(pattern=MONTH_PATTERN)] = None,
    range_from: Annotated[date | None, Query(alias="from")] = None,
    range_to: Annotated[date | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """Funnel and channel performance of one month (default: the latest with spend) or,
    with the from/to date pickers, of the months any of whose days they span."""
    require(principal, Area.FUNNEL)
    ranged = range_from is not None or range_to is not None
    # months are keyed by their first day: a picked date stands for its month
    first = range_from.replace(day=1) if range_from is not None else None
    last = range_to.replace(day=1) if range_to is not None else None
    chosen = None if ranged else parse_month(month, "month") or growth.latest_spend_month(snapshot)
    start, end = (first, last) if ranged else (chosen, chosen)
    all_rows = PageParams(limit=500, offset=0)
    funnel = growth.funnel(snapshot, start, end, None, "channel", all_rows)
    show_channels = can_access(principal.role, Area.CHANNELS)
    channel_rows = (
        [
            row  # over all months, a channel-month with nothing in it would bury the rest
            for row in growth.channels(
                snapshot,
                start,
                end,
                None,
                "-month,-spend,channel" if ranged else "-spend,channel",
                all_rows,
            ).items
            if chosen is not None or row.spend or row.leads or row.new_customers or row.new_mrr
        ]
        if show_channels
        else []
    )
    currency = revenue.reporting_currency(snapshot)
    charts = snapshot.memo(
        ("web-growth", start, end, show_channels),
        lambda: {
            "funnel": figures.funnel(funnel.stages),
            "channels": figures.channels(channel_rows, currency) if channel_rows else None,
        },
    )
    pipe = (
        pipeline.pipeline_summary(snapshot, None, 12)
        if can_access(principal.role, Area.PIPELINE)
        else None
    )
    return render(
        request,
        "growth.html",
        principal,
        snapshot,
        month=chosen,
        ranged=ranged,
        range_from=range_from,
        range_to=range_to,
        first=first,
        last=last,
        funnel=funnel,
        channels=channel_rows,
        show_channels=show_channels,
        currency=currency,
        charts=charts,
        pipeline=pipe,
    )


@router.get("/data-health")
def data_health_page(
    request: Request, context: ContextDep, principal: WebPrincipal
) -> HTMLResponse:
    require(principal, Area.RUNS)
    health = health_data.data_health(
        context.workspace,
        context.store,
        context.files,
        context.snapshots,
        principal.tenant_id,
        PageParams(limit=25, offset=0),
    )
    return render(request, "data_health.html", principal, None, health=health)


@router.get("/insights")
def insights_page(request: Request, principal: WebPrincipal, snapshot: PageSnapshot) -> Response:
    require(principal, Area.KPIS)
    orders_only = _orders_only(snapshot)
    if orders_only is not None:
        return orders_only
    return render(
        request, "insights.html", principal, snapshot, insights=insights.insights(snapshot)
    )


def mount_static(app: FastAPI) -> None:
    """The dashboard's own static files (CSS, the in-place updates script) under /static, cached
    as immutable at their versioned URLs (`revlake.web.assets`)."""
    app.mount("/static", VersionedStaticFiles(directory=str(STATIC_DIR)), name="static")
