"""Plotly figures of the receivables pages, drawn by figures.render (once per snapshot)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from revlake.finance.receivables import AGING_BUCKETS
from revlake.web.figures.base import LAYOUT, to_json

BUCKET_COLUMNS: tuple[str, ...] = (
    "ar_current_rc",
    "ar_1_30_rc",
    "ar_31_60_rc",
    "ar_61_90_rc",
    "ar_91_120_rc",
    "ar_120_plus_rc",
)
_BUCKET_COLOURS = ("#4c9f70", "#f2c14e", "#f78154", "#d1495b", "#8f2d56", "#4a1942")


def aging_stacked_bars(months: Sequence[dict[str, Any]], currency: str) -> str:
    """Stacked bars: receivables at each month end by aging bucket (reporting currency)."""
    x = [m["month_end_date"].isoformat() for m in months]
    fig = go.Figure(
        [
            go.Bar(
                name=bucket if bucket != "current" else "current (not due)",
                x=x,
                y=[float(m[column]) for m in months],
                marker={"color": colour},
                hovertemplate=f"%{{x}} {bucket}: %{{y:,.2f}}<extra></extra>",
            )
            for bucket, column, colour in zip(
                AGING_BUCKETS, BUCKET_COLUMNS, _BUCKET_COLOURS, strict=True
            )
        ]
    )
    fig.update_layout(
        **LAYOUT,
        barmode="stack",
        yaxis={"title": f"Receivables ({currency})"},
    )
    return to_json(fig)


def dso_line(months: Sequence[dict[str, Any]]) -> str:
    """Line: DSO per month (receivables ÷ billed × days in the month)."""
    shown = [m for m in months if m["dso_days_rc"] is not None]
    fig = go.Figure(
        [
            go.Scatter(
                x=[m["month_end_date"].isoformat() for m in shown],
                y=[float(m["dso_days_rc"]) for m in shown],
                mode="lines+markers",
                name="DSO",
                hovertemplate="%{x}: %{y:.1f} days<extra></extra>",
            )
        ]
    )
    fig.update_layout(**LAYOUT, yaxis={"title": "Days sales outstanding"})
    return to_json(fig)
