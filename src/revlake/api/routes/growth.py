"""The marketing funnel and channel performance."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from revlake.api.deps import PageDep, RoleDep, SnapshotDep
from revlake.api.routes import json_from_snapshot
from revlake.api.routes.revenue import FromQuery, SortQuery, ToQuery
from revlake.queries import growth
from revlake.queries.params import parse_month
from revlake.schemas.common import ChannelRow, FunnelPage, Page
from revlake.store.roles import Area

router = APIRouter(tags=["growth"])
ChannelQuery = Annotated[
    str | None, Query(max_length=100, description="Channel key, e.g. google_ads")
]


@router.get(
    "/funnel",
    response_model=FunnelPage,
    summary="Leads → opportunities → won per channel and month, with stage totals",
    description="Sortable by: " + ", ".join(sorted(growth.FUNNEL_SORT)) + ".",
    dependencies=[RoleDep(Area.FUNNEL)],
)
async def get_funnel(
    snapshot: SnapshotDep,
    page: PageDep,
    start: FromQuery = None,
    end: ToQuery = None,
    channel: ChannelQuery = None,
    sort: SortQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("funnel", start, end, channel, sort, page),
        lambda: growth.funnel(
            snapshot, parse_month(start, "from"), parse_month(end, "to"), channel, sort, page
        ),
    )


@router.get(
    "/channels",
    response_model=Page[ChannelRow],
    summary="Spend, new customers, CAC, ROAS and payback per channel and month",
    description="Sortable by: " + ", ".join(sorted(growth.CHANNEL_SORT)) + ".",
    dependencies=[RoleDep(Area.CHANNELS)],
)
async def get_channels(
    snapshot: SnapshotDep,
    page: PageDep,
    start: FromQuery = None,
    end: ToQuery = None,
    channel: ChannelQuery = None,
    sort: SortQuery = None,
) -> Response:
    return await json_from_snapshot(
        snapshot,
        ("channels", start, end, channel, sort, page),
        lambda: growth.channels(
            snapshot, parse_month(start, "from"), parse_month(end, "to"), channel, sort, page
        ),
    )
