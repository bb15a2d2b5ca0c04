"""Plotly figures of the customer-intelligence pages (churn drivers, cohort projections),
as JSON drawn by figures.render, in the style of `revlake.web.figures`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from revlake.schemas.customer_intel import ChurnDriver, CohortRetentionProjection
from revlake.web.figures.base import COLORWAY, LAYOUT, to_json

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


_LEGEND_BELOW = {"orientation": "h", "y": -0.22, "yanchor": "top"}
"""A legend hung under the x axis title (a phone wraps it into rows; plotly makes room)."""

AGGREGATE_BAND = (10, 90)
"""Percentiles of the cohorts' model S(t) that bound the aggregate chart's band."""


def cohort_key(c: CohortRetentionProjection) -> str:
    """A cohort's label and picker value: its month, with its segment when fits are per segment."""
    return f"{c.cohort_month:%Y-%m}" + (f" {c.segment}" if c.segment else "")


def aggregate_series(
    cohorts: Sequence[CohortRetentionProjection], min_customers: int = 1
) -> dict[str, dict[int, float]]:
    """All cohorts together, per age in months, as fractions of the customers counted:

    - `actual`: pooled observed survival, Σ survivors ÷ Σ sizes of the cohorts observed at
      that age, at the ages where those cohorts hold at least `min_customers` customers
      (the oldest ages, seen by one or two small cohorts, would jump around);
    - `projected`: the size-weighted model, Σ expected survivors ÷ Σ sizes of the cohorts
      projected to that age (each cohort on its own fit, as the query returns it);
    - `low` / `high`: the 10th and 90th percentiles of the cohorts' model S(t) at that age
      (the spread of the fits; equal when every cohort shares one fit).
    """
    seen: dict[int, list[int]] = {}
    expected: dict[int, list[float]] = {}
    curves: dict[int, list[float]] = {}
    for c in cohorts:
        for p in c.points:
            if p.observed_survivors is not None:
                cell = seen.setdefault(p.age_months, [0, 0])
                cell[0] += p.observed_survivors
                cell[1] += c.customers
            total = expected.setdefault(p.age_months, [0.0, 0.0])
            total[0] += p.expected_survivors
            total[1] += c.customers
            curves.setdefault(p.age_months, []).append(p.expected_survival)
    low, high = AGGREGATE_BAND
    return {
        "actual": {a: n / d for a, (n, d) in sorted(seen.items()) if d and d >= min_customers},
        "projected": {a: n / d for a, (n, d) in sorted(expected.items()) if d},
        "low": {a: float(np.percentile(v, low)) for a, v in sorted(curves.items())},
        "high": {a: float(np.percentile(v, high)) for a, v in sorted(curves.items())},
    }


def _percent(values: Sequence[float]) -> list[float]:
    return [round(100 * v, 1) for v in values]


def aggregate_projection(
    cohorts: Sequence[CohortRetentionProjection], min_customers: int = 1
) -> str:
    """One chart for all cohorts: actual survival (solid), the model's projection (dashed)
    and the band the cohorts' fits span (shaded), from `aggregate_series`."""
    series = aggregate_series(cohorts, min_customers)
    band_ages = list(series["low"])
    traces = [
        go.Scatter(
            x=band_ages,
            y=_percent(list(series["low"].values())),
            mode="lines",
            line={"width": 0},
            name="Cohort fits, 10th percentile",
            showlegend=False,
            hoverinfo="skip",
        ),
        go.Scatter(
            x=band_ages,
            y=_percent(list(series["high"].values())),
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor="rgba(37, 99, 235, 0.15)",
            name="Cohort fits, 10th–90th percentile",
            hoverinfo="skip",
        ),
        go.Scatter(
            x=list(series["projected"]),
            y=_percent(list(series["projected"].values())),
            mode="lines",
            line={"color": COLORWAY[0], "width": 2, "dash": "dash"},
            name="Projected (model)",
            hovertemplate="month %{x}: %{y:.1f}% projected<extra></extra>",
        ),
        go.Scatter(
            x=list(series["actual"]),
            y=_percent(list(series["actual"].values())),
            mode="lines+markers",
            line={"color": "#111827", "width": 2},
            marker={"size": 4},
            name="Actual",
            hovertemplate="month %{x}: %{y:.1f}% still paying<extra></extra>",
        ),
    ]
    fig = go.Figure(traces)
    layout: dict[str, Any] = dict(LAYOUT)
    layout["height"] = 380
    layout["legend"] = _LEGEND_BELOW
    fig.update_layout(
        **layout,
        xaxis={"title": "months since first payment"},
        yaxis={"title": "customers still paying (%)", "range": [0, 105], "ticksuffix": "%"},
    )
    return to_json(fig)


def chosen_cohorts(cohorts: Sequence[CohortRetentionProjection]) -> str:
    """A few cohorts, one colour each: observed survival (solid) and, from the last complete
    age on, the projection given the survivors then (the query's conditional survivors ÷
    cohort size, dashed), so each line continues where its data stop. One legend entry per
    cohort; meant for at most a handful (`_PALETTE` has ten colours)."""
    traces: list[go.Scatter] = []
    for i, c in enumerate(cohorts):
        colour = _PALETTE[i % len(_PALETTE)]
        name = cohort_key(c)
        seen = [p for p in c.points if p.observed_survival is not None]
        traces.append(
            go.Scatter(
                x=[p.age_months for p in seen],
                y=_percent([p.observed_survival or 0.0 for p in seen]),
                mode="lines",
                line={"color": colour, "width": 2},
                name=f"{name} ({c.customers:,} customers)",
                legendgroup=name,
                hovertemplate=f"{name}, month %{{x}}: %{{y:.1f}}% observed<extra></extra>",
            )
        )
        ahead = [p for p in c.points if p.conditional_survivors is not None]
        traces.append(
            go.Scatter(
                x=[c.last_age_months] + [p.age_months for p in ahead],
                y=_percent(
                    [c.survivors / c.customers]
                    + [(p.conditional_survivors or 0.0) / c.customers for p in ahead]
                ),
                mode="lines",
                line={"color": colour, "width": 2, "dash": "dash"},
                name=f"{name} projected",
                legendgroup=name,
                showlegend=False,
                hovertemplate=f"{name}, month %{{x}}: %{{y:.1f}}% projected<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    layout: dict[str, Any] = dict(LAYOUT)
    layout["height"] = 380
    layout["legend"] = _LEGEND_BELOW
    fig.update_layout(
        **layout,
        xaxis={"title": "months since first payment"},
        yaxis={"title": "customers still paying (%)", "range": [0, 105], "ticksuffix": "%"},
    )
    return to_json(fig)
