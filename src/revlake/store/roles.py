"""Roles and the areas of the API and dashboard each one may see.

This module is the single place that says who sees what: the API's role dependency and the
dashboard's navigation both read `ROLE_AREAS`, so a persona's access changes here only.
"""

from __future__ import annotations

from enum import StrEnum

from revlake.errors import InputError


class Role(StrEnum):
    """A persona an API key (or user) acts as; every key has exactly one."""

    ADMIN = "admin"
    EXECUTIVE = "executive"
    REVOPS = "revops"
    SALES = "sales"
    MARKETING = "marketing"
    FINANCE = "finance"


class Area(StrEnum):
    """A group of endpoints and pages that is granted as a whole."""

    HEALTH = "health"  # liveness/readiness, snapshot age
    KPIS = "kpis"  # MRR, ARR, NRR, GRR, customers, ARPA, CAC, LTV, payback
    MRR = "mrr"  # MRR movements by month
    CUSTOMERS = "customers"  # customer list, MRR history per customer
    COHORTS = "cohorts"  # retention cohorts
    FUNNEL = "funnel"  # lead → opportunity → won funnel
    CHANNELS = "channels"  # marketing channels: spend, CAC, ROAS
    PIPELINE = "pipeline"  # sales pipeline summary, scores, forecasts
    AR = "ar"  # accounts receivable, ageing, DSO, overdue list, collection notes
    REVENUE_SCHEDULES = "revenue_schedules"  # revenue recognition, contracts, deferred revenue
    AP = "ap"  # accounts payable (vendor bills), bank reconciliation
    TAX = "tax"  # VAT/GST/sales tax reports
    RUNS = "runs"  # pipeline runs, data tests, rejects (data health)
    AUDIT = "audit"  # the audit log and its verification
    ADMIN = "admin"  # tenants, users, API keys


_EVERYTHING = frozenset(Area)
FINANCE_BOOKS = frozenset({Area.AR, Area.REVENUE_SCHEDULES, Area.AP, Area.TAX})
"""The books finance closes with: finance and admin roles only."""

ROLE_AREAS: dict[Role, frozenset[Area]] = {
    Role.ADMIN: _EVERYTHING,
    Role.EXECUTIVE: _EVERYTHING - {Area.ADMIN} - FINANCE_BOOKS,
    Role.REVOPS: frozenset(
        {
            Area.HEALTH,
            Area.KPIS,
            Area.MRR,
            Area.CUSTOMERS,
            Area.COHORTS,
            Area.FUNNEL,
            Area.CHANNELS,
            Area.PIPELINE,
            Area.RUNS,
        }
    ),
    Role.SALES: frozenset({Area.HEALTH, Area.KPIS, Area.CUSTOMERS, Area.FUNNEL, Area.PIPELINE}),
    Role.MARKETING: frozenset({Area.HEALTH, Area.KPIS, Area.FUNNEL, Area.CHANNELS, Area.COHORTS}),
    Role.FINANCE: frozenset(
        {
            Area.HEALTH,
            Area.KPIS,
            Area.MRR,
            Area.CUSTOMERS,
            Area.COHORTS,
            Area.RUNS,
            Area.AUDIT,
        }
    )
    | FINANCE_BOOKS,
}


def parse_role(value: str) -> Role:
    """The role named by `value`, or an InputError listing the roles that exist."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InputError(f"unknown role {value!r}; roles: {allowed}") from None


def can_access(role: Role | str, area: Area) -> bool:
    """Whether a key with `role` may see `area`."""
    return area in ROLE_AREAS[Role(role)]


def areas_for(role: Role | str) -> frozenset[Area]:
    """Every area `role` may see."""
    return ROLE_AREAS[Role(role)]
