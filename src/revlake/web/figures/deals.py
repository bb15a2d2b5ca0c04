"""Plotly figures of the deal, forecast and model pages (drawn by figures.render, built once per
snapshot and parameters by the pages)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go

from revlake.ml.backtest import BacktestRow
from revlake.ml.explain import driver_label, feature_label
from revlake.schemas.deals import DealExplanation, ForecastOut
from revlake.web.figures.base import LAYOUT, to_json

UP, DOWN, BAND, BASELINE = "#047857", "#b91c1c", "rgba(37, 99, 235, 0.18)", "#d97706"
MODEL_LABELS = {
    "model": "win model",
    "model_uncalibrated": "raw (uncalibrated)",
    "stage_rates": "stage-rate baseline",
    "base_rate": "base-rate baseline",
    "oracle": "oracle (true probabilities)",
}


def drivers(explanation: DealExplanation) -> str:
    """Horizontal bars: each driver's points (+ green, − red), strongest on top, plus the
    features not shown when the model's baseline is known."""
    labels = [driver_label(d.feature, d.value) for d in explanation.drivers]
    points = [d.points for d in explanation.drivers]
    if explanation.other_points is not None and abs(explanation.other_points) >= 0.005:
        labels.append("all other features")
        points.append(explanation.other_points)
    fig = go.Figure(
        go.Bar(
            x=points,
            y=labels,
            orientation="h",
            marker={"color": [UP if p >= 0 else DOWN for p in points]},
            text=[f"{p:+.1f}" for p in points],
            textposition="auto",
            hovertemplate="%{y}: %{x:+.1f} points<extra></extra>",
        )
    )
    layout = dict(LAYOUT)
    layout["height"] = max(220, 46 * len(points) + 80)
    fig.update_layout(
        **layout,
        xaxis={"title": "probability points", "zeroline": True, "zerolinecolor": "#9ca3af"},
        showlegend=False,
    )
    fig.update_yaxes(autorange="reversed", automargin=True)
    return to_json(fig)


def close_range(
    as_of: date, expected: date | None, p10: date | None, p50: date | None, p90: date | None
) -> str | None:
    """The close-date range if won: a P10–P90 bar with the P50 and the CRM's close date."""
    if p10 is None or p50 is None or p90 is None:
        return None
    fig = go.Figure(
        [
            go.Scatter(
                x=[p10.isoformat(), p90.isoformat()],
                y=["close date", "close date"],
                mode="lines",
                line={"width": 14, "color": BAND.replace("0.18", "0.45")},
                name="P10–P90",
            ),
            go.Scatter(
                x=[p50.isoformat()],
                y=["close date"],
                mode="markers",
                marker={"size": 14, "color": "#1d4ed8"},
                name="P50",
            ),
        ]
    )
    if expected is not None:
        fig.add_trace(
            go.Scatter(
                x=[expected.isoformat()],
                y=["close date"],
                mode="markers",
                marker={"size": 12, "symbol": "x", "color": BASELINE},
                name="CRM close date",
            )
        )
    layout = dict(LAYOUT)
    layout["height"] = 170
    fig.update_layout(**layout, yaxis={"visible": False})
    fig.add_vline(x=as_of.isoformat(), line={"dash": "dot", "color": "#6b7280"})
    return to_json(fig)


def fan_chart(fc: ForecastOut, *, cumulative: bool = False) -> str:
    """P10–P90 band with the P50 line per period, beside the stage-weighted baseline."""
    x = [p.end.isoformat() for p in fc.periods]
    if cumulative:
        low = [float(p.cumulative_p10) for p in fc.periods]
        mid = [float(p.cumulative_p50) for p in fc.periods]
        high = [float(p.cumulative_p90) for p in fc.periods]
        base: list[float] = []
        running = Decimal(0)
        for p in fc.periods:
            running += p.baseline
            base.append(float(running))
    else:
        low = [float(p.p10) for p in fc.periods]
        mid = [float(p.p50) for p in fc.periods]
        high = [float(p.p90) for p in fc.periods]
        base = [float(p.baseline) for p in fc.periods]

    def hover(name: str) -> str:
        return f"{name}: %{{y:,.0f}} {fc.currency}<extra></extra>"

    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=high,
                mode="lines",
                line={"width": 0},
                name="P90",
                showlegend=False,
                hovertemplate=hover("P90"),
            ),
            go.Scatter(
                x=x,
                y=low,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=BAND,
                name="P10–P90",
                hovertemplate=hover("P10"),
            ),
            go.Scatter(
                x=x,
                y=mid,
                mode="lines+markers",
                name="P50",
                line={"color": "#1d4ed8"},
                hovertemplate=hover("P50"),
            ),
            go.Scatter(
                x=x,
                y=base,
                mode="lines+markers",
                name="stage-weighted baseline",
                line={"color": BASELINE, "dash": "dash"},
                hovertemplate=hover("stage-weighted baseline"),
            ),
        ]
    )
    title = "cumulative won revenue" if cumulative else f"won revenue per {fc.period}"
    fig.update_layout(**LAYOUT, yaxis={"title": f"{title} ({fc.currency})"})
    return to_json(fig)


def metrics_bars(metrics: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """Brier score, log loss and ECE of the model beside its baselines (lower is better)."""
    fig = go.Figure(
        [
            go.Bar(
                name=MODEL_LABELS.get(key, key),
                x=["Brier", "log loss", "ECE"],
                y=[m.get("brier"), m.get("log_loss"), m.get("ece")],
            )
            for key, m in metrics
        ]
    )
    fig.update_layout(**LAYOUT, barmode="group", yaxis={"title": "lower is better"})
    return to_json(fig)


def importance(values: dict[str, float]) -> str:
    """Global importance: mean |TreeSHAP| (logit) per feature, largest on top."""
    ranked = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    names = [feature_label(k) for k, _ in ranked]
    fig = go.Figure(go.Bar(x=[v for _, v in ranked], y=names, orientation="h"))
    layout = dict(LAYOUT)
    layout["height"] = max(260, 24 * len(ranked) + 80)
    fig.update_layout(**layout, xaxis={"title": "mean |contribution| (logit)"}, showlegend=False)
    fig.update_yaxes(autorange="reversed", automargin=True)
    return to_json(fig)


def backtest(lines: Sequence[BacktestRow], currency: str) -> str:
    """Per cut-off: forecast P50 with its P10–P90 range, the actual and the baseline."""
    x = [b.cutoff for b in lines]
    fig = go.Figure(
        [
            go.Scatter(
                x=x,
                y=[b.p50 for b in lines],
                mode="markers",
                name="forecast P50 (P10–P90)",
                marker={"size": 10, "color": "#1d4ed8"},
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": [b.p90 - b.p50 for b in lines],
                    "arrayminus": [b.p50 - b.p10 for b in lines],
                },
            ),
            go.Scatter(
                x=x,
                y=[b.actual for b in lines],
                mode="markers",
                name="actual",
                marker={"size": 10, "symbol": "square", "color": "#111827"},
            ),
            go.Scatter(
                x=x,
                y=[b.baseline for b in lines],
                mode="markers",
                name="stage-weighted baseline",
                marker={"size": 11, "symbol": "x", "color": BASELINE},
            ),
        ]
    )
    fig.update_layout(
        **LAYOUT,
        yaxis={"title": f"won in the next 13 weeks ({currency})"},
        xaxis={"title": "cut-off", "type": "category"},
    )
    return to_json(fig)
