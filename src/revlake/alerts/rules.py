"""What each alert rule finds in a published build.

Every figure comes from the query layer the API and pages use (`queries.deals.deals` for
scored open deals and their `risk_category`, `queries.customer_intel.at_risk` for churn
probability and MRR at risk), so an alert never disagrees with the deal list or the
at-risk page; nothing is scored here.

A finding is a *state* (the deal is in a risk category, the customer is above the
threshold, MRR at risk is above the amount): it is raised once and cleared when a later
publish no longer shows it. A close-date slip is an *event*: raised once per slip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from revlake.alert_settings import (
    AnyRule,
    ChurnRiskRule,
    CloseDateSlipRule,
    DealRiskRule,
    MrrAtRiskRule,
)
from revlake.errors import ConfigError, NotFound
from revlake.queries import customer_intel, deals
from revlake.queries.params import PageParams
from revlake.reader import Build
from revlake.schemas.customer_intel import AtRiskRow
from revlake.schemas.deals import RISK_CATEGORIES, DealRow

PAGE = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """One alert a rule raises on a build (before the log decides whether it is new)."""

    rule_id: str
    kind: str
    subject_type: str  # deal, customer or tenant
    subject_id: str
    subject_name: str
    condition: str  # with the subject, what makes the alert unique
    message: str
    details: dict[str, Any]
    event: bool = False  # a one-off event (close-date slip): never cleared


@dataclass
class RuleResult:
    """The findings of one rule, or why it could not be evaluated on this build."""

    rule: AnyRule
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    observations: dict[str, str] | None = None  # close_date_slip: deal id → close date


def _all(fetch: Callable[[PageParams], tuple[list[T], int | None]]) -> Iterator[T]:
    offset: int | None = 0
    while offset is not None:
        items, offset = fetch(PageParams(limit=PAGE, offset=offset))
        yield from items


def open_deals(snapshot: Build, query: deals.DealQuery) -> tuple[list[DealRow], str]:
    """Every scored open deal matching `query` (by id), and the reporting currency."""
    currency: list[str] = []

    def fetch(page: PageParams) -> tuple[list[DealRow], int | None]:
        result = deals.deals(snapshot, query, "id", page)
        currency[:] = [result.currency]
        return result.items, result.next_offset

    rows = list(_all(fetch))
    return rows, (currency[0] if currency else "")


def scored_customers(snapshot: Build, min_probability: float | None) -> tuple[list[AtRiskRow], str]:
    """Every churn-scored customer (with churn probability ≥ `min_probability`)."""
    currency: list[str] = []

    def fetch(page: PageParams) -> tuple[list[AtRiskRow], int | None]:
        result = customer_intel.at_risk(snapshot, (), None, min_probability, page)
        currency[:] = [result.currency]
        return result.items, result.next_offset

    rows = list(_all(fetch))
    return rows, (currency[0] if currency else "")


def money(value: Decimal | float | None, currency: str) -> str:
    return "–" if value is None else f"{currency} {value:,.0f}".strip()


def _deal_label(deal: DealRow) -> str:
    """The deal's name, with its account unless the name already says it."""
    name = deal.name or deal.id
    return f"{name} ({deal.account})" if deal.account and deal.account not in name else name


def _deal_finding(
    rule: DealRiskRule | CloseDateSlipRule,
    deal: DealRow,
    condition: str,
    message: str,
    details: dict[str, Any],
    event: bool = False,
) -> Finding:
    """A finding about one deal (the deal-risk and close-date-slip rules)."""
    return Finding(
        rule_id=rule.id,
        kind=rule.kind,
        subject_type="deal",
        subject_id=deal.id,
        subject_name=_deal_label(deal),
        condition=condition,
        message=message,
        details=details,
        event=event,
    )


def _deal_details(deal: DealRow, currency: str) -> dict[str, Any]:
    return {
        "deal_id": deal.id,
        "deal": deal.name,
        "account": deal.account,
        "rep": deal.rep,
        "stage": deal.stage,
        "amount": deal.amount,
        "currency": currency,
        "win_probability": deal.win_probability,
        "risk_score": deal.risk_score,
        "risk_category": deal.risk_category,
        "at_risk_amount": deal.at_risk_amount,
        "expected_close_date": (
            deal.expected_close_date.isoformat() if deal.expected_close_date else None
        ),
        "top_driver": deal.top_driver,
    }


def check_categories(rule: DealRiskRule, tenant: str) -> tuple[str, ...]:
    """The rule's categories, each one a category the deal scores use."""
    unknown = [c for c in rule.categories if c not in RISK_CATEGORIES]
    if unknown:
        raise ConfigError(
            f"revlake.toml: tenant {tenant!r}, alert rule {rule.id!r}, key 'categories': "
            f"unknown {', '.join(map(repr, unknown))}; categories: {', '.join(RISK_CATEGORIES)}"
        )
    return tuple(sorted(set(rule.categories), key=RISK_CATEGORIES.index))


