"""The marketing funnel and channel performance from gold (fct_funnel,
fct_channel_performance, dim_channel)."""

from __future__ import annotations

from datetime import date
from typing import Any

from revlake.queries.convert import amount, money, num
from revlake.queries.params import PageParams, month_range_sql, order_by, page_of, where
from revlake.reader import Build
from revlake.schemas.common import ChannelRow, FunnelPage, FunnelRow, FunnelStage, Page

FUNNEL_SORT = {
    "month": "f.month_start_date",
    "channel": "f.channel_key",
    "leads": "f.leads",
    "opportunities_created": "f.opportunities_created",
    "opportunities_won": "f.opportunities_won",
    "won_amount": "f.won_amount_rc",
}
FUNNEL_STAGES = (
    ("leads", "Leads"),
    ("converted_leads", "Converted leads"),
    ("opportunities_created", "Opportunities"),
    ("opportunities_won", "Won"),
)


def _filters(
    column_prefix: str, start: date | None, end: date | None, channel: str | None
) -> tuple[list[str], list[Any]]:
    conditions, params = month_range_sql(f"{column_prefix}.month_start_date", start, end)
    if channel is not None:
        conditions.append(f"{column_prefix}.channel_key = ?")
        params.append(channel)
    return conditions, params


def funnel(
    snapshot: Build,
    start: date | None,
    end: date | None,
    channel: str | None,
    sort: str | None,
    page: PageParams,
) -> FunnelPage:
    """Funnel rows per channel and month, plus stage counts over every matching row."""
    ordering = order_by(
        sort, FUNNEL_SORT, "-month,channel", ["f.month_start_date", "f.channel_key"]
    )
    conditions, params = _filters("f", start, end, channel)

    def compute() -> FunnelPage:
        base = (
            "from gold.fct_funnel f left join gold.dim_channel c on c.channel_key = f.channel_key "
            f"{where(conditions)}"
        )
        rows = snapshot.rows(
            f"select f.*, coalesce(c.channel_name, f.channel_key) as channel_name {base} "
            f"order by {ordering} limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        sums = ", ".join(f"coalesce(sum(f.{col}), 0) as {col}" for col, _ in FUNNEL_STAGES)
        totals = snapshot.rows(f"select count(*) as n, {sums} {base}", params)[0]
        items = [
            FunnelRow(
                channel=r["channel_key"],
                channel_name=r["channel_name"],
                month=r["month_start_date"],
                leads=int(r["leads"]),
                converted_leads=int(r["converted_leads"]),
                opportunities_created=int(r["opportunities_created"]),
                opportunities_won=int(r["opportunities_won"]),
                opportunities_lost=int(r["opportunities_lost"]),
                won_amount=money(r["won_amount_rc"]),
                lead_conversion_rate=num(r["lead_conversion_rate"]),
                win_rate=num(r["win_rate"]),
            )
            for r in rows
        ]
        stages = [FunnelStage(stage=label, count=int(totals[col])) for col, label in FUNNEL_STAGES]
        return FunnelPage(items=items, stages=stages, **page_of(rows, int(totals["n"]), page))

    return snapshot.memo(("funnel", start, end, channel, ordering, page), compute)


CHANNEL_SORT = {
    "month": "p.month_start_date",
    "channel": "p.channel_key",
    "spend": "p.spend_rc",
    "new_customers": "p.new_customers",
    "new_mrr": "p.new_mrr_rc",
    "cac": "p.cac_rc",
    "roas": "p.roas",
}


def channels(
    snapshot: Build,
    start: date | None,
    end: date | None,
    channel: str | None,
    sort: str | None,
    page: PageParams,
) -> Page[ChannelRow]:
    """Channel performance per channel and month (spend, CAC, ROAS, payback)."""
    ordering = order_by(
        sort, CHANNEL_SORT, "-month,-spend", ["p.month_start_date", "p.channel_key"]
    )
    conditions, params = _filters("p", start, end, channel)

    def compute() -> Page[ChannelRow]:
        rows = snapshot.rows(
            "select p.*, coalesce(c.channel_name, p.channel_key) as channel_name, "
            "coalesce(c.channel_type, 'unknown') as channel_type, count(*) over () as total_rows "
            "from gold.fct_channel_performance p "
            "left join gold.dim_channel c on c.channel_key = p.channel_key "
            f"{where(conditions)} order by {ordering} limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        if rows:
            total = int(rows[0]["total_rows"])
        else:
            total = int(
                snapshot.rows(
                    f"select count(*) as n from gold.fct_channel_performance p {where(conditions)}",
                    params,
                )[0]["n"]
            )
        items = [
            ChannelRow(
                channel=r["channel_key"],
                channel_name=r["channel_name"],
                channel_type=r["channel_type"],
                month=r["month_start_date"],
                spend=money(r["spend_rc"]),
                impressions=int(r["impressions"]),
                clicks=int(r["clicks"]),
                leads=int(r["leads"]),
                new_customers=int(r["new_customers"]),
                new_mrr=money(r["new_mrr_rc"]),
                cac=amount(r["cac_rc"]),
                roas=num(r["roas"]),
                payback_months=num(r["payback_months"]),
            )
            for r in rows
        ]
        return Page[ChannelRow](items=items, **page_of(rows, total, page))

    return snapshot.memo(("channels", start, end, channel, ordering, page), compute)


def latest_spend_month(snapshot: Build) -> date | None:
    """The latest month in which any channel spent money (the growth page's default)."""

    def compute() -> date | None:
        rows = snapshot.rows(
            "select max(month_start_date) as m from gold.fct_channel_performance where spend_rc > 0"
        )
        value = rows[0]["m"] if rows else None
        return value if isinstance(value, date) else None

    return snapshot.memo(("latest_spend_month",), compute)
