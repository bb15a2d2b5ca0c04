"""Figures of the Sales page: revenue and profit by month, revenue and profit by country."""

from __future__ import annotations

import plotly.graph_objects as go

from revlake.schemas.sales import SalesGroup, SalesMonth
from revlake.web.figures.base import LAYOUT, to_json


def monthly(months: list[SalesMonth], currency: str, basis_label: str) -> str:
    """Revenue (bars) and profit (line) per order month, both in `currency`."""
    x = [m.month.isoformat() for m in months]
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                y=[float(m.revenue) for m in months],
                name="Revenue",
                hovertemplate=f"%{{x|%b %Y}}<br>revenue %{{y:,.0f}} {currency}<extra></extra>",
            ),
            go.Scatter(
                x=x,
                y=[float(m.profit) for m in months],
                name=f"Profit ({basis_label})",
                mode="lines+markers",
                hovertemplate=f"%{{x|%b %Y}}<br>profit %{{y:,.0f}} {currency}<extra></extra>",
            ),
        ]
    )
    fig.update_layout(**LAYOUT, yaxis={"title": f"{currency} per month", "rangemode": "tozero"})
    return to_json(fig)


def by_country(groups: list[SalesGroup], currency: str) -> str:
    """Revenue and profit per country, largest first, as horizontal bars."""
    ordered = list(reversed(groups))
    names = [g.name for g in ordered]
    fig = go.Figure(
        [
            go.Bar(y=names, x=[float(g.revenue) for g in ordered], name="Revenue",
                   orientation="h"),
            go.Bar(y=names, x=[float(g.profit) for g in ordered], name="Profit",
                   orientation="h"),
        ]
    )  # fmt: skip
    fig.update_layout(**LAYOUT, barmode="group", xaxis={"title": f"{currency}"})
    return to_json(fig)
