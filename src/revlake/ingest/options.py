"""The settings one ingest run works with, read once from the workspace and the tenant."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from revlake.workspace import Workspace


@dataclass(frozen=True)
class IngestOptions:
    """Landing hygiene, resource limits and how ambiguous values are resolved."""

    settle_s: float = 3.0
    max_new_columns: int = 100
    max_columns: int = 10_000
    max_cells: int = 20_000_000
    max_cells_per_kib: int = 2_000
    date_order: str | None = None
    date_order_source: str = ""
    decimal_separator: str | None = None
    decimal_separator_source: str = ""
    date_min: dt.date = dt.date(1900, 1, 1)
    date_max: dt.date = dt.date(2046, 12, 31)

    @classmethod
    def for_tenant(
        cls, workspace: Workspace, tenant_id: str, *, settle_s: float | None = None
    ) -> IngestOptions:
        """The options in effect for a tenant: its own settings, then the workspace's."""
        settings = workspace.settings.workspace
        tenant = workspace.settings.tenant(tenant_id)
        date_order, date_source = None, ""
        if tenant.date_order is not None:
            date_order, date_source = tenant.date_order.value, f"tenant {tenant_id!r}"
        elif settings.date_order is not None:
            date_order, date_source = settings.date_order.value, "workspace"
        decimal, decimal_source = None, ""
        if tenant.decimal_separator is not None:
            decimal, decimal_source = tenant.decimal_separator.value, f"tenant {tenant_id!r}"
        elif settings.decimal_separator is not None:
            decimal, decimal_source = settings.decimal_separator.value, "workspace"
        return cls(
            settle_s=settings.ingest_settle_seconds if settle_s is None else settle_s,
            max_new_columns=settings.ingest_max_new_columns,
            max_columns=settings.ingest_max_columns,
            max_cells=settings.ingest_max_cells,
            max_cells_per_kib=settings.ingest_max_cells_per_kib,
            date_order=date_order,
            date_order_source=date_source,
            decimal_separator=decimal,
            decimal_separator_source=decimal_source,
            date_max=latest_plausible_date(settings.date_years_ahead),
        )


def latest_plausible_date(years_ahead: int, today: dt.date | None = None) -> dt.date:
    """31 December `years_ahead` years from now: later dates are flagged, never passed on.

    A year end, so the bound (and so every build's flags) changes once a year, not daily.
    """
    today = today or dt.date.today()
    return dt.date(today.year + years_ahead, 12, 31)
