"""Alerts: what the tenant's rules raised on its publishes, and the delivery log.

Read from the tenant's alert log (`revlake.alerts`), not from a snapshot: delivery
status changes between publishes, so these answers are never cached per snapshot.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from revlake.alerts import AlertLog, alert_log_path
from revlake.alerts.views import alert_page, delivery_page
from revlake.api.deps import ContextDep, PageDep, RoleDep, TenantDep
from revlake.schemas.alerts import (
    AlertKind,
    AlertPage,
    AlertStatus,
    DeliveryChannel,
    DeliveryPage,
    DeliveryStatus,
)
from revlake.store.roles import Area

router = APIRouter(tags=["alerts"], dependencies=[RoleDep(Area.PIPELINE)])


@router.get(
    "/alerts",
    response_model=AlertPage,
    summary="Alerts raised by the tenant's rules, newest first",
)
async def get_alerts(
    context: ContextDep,
    tenant: TenantDep,
    page: PageDep,
    status: Annotated[AlertStatus | None, Query()] = None,
    kind: Annotated[AlertKind | None, Query()] = None,
) -> AlertPage:
    log = AlertLog(alert_log_path(context.workspace, tenant))
    return await run_in_threadpool(alert_page, log, status, kind, page.limit, page.offset)


@router.get(
    "/alerts/deliveries",
    response_model=DeliveryPage,
    summary="Webhook and email messages: status, attempts, last error",
)
async def get_deliveries(
    context: ContextDep,
    tenant: TenantDep,
    page: PageDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    channel: Annotated[DeliveryChannel | None, Query()] = None,
) -> DeliveryPage:
    log = AlertLog(alert_log_path(context.workspace, tenant))
    return await run_in_threadpool(delivery_page, log, status, channel, page.limit, page.offset)
