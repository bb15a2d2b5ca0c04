"""Salesforce side of a chunk: leads, accounts, opportunities and their stage history.

The win/loss outcome comes from the documented latent model (params.WIN_*): the logit
of the win probability is a sum of terms for deal size, segment, rep skill, channel and
plan plus a deal-level latent fit. Stage durations then depend on the outcome (lost
deals stall), which is the "age in stage" signal a model can learn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from revlake.demo import params, schema
from revlake.demo.context import ChunkContext, rint
from revlake.demo.sink import boolean, money, text

EXISTING = -1  # channel index of reactivation deals


@dataclass(slots=True)
class Account:
    """A converted lead's company (Salesforce Account) and its contact."""

    id: str
    name: str
    country: int
    segment: int
    owner: int
    industry: str
    employees: int
    revenue: int
    state: str
    created_day: int
    created_sec: int
    first: str
    last: str
    email: str


@dataclass(slots=True)
class Deal:
    """What is being sold: tier, billing interval, seats, coupon (-1 = none), currency."""

    tier: int
    annual: bool
    seats: int
    coupon: int
    currency: str


@dataclass(slots=True)
class OppResult:
    """An opportunity's id, eventual outcome and close day (may lie after the end date)."""

    id: str
    won: bool
    close_day: int


def sigmoid(x: float) -> float:
    """Logistic function."""
    return 1.0 / (1.0 + math.exp(-x))


def draw_deal(cx: ChunkContext, segment: int, currency: str, channel: int) -> Deal:
    """Plan, interval, seats and coupon of a new deal, by segment and channel."""
    pr = cx.pr
    tier = _pick(pr.random(), params.TIER_MIX[segment])
    annual = pr.random() < params.ANNUAL_P[segment]
    extra_mean = params.SEATS_EXTRA_MEAN[segment]
    seats = params.SEATS_MIN[segment] + int(-math.log(1.0 - pr.random()) * extra_mean)
    coupon = -1
    if channel == 5 and pr.random() < params.PARTNER_COUPON_P:
        coupon = 3
    elif channel != EXISTING and pr.random() < params.COUPON_P:
        coupon = pr.choice((0, 1, 2, 4)) if annual else pr.choice((0, 1, 4))
    return Deal(tier, annual, seats, coupon, currency)


def _pick(u: float, probs: tuple[float, ...]) -> int:
    acc = 0.0
    for i, p in enumerate(probs):
        acc += p
        if u < acc:
            return i
    return len(probs) - 1


def acv_cents(cx: ChunkContext, deal: Deal) -> tuple[int, float]:
    """Annual contract value in the deal currency (cents) and in list USD (units)."""
    unit = cx.company.catalogue.unit_cents[(deal.tier, deal.annual, deal.currency)]
    pct = cx.company.catalogue.coupon_pct[deal.coupon] if deal.coupon >= 0 else 0
    periods = 1 if deal.annual else 12
    local = unit * deal.seats * periods * (100 - pct) // 100
    usd_months = params.ANNUAL_MONTHS_CHARGED if deal.annual else 12
    usd = params.TIER_MONTHLY_USD[deal.tier] * deal.seats * usd_months * (100 - pct) / 100
    return local, usd


def make_opportunity(
    cx: ChunkContext, acct: Account, day: int, sec: int, deal: Deal, channel: int
) -> OppResult:
    """Draw an opportunity's outcome and stage path; write it, its history and its truth."""
    co = cx.company
    cal, pr = co.cal, cx.pr
    rep = co.team.reps[acct.owner]
    local, usd = acv_cents(cx, deal)
    existing = channel == EXISTING
    logit = (
        params.WIN_INTERCEPT
        + params.WIN_LOG_AMOUNT * (math.log(max(usd, 1.0)) - math.log(params.WIN_AMOUNT_REF_USD))
        + params.WIN_SEGMENT[acct.segment]
        + params.WIN_SKILL * rep.skill
        + (params.WIN_EXISTING if existing else params.WIN_CHANNEL[channel])
        + params.WIN_TIER[deal.tier]
        + pr.gauss(0.0, params.WIN_FIT_SIGMA)
    )
    p = sigmoid(logit)
    won = pr.random() < p
    factor = params.SEGMENT_CYCLE_FACTOR[acct.segment]
    if existing:
        factor *= params.EXISTING_CYCLE_FACTOR
    last_stage = 4 if won else _pick(pr.random(), params.LOSS_LAST_STAGE_P)
    entries = [day]
    d = day
    for s in range(last_stage + 1):
        mean = params.STAGE_MEAN_DAYS[s] * factor
        if not won:
            mean *= params.LOSS_STAGE_FACTOR
            if s == last_stage:
                mean *= params.LOSS_STALL_FACTOR
        d += max(1, round(pr.gammavariate(2.0, mean / 2.0)))
        if s < last_stage:
            entries.append(d)
    close_day = d
    expected = day + round(sum(params.STAGE_MEAN_DAYS) * factor * pr.uniform(0.8, 1.3))

    opp_id = cx.sf_id("006")
    amount = money(local)
    closed = close_day <= cal.end
    hist = co.files[schema.OPP_HISTORY]
    owner = rep.id
    last_change = day
    last_sec = sec
    for s, entry in enumerate(entries):
        if entry > cal.end:
            break
        esec = sec if s == 0 else rint(pr, 28800, 68400)
        estimate = max(expected, entry + 7)
        hist.add(
            [
                cx.sf_id("008"),
                opp_id,
                cal.ts(entry, esec),
                params.STAGES[s],
                amount,
                str(params.STAGE_PROBABILITY[s]),
                cal.day(estimate),
                owner,
            ]
        )
        stage = s
        last_change, last_sec = entry, esec
    if closed:
        csec = rint(pr, 28800, 68400)
        final = "Closed Won" if won else "Closed Lost"
        prob = "100" if won else "0"
        hist.add(
            [
                cx.sf_id("008"),
                opp_id,
                cal.ts(close_day, csec),
                final,
                amount,
                prob,
                cal.day(close_day),
                owner,
            ]
        )
        stage_name, forecast, close_text = final, "Closed" if won else "Omitted", close_day
        last_change, last_sec = close_day, csec
    else:
        stage_name = params.STAGES[stage]
        prob = str(params.STAGE_PROBABILITY[stage])
        forecast = params.STAGE_FORECAST[stage]
        close_text = max(expected, cal.end + rint(pr, 7, 46))
    lead_source = params.EXISTING_CUSTOMER if existing else params.CHANNELS[channel]
    tier = params.TIERS[deal.tier]
    plan = f"{tier} {'Annual' if deal.annual else 'Monthly'}"
    co.files[schema.OPPORTUNITY].add(
        [
            opp_id,
            text(f"{acct.name} - {tier}"),
            acct.id,
            owner,
            "Existing Business" if existing else "New Business",
            lead_source,
            stage_name,
            amount,
            deal.currency,
            prob,
            cal.day(close_text),
            cal.ts(day, sec),
            boolean(closed),
            boolean(closed and won),
            forecast,
            plan,
            cal.ts(last_change, last_sec),
        ]
    )
    co.files[schema.OPP_TRUTH].add(
        [
            opp_id,
            f"{p:.6f}",
            boolean(won),
            cal.day(day),
            cal.day(close_day),
            params.SEGMENTS[acct.segment],
            boolean(closed),
            "Existing Business" if existing else "New Business",
            lead_source,
            plan,
            f"{usd:.2f}",
            owner,
            f"{rep.skill:.4f}",
            f"{logit:.4f}",
            acct.id,
        ]
    )
    return OppResult(opp_id, won, close_day)
