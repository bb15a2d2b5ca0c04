"""The CFO summary: one month's revenue, receivables, churn risk and deferred revenue in
the reporting currency, each amount beside the month before and the same month a year
before (API `GET /api/v1/cfo`, the dashboard's CFO page).

Every figure comes from the function that computes it elsewhere (KPIs from
`kpi_revenue_monthly`, the aging from `finance.receivables`, deferred revenue from
`finance.revrec_reports`, churn scores from `ml_customer_churn`), so the CFO page agrees
with the revenue, receivables, revenue-recognition and at-risk pages. A book the build
cannot give (a CRM-only tenant has no invoices; churn not scored yet) is marked
unavailable with the reason, never shown as zero.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from revlake.errors import InputError
from revlake.finance import receivables as ar
from revlake.finance import revrec_reports
from revlake.finance.recognition import next_month
from revlake.ml.churn import LEVELS
from revlake.ml.churn_service import CHURN_TABLE
from revlake.queries.ar import aging_out
from revlake.queries.convert import ZERO, amount, money, num
from revlake.queries.params import PageParams
from revlake.queries.revenue import latest_month, movements, reporting_currency
from revlake.reader import Build
from revlake.schemas.cfo import (
    CfoAtRisk,
    CfoDeferred,
    CfoReceivables,
    CfoRevenue,
    CfoSummary,
    Compared,
    SegmentMrr,
)

AT_RISK_LEVELS = ("critical", "cancelling")
AT_RISK_THRESHOLD = next(lower for lower, name, _ in LEVELS if name == "critical")
AT_RISK_DEFINITION = (
    f"paying customers whose churn probability within the model's horizon is at least "
    f"{AT_RISK_THRESHOLD:.0%} (risk level critical) or who already asked to cancel"
)

_KPI_COLUMNS = (
    "month_start_date, mrr_rc, arr_rc, net_new_mrr_rc, paying_customers, nrr_12m, grr_12m"
)


def _month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def _capped(month: dt.date, latest: dt.date, why: str) -> tuple[dt.date, str | None]:
    """The month's end, or the last day the data reaches when that is earlier (then with
    a note saying so: `why` with `{day}`)."""
    day = min(_month_end(month), latest)
    return day, (why.format(day=day.isoformat()) if day < _month_end(month) else None)


def _year_before(month: dt.date) -> dt.date:
    return month.replace(year=month.year - 1)


def _previous(month: dt.date) -> dt.date:
    return (month - dt.timedelta(days=1)).replace(day=1)


def _pct(value: Decimal, before: Decimal | None) -> float | None:
    if before is None or before == 0:
        return None
    return round(float((value - before) / abs(before)), 6)


def _compared(
    column: str, now: dict[str, Any], prev: dict[str, Any] | None, ago: dict[str, Any] | None
) -> Compared:
    value = money(now[column])
    before = amount(prev[column]) if prev is not None else None
    year_ago = amount(ago[column]) if ago is not None else None
    return Compared(
        value=value,
        previous_month=before,
        year_ago=year_ago,
        mom_pct=_pct(value, before),
        yoy_pct=_pct(value, year_ago),
    )


def _by_segment(snapshot: Build, month: dt.date, total: Decimal) -> list[SegmentMrr]:
    rows = snapshot.rows(
        "select coalesce(a.segment, 'unknown') as segment, sum(m.mrr_rc) as mrr, "
        "count(distinct m.customer_key) as customers "
        "from gold.fct_mrr m "
        "left join gold.dim_customer d on d.customer_key = m.customer_key "
        "left join gold.dim_customer a on a.customer_key = d.linked_account_key "
        "where m.month_start_date = ? and m.mrr_rc > 0 "
        "group by 1 order by sum(m.mrr_rc) desc, 1",
        [month],
    )
    return [
        SegmentMrr(
            segment=str(r["segment"]),
            mrr=money(r["mrr"]),
            share=round(float(money(r["mrr"]) / total), 6) if total else 0.0,
            customers=int(r["customers"]),
        )
        for r in rows
    ]


def _revenue(snapshot: Build, month: dt.date) -> tuple[CfoRevenue, dt.date | None, dt.date | None]:
    wanted = [month, _previous(month), _year_before(month)]
    rows = {
        r["month_start_date"]: r
        for r in snapshot.rows(
            f"select {_KPI_COLUMNS} from gold.kpi_revenue_monthly "
            "where month_start_date in (?, ?, ?)",
            wanted,
        )
    }
    now, prev, ago = (rows.get(m) for m in wanted)
    if now is None:
        raise InputError(f"query parameter 'month': no revenue figures for {month:%Y-%m}")
    moved = movements(snapshot, month, month, None, PageParams(limit=1, offset=0)).items[0]
    revenue = CfoRevenue(
        mrr=_compared("mrr_rc", now, prev, ago),
        arr=_compared("arr_rc", now, prev, ago),
        net_new_mrr=_compared("net_new_mrr_rc", now, prev, ago),
        paying_customers=int(now["paying_customers"]),
        paying_customers_year_ago=int(ago["paying_customers"]) if ago is not None else None,
        nrr_12m=num(now["nrr_12m"]),
        grr_12m=num(now["grr_12m"]),
        movements=moved,
        by_segment=_by_segment(snapshot, month, money(now["mrr_rc"])),
    )
    return revenue, (wanted[1] if prev is not None else None), (wanted[2] if ago else None)


def _receivables(snapshot: Build, month: dt.date) -> CfoReceivables:
    if not snapshot.has_table("fct_ar_balance_events"):
        return CfoReceivables(available=False, note="no invoices in this build: no receivables")
    latest = ar.latest_event_date(snapshot)
    if latest is None:
        return CfoReceivables(available=False, note="no invoice has a balance yet")
    day, note = _capped(month, latest, "as of {day}, the last day the exports describe")
    report = aging_out(ar.aging(snapshot, day))
    return CfoReceivables(
        available=True,
        note=note,
        as_of=report.as_of,
        total=report.total.total,
        overdue=report.total.overdue,
        overdue_invoices=report.total.overdue_invoices,
        buckets=report.total.buckets,
        missing_rates=report.missing_rates,
    )


def _at_risk(snapshot: Build) -> CfoAtRisk:
    if not snapshot.has_table(CHURN_TABLE):
        return CfoAtRisk(
            available=False,
            note="churn is not scored yet: run `revlake churn train` and `revlake churn score`",
            definition=AT_RISK_DEFINITION,
            threshold=AT_RISK_THRESHOLD,
            mrr=ZERO,
            mrr_at_risk=ZERO,
        )
    marks = ", ".join("?" for _ in AT_RISK_LEVELS)
    (r,) = snapshot.rows(
        "select count(*) as scored, "
        f"count(*) filter (where risk_level in ({marks})) as customers, "
        f"coalesce(sum(mrr_rc) filter (where risk_level in ({marks})), 0) as mrr, "
        f"coalesce(sum(mrr_at_risk_rc) filter (where risk_level in ({marks})), 0) as at_risk, "
        "max(scoring_month) as scoring_month, max(horizon_months) as horizon "
        f"from gold.{CHURN_TABLE}",
        [*AT_RISK_LEVELS, *AT_RISK_LEVELS, *AT_RISK_LEVELS],
    )
    scoring = r["scoring_month"]
    return CfoAtRisk(
        available=True,
        definition=AT_RISK_DEFINITION,
        threshold=AT_RISK_THRESHOLD,
        customers=int(r["customers"]),
        scored_customers=int(r["scored"]),
        mrr=money(r["mrr"]),
        mrr_at_risk=money(r["at_risk"]),
        scoring_month=dt.date.fromisoformat(str(scoring)[:10]) if scoring else None,
        horizon_months=int(r["horizon"]) if r["horizon"] is not None else None,
    )


def _deferred(snapshot: Build, month: dt.date, currency: str) -> CfoDeferred:
    if not snapshot.has_table("fct_revenue_schedule"):
        return CfoDeferred(available=False, note="no invoices in this build: no deferred revenue")
    latest = revrec_reports.latest_month_end(snapshot)
    if latest is None:
        return CfoDeferred(available=False, note="no invoice is dated yet")
    day, note = _capped(month, latest, "at {day}, the last month end the invoices reach")
    found = revrec_reports.consolidated_deferred(snapshot, day, currency)
    return CfoDeferred(
        available=True,
        note=note,
        as_of=day,
        total=found.total_rc,
        by_currency=found.by_currency,
        missing_rates=list(found.missing_rates),
    )


def cfo_summary(snapshot: Build, month: dt.date | None = None) -> CfoSummary:
    """The CFO's month (default: the latest month with revenue figures)."""
    chosen = month or latest_month(snapshot)

    def compute() -> CfoSummary:
        currency = reporting_currency(snapshot)
        revenue, previous, year_ago = _revenue(snapshot, chosen)
        return CfoSummary(
            month=chosen,
            previous_month=previous,
            year_ago_month=year_ago,
            currency=currency,
            snapshot=snapshot.name,
            revenue=revenue,
            receivables=_receivables(snapshot, chosen),
            at_risk=_at_risk(snapshot),
            deferred=_deferred(snapshot, chosen, currency),
        )

    return snapshot.memo(("cfo", chosen), compute)


__all__ = ["AT_RISK_DEFINITION", "cfo_summary"]
