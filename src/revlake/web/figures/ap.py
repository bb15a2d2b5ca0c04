"""Plotly figures of the payables pages, drawn by figures.render (built once per snapshot)."""

from __future__ import annotations

import plotly.graph_objects as go

from revlake.schemas.ap import ApAging
from revlake.web.figures.base import LAYOUT, to_json

_BUCKET_COLOURS = ("#4c9f70", "#f2c14e", "#f78154", "#d1495b", "#8f2d56", "#4a1942")


def ap_aging_bars(aging: ApAging) -> str:
    """Bars: open vendor balances per aging bucket on the as-of date."""
    fig = go.Figure(
        [
            go.Bar(
                x=[b.bucket for b in aging.buckets],
                y=[float(b.amount) for b in aging.buckets],
                marker={"color": list(_BUCKET_COLOURS)},
                text=[str(b.bills) for b in aging.buckets],
                hovertemplate="%{x}: %{y:,.2f} (%{text} bills)<extra></extra>",
            )
        ]
    )
    fig.update_layout(
        **LAYOUT,
        xaxis={"title": "Days past due"},
        yaxis={"title": f"Open balance ({aging.currency})"},
    )
    return to_json(fig)
