"""Plotly figures of the dashboard, as JSON drawn by figures.render (built once per snapshot)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revlake.schemas.common import ChannelRow, CohortCell, FunnelStage, MonthMovements, MrrPoint
from revlake.web.figures.base import LAYOUT, to_json


def mrr_trend(months: Sequence[dict[str, Any]], currency: str) -> str:
    """MRR by month, one line: ARR is 12 × MRR, so a second line on its own axis would lie
    exactly on top of it and hide it; ARR is in the hover and the right axis instead."""
    x = [m["month"].isoformat() for m in months]
    mrr = [float(m["mrr"]) for m in months]
    arr = [float(m["arr"]) for m in months]
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=mrr,
                customdata=arr,
                name="MRR",
                mode="lines",
                hovertemplate=(
                    f"%{{x|%b %Y}}<br>MRR %{{y:,.0f}} {currency}"
                    f"<br>ARR %{{customdata:,.0f}} {currency}<extra></extra>"
                ),
            )
        ]
    )
    top = max(mrr, default=0.0) * 1.05 or 1.0
    fig.update_layout(
        **LAYOUT,
        yaxis={"title": f"MRR ({currency} per month)", "range": [0, top]},
        # the same line read in ARR: the right axis is the left one × 12
        yaxis2={
            "title": f"ARR ({currency} per year)",
            "overlaying": "y",
            "side": "right",
            "range": [0, top * 12],
            "showgrid": False,
        },
        showlegend=False,
    )
    # an invisible trace puts the right axis on the chart
    fig.add_trace(
        go.Scatter(x=x[:1], y=[0.0] * min(len(x), 1), yaxis="y2", mode="markers",
                   marker={"opacity": 0}, hoverinfo="skip", showlegend=False)
    )  # fmt: skip
    return to_json(fig)


def waterfall(row: MonthMovements, start_mrr: Decimal | float, currency: str) -> str:
    labels = ["Start", "New", "Expansion", "Reactivation", "Contraction", "Churn", "FX", "End"]
    amounts = [
        start_mrr,
        row.new,
        row.expansion,
        row.reactivation,
        row.contraction,
        row.churn,
        row.fx_impact,
        row.mrr,
    ]
    values = [float(a) for a in amounts]
    measure = ["absolute"] + ["relative"] * 6 + ["total"]
    fig = go.Figure(
        go.Waterfall(x=labels, y=values, measure=measure, connector={"line": {"width": 1}})
    )
    # zoom the axis on the bridge: from 0 the monthly movements would be invisible slivers
    running = [values[0]]
    for step in values[1:-1]:
        running.append(running[-1] + step)
    running.append(float(row.mrr))
    low, high = min(running), max(running)
    pad = max((high - low) * 0.5, high * 0.01, 1.0)
    fig.update_layout(
        **LAYOUT,
        yaxis={"title": currency, "range": [max(0.0, low - pad), high + pad]},
        showlegend=False,
    )
    return to_json(fig)


def movements_by_month(rows: Sequence[MonthMovements]) -> str:
    x = [r.month.isoformat() for r in rows]
    series = [
        ("New", [r.new for r in rows]),
        ("Expansion", [r.expansion for r in rows]),
        ("Reactivation", [r.reactivation for r in rows]),
        ("Contraction", [r.contraction for r in rows]),
        ("Churn", [r.churn for r in rows]),
        ("FX", [r.fx_impact for r in rows]),
    ]
    fig = go.Figure([go.Bar(x=x, y=y, name=name) for name, y in series])
    fig.add_trace(
        go.Scatter(x=x, y=[r.net_new for r in rows], name="Net new", mode="lines+markers")
    )
    fig.update_layout(**LAYOUT, barmode="relative")
    return to_json(fig)


def funnel(stages: Sequence[FunnelStage]) -> str:
    """The funnel; shares of the first stage only when it has any (a CRM export without
    leads starts at opportunities: a share of 0 leads would read "Infinity%")."""
    has_initial = bool(stages) and stages[0].count > 0
    fig = go.Figure(
        go.Funnel(
            y=[s.stage for s in stages],
            x=[s.count for s in stages],
            textinfo="value+percent initial" if has_initial else "value",
        )
    )
    fig.update_layout(**LAYOUT)
    return to_json(fig)


def channels(rows: Sequence[ChannelRow], currency: str) -> str:
    names = [r.channel_name for r in rows]
    fig = go.Figure(
        [
            go.Bar(x=names, y=[r.cac for r in rows], name=f"CAC ({currency})"),
            go.Scatter(
                x=names,
                y=[r.roas for r in rows],
                name="ROAS",
                mode="markers",
                yaxis="y2",
                marker={"size": 12},
            ),
        ]
    )
    fig.update_layout(
        **LAYOUT,
        yaxis={"title": f"CAC ({currency})"},
        yaxis2={"title": "ROAS", "overlaying": "y", "side": "right"},
    )
    return to_json(fig)


def cohort_heatmap(cells: Sequence[CohortCell], metric: str) -> str:
    cohorts = sorted({c.cohort_month for c in cells})
    ages = sorted({c.age_months for c in cells})
    index = {(c.cohort_month, c.age_months): c for c in cells}
    z: list[list[float | None]] = []
    for cohort in cohorts:
        line: list[float | None] = []
        for age in ages:
            cell = index.get((cohort, age))
            value = None if cell is None else getattr(cell, metric)
            line.append(None if value is None else round(value * 100, 1))
        z.append(line)
    # the colours span the values shown, from the lowest (rounded down to ten) up: from 0
    # the 50–100% a retention table holds would all be one shade
    shown = [v for row in z for v in row if v is not None]
    floor = math.floor(min(shown, default=0.0) / 10) * 10
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=ages,
            y=[c.strftime("%Y-%m") for c in cohorts],
            colorscale="Blues",
            zmin=max(floor, 0),
            zmax=100 if metric == "logo_retention" else None,
            colorbar={"title": "%"},
            hovertemplate="cohort %{y}, month %{x}: %{z}%<extra></extra>",
        )
    )
    layout = dict(LAYOUT)
    layout["height"] = max(320, 16 * len(cohorts) + 80)
    fig.update_layout(**layout, xaxis={"title": "months since first payment"})
    fig.update_yaxes(autorange="reversed")
    return to_json(fig)


def customer_mrr(points: Sequence[MrrPoint], currency: str) -> str:
    fig = go.Figure(
        go.Bar(x=[p.month.isoformat() for p in points], y=[p.mrr_rc for p in points], name="MRR")
    )
    fig.update_layout(**LAYOUT, yaxis={"title": f"MRR ({currency})"}, showlegend=False)
    return to_json(fig)
