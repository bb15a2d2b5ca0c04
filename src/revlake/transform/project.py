"""Where the shipped dbt project lives and which dbt vars a workspace's settings give it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from revlake.config import Settings

PROJECT_DIR = Path(__file__).resolve().parent / "dbt_project"
GOLD_SCHEMA = "gold"
SILVER_SCHEMA = "silver"


def dbt_vars(settings: Settings, **overrides: Any) -> dict[str, Any]:
    """The dbt vars that carry the workspace settings into the models.

    `include_trials` and `include_metered` are not workspace settings yet; they default to
    False (trials are not customers; metered usage is excluded from MRR, as in Stripe).
    `overrides` lets callers (tests, `revlake build --var`) set any other var.
    """
    ws = settings.workspace
    values: dict[str, Any] = {
        "reporting_currency": ws.reporting_currency,
        "churn_timing": ws.churn_timing.value,
        "fiscal_year_start_month": ws.fiscal_year_start_month,
        "include_trials": False,
        "include_metered": False,
    }
    values.update(overrides)
    return values