def deal_risk(snapshot: Build, rule: DealRiskRule, tenant: str) -> RuleResult:
    categories = check_categories(rule, tenant)
    rows, currency = open_deals(snapshot, deals.DealQuery(risk_category=categories))
    result = RuleResult(rule)
    condition = "risk category " + " or ".join(categories)
    for deal in rows:
        if rule.min_amount is not None and (deal.amount or 0.0) < rule.min_amount:
            continue
        result.findings.append(
            _deal_finding(
                rule,
                deal,
                condition,
                f"Deal {_deal_label(deal)} is {deal.risk_category} risk: win probability "
                f"{deal.win_probability:.0%}, {money(deal.at_risk_amount, currency)} at risk"
                + (f". Top driver: {deal.top_driver}" if deal.top_driver else ""),
                _deal_details(deal, currency),
            )
        )
    return result


def close_date_slip(
    snapshot: Build, rule: CloseDateSlipRule, previous: Mapping[str, str]
) -> RuleResult:
    """Open deals whose CRM close date is later than at the previous evaluation.

    The first evaluation only records the close dates (there is nothing to compare with).
    """
    rows, currency = open_deals(snapshot, deals.DealQuery())
    result = RuleResult(rule, observations={})
    assert result.observations is not None
    for deal in rows:
        seen = previous.get(deal.id)
        new = deal.expected_close_date
        if new is None:
            if seen is not None:
                result.observations[deal.id] = seen
            continue
        result.observations[deal.id] = new.isoformat()
        if seen is None:
            continue
        days = (new - date.fromisoformat(seen)).days
        if days < rule.min_days:
            continue
        if rule.min_amount is not None and (deal.amount or 0.0) < rule.min_amount:
            continue
        result.findings.append(
            _deal_finding(
                rule,
                deal,
                f"close date {seen} → {new.isoformat()}",
                f"Deal {_deal_label(deal)} close date slipped {days} day"
                f"{'s' if days != 1 else ''}: {seen} → {new.isoformat()} "
                f"({money(deal.amount, currency)}, {deal.stage or 'stage unknown'})",
                {
                    **_deal_details(deal, currency),
                    "previous_close_date": seen,
                    "slipped_days": days,
                },
                event=True,
            )
        )
    return result


def churn_risk(snapshot: Build, rule: ChurnRiskRule) -> RuleResult:
    rows, currency = scored_customers(snapshot, rule.threshold)
    result = RuleResult(rule)
    for c in rows:
        if rule.min_mrr is not None and c.mrr < rule.min_mrr:
            continue
        result.findings.append(
            Finding(
                rule_id=rule.id,
                kind=rule.kind,
                subject_type="customer",
                subject_id=c.customer_id,
                subject_name=c.name,
                condition=f"churn probability ≥ {rule.threshold:.0%}",
                message=(
                    f"Customer {c.name} churn probability {c.churn_probability:.0%} "
                    f"(threshold {rule.threshold:.0%}): MRR {money(c.mrr, currency)}, "
                    f"{money(c.mrr_at_risk, currency)} at risk. Suggested action: {c.intervention}"
                ),
                details={
                    "customer_id": c.customer_id,
                    "customer": c.name,
                    "segment": c.segment,
                    "churn_probability": c.churn_probability,
                    "risk_level": c.risk_level,
                    "mrr": c.mrr,
                    "mrr_at_risk": c.mrr_at_risk,
                    "currency": currency,
                    "top_driver": c.top_driver,
                },
            )
        )
    return result


def mrr_at_risk(snapshot: Build, rule: MrrAtRiskRule, tenant: str) -> RuleResult:
    rows, currency = scored_customers(snapshot, None)
    total = sum((c.mrr_at_risk for c in rows), Decimal(0))
    result = RuleResult(rule)
    if total > rule.amount:
        top = sorted(rows, key=lambda c: -c.mrr_at_risk)[:5]
        result.findings.append(
            Finding(
                rule_id=rule.id,
                kind=rule.kind,
                subject_type="tenant",
                subject_id=tenant,
                subject_name=tenant,
                condition=f"MRR at risk > {rule.amount:g}",
                message=(
                    f"MRR at risk is {money(total, currency)}, above "
                    f"{money(rule.amount, currency)} ({len(rows)} scored customers; "
                    f"largest: {', '.join(c.name for c in top)})"
                ),
                details={
                    "mrr_at_risk": total,
                    "amount": rule.amount,
                    "currency": currency,
                    "customers_scored": len(rows),
                    "largest": [
                        {
                            "customer_id": c.customer_id,
                            "customer": c.name,
                            "mrr_at_risk": c.mrr_at_risk,
                        }
                        for c in top
                    ],
                },
            )
        )
    return result


def evaluate_rule(
    snapshot: Build, rule: AnyRule, tenant: str, previous: Mapping[str, str]
) -> RuleResult:
    """The rule's findings on `snapshot`; a build without the scores it reads is a skip
    (saying which command makes them), never an empty result that would clear alerts."""
    try:
        if isinstance(rule, DealRiskRule):
            return deal_risk(snapshot, rule, tenant)
        if isinstance(rule, CloseDateSlipRule):
            return close_date_slip(snapshot, rule, previous)
        if isinstance(rule, ChurnRiskRule):
            return churn_risk(snapshot, rule)
        return mrr_at_risk(snapshot, rule, tenant)
    except NotFound as exc:  # MissingTable: the build has no deal or churn scores
        return RuleResult(rule, skipped=str(exc))
