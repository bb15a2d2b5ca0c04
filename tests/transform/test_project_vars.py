"""Workspace settings reach the dbt models as vars."""

from __future__ import annotations

from revlake.config import settings_from_mapping
from revlake.transform.project import PROJECT_DIR, dbt_vars


def test_settings_become_dbt_vars() -> None:
    settings = settings_from_mapping(
        {
            "workspace": {
                "reporting_currency": "eur",
                "churn_timing": "cancellation",
                "fiscal_year_start_month": 4,
            }
        },
        environ={},
    )
    assert dbt_vars(settings) == {
        "reporting_currency": "EUR",
        "churn_timing": "cancellation",
        "fiscal_year_start_month": 4,
        "include_trials": False,
        "include_metered": False,
    }


def test_overrides_win() -> None:
    settings = settings_from_mapping({}, environ={})
    assert dbt_vars(settings, include_trials=True)["include_trials"] is True


def test_project_ships_with_the_package() -> None:
    assert (PROJECT_DIR / "dbt_project.yml").is_file()
    assert (PROJECT_DIR / "macros" / "bronze_table.sql").is_file()
