"""The alerts page: what the tenant's rules raised on its publishes, the rules themselves
and the delivery log (the same bodies as GET /api/v1/alerts and /alerts/deliveries)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from revlake.alerts import AlertLog, alert_log_path
from revlake.alerts.views import alert_page, delivery_page, rule_text
from revlake.alerts.webhook import origin
from revlake.api.deps import ContextDep
from revlake.store.roles import Area
from revlake.web.common import NavEntry, WebPrincipal, render, require

ALERTS_PER_PAGE = 50
DELIVERIES_SHOWN = 20

NAV: tuple[NavEntry, ...] = (("/alerts", "Alerts", Area.PIPELINE),)

router = APIRouter(include_in_schema=False)


@router.get("/alerts")
async def alerts_page(
    request: Request,
    context: ContextDep,
    principal: WebPrincipal,
    status: Annotated[Literal["active", "cleared", "event"] | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    """Alerts newest first (filter by status), the rules, the latest deliveries."""
    require(principal, Area.PIPELINE)
    tenant = principal.tenant_id
    log = AlertLog(alert_log_path(context.workspace, tenant))
    offset = (page - 1) * ALERTS_PER_PAGE
    alerts = await run_in_threadpool(alert_page, log, status, None, ALERTS_PER_PAGE, offset)
    deliveries = await run_in_threadpool(delivery_page, log, None, None, DELIVERIES_SHOWN, 0)
    counts = await run_in_threadpool(log.counts)
    settings = context.workspace.tenant(tenant).alerts
    return render(
        request,
        "alerts.html",
        principal,
        None,
        alerts=alerts,
        deliveries=deliveries,
        counts=counts,
        settings=settings,
        status=status,
        page=page,
        rule_text=rule_text,
        currency=context.workspace.settings.workspace.reporting_currency,
        webhook_origin=origin,
    )
