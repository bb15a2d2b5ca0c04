"""Plotly figures of the customer-intelligence pages (churn drivers, cohort projections),
as JSON for plotly.js, in the style of `revlake.web.figures`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from revlake.schemas.customer_intel import ChurnDriver, CohortRetentionProjection
from revlake.web.figures.base import LAYOUT, to_json

_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def churn_drivers(drivers: Sequence[ChurnDriver]) -> str:
    """Horizontal bars: each driver's contribution to the churn log-odds, largest on top."""
    ordered = list(reversed(drivers))  # plotly draws the first bar at the bottom
    points = [d.points or 0.0 for d in ordered]
    fig = go.Figure(
        go.Bar(
            x=points,
            y=[d.sentence for d in ordered],
            orientation="h",
            marker={"color": ["#c0392b" if p > 0 else "#2e86c1" for p in points]},
            hovertemplate="%{y}<br>%{x:+.2f} log-odds<extra></extra>",
        )
    )
    layout: dict[str, Any] = dict(LAYOUT)
    layout["height"] = 120 + 40 * max(1, len(ordered))
    layout["margin"] = {"l": 260, "r": 10, "t": 20, "b": 40}
    fig.update_layout(
        **layout,
        xaxis={"title": "contribution to churn risk (log-odds; + = riskier)", "zeroline": True},
        showlegend=False,
    )
    return to_json(fig)


def cohort_projections(cohorts: Sequence[CohortRetentionProjection]) -> str:
    """A fan of cohorts: observed survival (solid) and the sBG projection (dashed).

    One colour per fit group; the dashed part runs from the last complete age to the end
    of the projection, so each cohort's line continues where its data stop.
    """
    groups: dict[str, str] = {}
    traces: list[go.Scatter] = []
    for c in cohorts:
        colour = groups.setdefault(c.group, _PALETTE[len(groups) % len(_PALETTE)])
        name = f"{c.cohort_month:%Y-%m}" + (f" {c.segment}" if c.segment else "")
        seen = [p for p in c.points if p.observed_survival is not None]
        ahead = [p for p in c.points if p.age_months >= c.last_age_months]
        traces.append(
            go.Scatter(
                x=[p.age_months for p in seen],
                y=[round(100 * (p.observed_survival or 0.0), 2) for p in seen],
                mode="lines",
                line={"color": colour, "width": 1},
                name=name,
                legendgroup=c.group,
                showlegend=False,
                hovertemplate=f"{name} (n={c.customers}), month %{{x}}: %{{y}}% observed"
                "<extra></extra>",
            )
        )
        last = c.points[c.last_age_months]
        scale = (last.observed_survival or 0.0) / last.expected_survival
        traces.append(
            go.Scatter(
                x=[p.age_months for p in ahead],
                y=[round(100 * p.expected_survival * scale, 2) for p in ahead],
                mode="lines",
                line={"color": colour, "width": 1, "dash": "dash"},
                name=name,
                legendgroup=c.group,
                showlegend=False,
                hovertemplate=f"{name}, month %{{x}}: %{{y}}% projected<extra></extra>",
            )
        )
    for label, colour in groups.items():  # one legend entry per fit group
        traces.append(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": colour},
                name=f"fit: {label}",
                legendgroup=label,
            )
        )
    fig = go.Figure(traces)
    layout: dict[str, Any] = dict(LAYOUT)
    layout["height"] = 420
    fig.update_layout(
        **layout,
        xaxis={"title": "months since first payment"},
        yaxis={"title": "customers still paying (% of cohort)", "range": [0, 105]},
    )
    return to_json(fig)


def group_curves(cohorts: Sequence[CohortRetentionProjection]) -> str:
    """Per fit group: the pooled observed survival (Σ survivors ÷ Σ sizes of the cohorts
    observed at each age) against the model S(t)."""
    pooled: dict[str, dict[int, list[int]]] = {}
    model: dict[str, dict[int, float]] = {}
    for c in cohorts:
        ages = pooled.setdefault(c.group, {})
        for p in c.points:
            model.setdefault(c.group, {})[p.age_months] = p.expected_survival
            if p.observed_survivors is not None:
                cell = ages.setdefault(p.age_months, [0, 0])
                cell[0] += p.observed_survivors
                cell[1] += c.customers
    traces: list[go.Scatter] = []
    for i, (label, ages) in enumerate(pooled.items()):
        colour = _PALETTE[i % len(_PALETTE)]
        x = sorted(ages)
        traces.append(
            go.Scatter(
                x=x,
                y=[round(100 * ages[a][0] / ages[a][1], 2) for a in x],
                mode="markers",
                marker={"color": colour, "size": 5},
                name=f"{label}: observed",
            )
        )
        curve = model[label]
        mx = sorted(curve)
        traces.append(
            go.Scatter(
                x=mx,
                y=[round(100 * curve[a], 2) for a in mx],
                mode="lines",
                line={"color": colour},
                name=f"{label}: sBG",
            )
        )
    fig = go.Figure(traces)
    fig.update_layout(
        **LAYOUT,
        xaxis={"title": "months since first payment"},
        yaxis={"title": "survival S(t), %", "range": [0, 105]},
    )
    return to_json(fig)
