"""The insights panel: plain-language observations with the gold figures behind each.

Every figure comes from a gold table (kpi_revenue_monthly, kpi_unit_economics,
fct_mrr_movements with the segment of the customer's CRM account, fct_channel_performance);
this module only compares them and words the comparison.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from revlake.queries.convert import money, num
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build, NoPublishedBuild
from revlake.schemas.common import Figure, Insight, Insights

MOVEMENT_LABELS = {
    "new_mrr_rc": ("new business", "new"),
    "expansion_mrr_rc": ("expansion", "expansion"),
    "contraction_mrr_rc": ("contraction", "contraction"),
    "churn_mrr_rc": ("churn", "churn"),
    "reactivation_mrr_rc": ("reactivation", "reactivation"),
    "fx_impact_mrr_rc": ("FX impact", "fx_impact"),
}
BASELINE_MONTHS = 6
IMPLAUSIBLE_LTV_TO_CAC = 20.0
IMPLAUSIBLE_PAYBACK_MONTHS = 1.0
"""Beyond these, unit economics say more about the cost data than about the business:
public SaaS companies report LTV:CAC of about 3–5× and CAC payback of 12–30 months."""
CAC_UNDERSTATED = (
    "CAC is computed from the ad spend in the exports divided by new customers; sales and "
    "marketing salaries, tools and agency fees are not in them, so CAC is understated and "
    "LTV:CAC and payback look better than they are."
)


def fmt_money(value: Decimal | float, currency: str) -> str:
    sign = "−" if value < 0 else ""
    return f"{sign}{currency} {abs(value):,.0f}"


def pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _customers(n: int) -> str:
    return f"{n} customer" if n == 1 else f"{n} customers"


def _segment_driver(snapshot: Build, month: date, movement_type: str) -> tuple[str, Decimal] | None:
    rows = snapshot.rows(
        "select coalesce(a.segment, 'unknown') as segment, sum(m.amount_rc) as amount "
        "from gold.fct_mrr_movements m "
        "left join gold.dim_customer d on d.customer_key = m.customer_key "
        "left join gold.dim_customer a on a.customer_key = d.linked_account_key "
        "where m.month_start_date = ? and m.movement_type = ? "
        "group by 1 order by abs(sum(m.amount_rc)) desc limit 1",
        [month, movement_type],
    )
    if not rows or rows[0]["amount"] is None:
        return None
    return str(rows[0]["segment"]), money(rows[0]["amount"])


def _net_new(snapshot: Build, cur: dict[str, Any], prev: dict[str, Any], cur_: str) -> Insight:
    now, before = money(cur["net_new_mrr_rc"]), money(prev["net_new_mrr_rc"])
    change = now - before
    # the movement whose change month over month moved net new MRR the most
    column = max(MOVEMENT_LABELS, key=lambda c: abs(money(cur[c]) - money(prev[c])))
    label, movement_type = MOVEMENT_LABELS[column]
    delta = money(cur[column]) - money(prev[column])
    direction = "rose" if change > 0 else "fell" if change < 0 else "held steady"
    relative = f" {abs(change) / abs(before) * 100:.0f}%" if before and change else ""
    text = (
        f"Net new MRR {direction}{relative} month over month, from "
        f"{fmt_money(before, cur_)} to {fmt_money(now, cur_)}"
    )
    figures: dict[str, Figure] = {
        "month": cur["month_start_date"].isoformat(),
        "net_new_mrr": now,
        "previous_net_new_mrr": before,
        "driver": movement_type,
        "driver_change": round(delta, 2),
    }
    if change:
        text += f", driven by {label} ({'+' if delta >= 0 else '−'}{fmt_money(abs(delta), cur_)})"
        segment = _segment_driver(snapshot, cur["month_start_date"], movement_type)
        if segment is not None and movement_type != "fx_impact":
            text += f", mostly in the {segment[0]} segment ({fmt_money(segment[1], cur_)})"
            figures["driver_segment"] = segment[0]
            figures["driver_segment_amount"] = segment[1]
    where = f" in the {figures['driver_segment']} segment" if "driver_segment" in figures else ""
    if change < 0:
        advice = f"Go through this month's {label} movements{where} customer by customer first."
    elif change > 0:
        advice = f"Find what drove the {label}{where} and do more of it."
    else:
        advice = "Nothing moved month over month: no action needed."
    return Insight(
        key="net_new_mrr",
        severity="good" if change > 0 else "warning" if change < 0 else "neutral",
        title="Net new MRR",
        text=text + ".",
        recommendation=advice,
        figures=figures,
    )


def _retention(cur: dict[str, Any]) -> Insight | None:
    nrr, grr = num(cur["nrr_12m"]), num(cur["grr_12m"])
    if nrr is None or grr is None:
        return None
    if nrr >= 1:
        verdict = "customers a year ago now pay more than they did: expansion outweighs losses"
    else:
        verdict = "revenue from customers a year ago is shrinking: losses outweigh expansion"
    return Insight(
        key="retention",
        severity="good" if nrr >= 1 else "warning",
        title="Net revenue retention",
        text=f"NRR over 12 months is {pct(nrr)} (GRR {pct(grr)}); {verdict}.",
        recommendation=(
            "Keep the expansion motions going and watch GRR: expansion can hide churn."
            if nrr >= 1
            else "Review the accounts that contracted or churned over the year (Customers → "
            "at risk) and start retention plays on the largest."
        ),
        figures={"nrr_12m": round(nrr, 4), "grr_12m": round(grr, 4)},
    )


def _churn(cur: dict[str, Any], history: list[dict[str, Any]]) -> Insight | None:
    rate = num(cur["logo_churn_rate"])
    rates = [num(r["logo_churn_rate"]) for r in history]
    baseline_rates = [r for r in rates if r is not None]
    if rate is None or not baseline_rates:
        return None
    baseline = sum(baseline_rates) / len(baseline_rates)
    higher = rate > baseline * 1.25 and rate - baseline > 0.005
    lower = rate < baseline * 0.75
    word = "above" if higher else "below" if lower else "in line with"
    return Insight(
        key="logo_churn",
        severity="warning" if higher else "good" if lower else "neutral",
        title="Customer churn",
        text=(
            f"{_customers(int(cur['churned_customers']))} churned ({pct(rate)} of last month's "
            f"paying customers), {word} the {len(baseline_rates)}-month average of "
            f"{pct(baseline)}."
        ),
        recommendation=(
            "Call the customers at risk now (Customers → at risk) and read this month's "
            "cancellation reasons."
            if higher
            else "Keep the current retention playbook; no action needed."
        ),
        figures={
            "churned_customers": int(cur["churned_customers"]),
            "logo_churn_rate": round(rate, 4),
            "baseline_logo_churn_rate": round(baseline, 4),
        },
    )


def implausible_unit_economics(ltv_to_cac: float | None, payback_months: float | None) -> bool:
    """Whether LTV:CAC or CAC payback lie beyond what a business can plausibly show (the
    thresholds above): then they describe missing cost data, not performance."""
    return (ltv_to_cac is not None and ltv_to_cac > IMPLAUSIBLE_LTV_TO_CAC) or (
        payback_months is not None and payback_months < IMPLAUSIBLE_PAYBACK_MONTHS
    )


def _unit_economics(snapshot: Build, month: date, currency: str) -> Insight | None:
    rows = snapshot.rows(
        "select ltv_to_cac, payback_months, cac_rc, ltv_rc from gold.kpi_unit_economics "
        "where month_start_date = ?",
        [month],
    )
    if not rows or rows[0]["ltv_to_cac"] is None or rows[0]["payback_months"] is None:
        return None
    r = rows[0]
    ratio, payback = float(r["ltv_to_cac"]), float(r["payback_months"])
    healthy = ratio >= 3 and payback <= 18
    implausible = implausible_unit_economics(ratio, payback)
    figures: dict[str, Figure] = {
        "ltv_to_cac": ratio,
        "payback_months": payback,
        "ltv": money(r["ltv_rc"]),
        "cac": money(r["cac_rc"]),
    }
    text = (
        f"LTV is {ratio:.1f}× blended CAC ({fmt_money(money(r['ltv_rc']), currency)} vs "
        f"{fmt_money(money(r['cac_rc']), currency)}) and CAC is paid back in "
        f"{payback:.1f} months; the common benchmark is at least 3× and under 18 months."
    )
    if implausible:
        return Insight(
            key="unit_economics",
            severity="warning",
            title="Unit economics: implausible, check the cost data",
            text=text,
            data_warning=CAC_UNDERSTATED,
            recommendation=(
                "Map the full cost of acquiring customers (sales and marketing salaries, "
                "tools, agencies) before using LTV:CAC or payback for budget decisions."
            ),
            figures=figures,
        )
    return Insight(
        key="unit_economics",
        severity="good" if healthy else "warning",
        title="Unit economics",
        text=text,
        recommendation=(
            "There is room to spend more on acquisition while LTV:CAC stays at 3× or more."
            if healthy
            else "Cut spend on the channels with the highest CAC (Growth → channels) or lift "
            "LTV through pricing and expansion."
        ),
        figures=figures,
    )


def _best_channel(snapshot: Build, currency: str) -> Insight | None:
    rows = snapshot.rows(
        "select p.month_start_date, coalesce(c.channel_name, p.channel_key) as name, p.roas, "
        "p.cac_rc, p.spend_rc, p.new_customers from gold.fct_channel_performance p "
        "left join gold.dim_channel c on c.channel_key = p.channel_key "
        "where c.channel_type = 'paid' and p.roas is not null and p.new_customers > 0 "
        "and p.month_start_date = (select max(q.month_start_date) "
        "  from gold.fct_channel_performance q join gold.dim_channel k "
        "  on k.channel_key = q.channel_key "
        "  where k.channel_type = 'paid' and q.roas is not null and q.new_customers > 0) "
        "order by p.roas desc, name limit 1"
    )
    if not rows:
        return None
    r = rows[0]
    return Insight(
        key="best_channel",
        severity="neutral",
        title="Best paid channel",
        text=(
            f"In {r['month_start_date']:%B %Y}, {r['name']} returned the most: ROAS "
            f"{float(r['roas']):.1f} (12 × new MRR ÷ spend) on "
            f"{fmt_money(money(r['spend_rc']), currency)} of spend, "
            f"{_customers(int(r['new_customers'])).replace('customer', 'new customer')} "
            f"at a CAC of {fmt_money(money(r['cac_rc']), currency)}."
        ),
        recommendation=(
            f"Test a larger budget on {r['name']} and watch whether its CAC holds as spend grows."
        ),
        figures={
            "month": r["month_start_date"].isoformat(),
            "channel": str(r["name"]),
            "roas": float(r["roas"]),
            "cac": money(r["cac_rc"]),
            "new_customers": int(r["new_customers"]),
        },
    )


def insights(snapshot: Build) -> Insights:
    """Observations about the latest month of the published snapshot."""

    def compute() -> Insights:
        months = snapshot.rows(
            "select * from gold.kpi_revenue_monthly order by month_start_date desc limit ?",
            [BASELINE_MONTHS + 2],
        )
        if not months:
            raise NoPublishedBuild("the published snapshot has no revenue months yet")
        currency = reporting_currency(snapshot)
        cur = months[0]
        found: list[Insight | None] = []
        if len(months) > 1:
            found.append(_net_new(snapshot, cur, months[1], currency))
        found.append(_retention(cur))
        found.append(_churn(cur, months[1 : BASELINE_MONTHS + 1]))
        found.append(_unit_economics(snapshot, cur["month_start_date"], currency))
        found.append(_best_channel(snapshot, currency))
        return Insights(
            month=cur["month_start_date"],
            currency=currency,
            insights=[i for i in found if i is not None],
        )

    return snapshot.memo(("insights",), compute)
