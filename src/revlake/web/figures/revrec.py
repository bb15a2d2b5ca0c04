"""Plotly figures of the revenue recognition pages (JSON drawn by figures.render)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from revlake.schemas.revrec import RevrecMonth, ScheduleRowOut
from revlake.web.figures.base import LAYOUT, to_json


def rollforward_chart(months: Sequence[RevrecMonth], currency: str) -> str:
    """Deferred revenue roll-forward of one currency: billed, recognised and contra as bars
    (recognised and contra drawn below zero, as they reduce the balance), opening and
    closing balances as lines."""
    rows = [m for m in months if m.currency == currency]
    x = [m.month for m in rows]
    fig = go.Figure(
        [
            go.Bar(x=x, y=[float(m.billed) for m in rows], name="Billed"),
            go.Bar(x=x, y=[-float(m.recognised) for m in rows], name="Recognised"),
            go.Bar(x=x, y=[-float(m.contra) for m in rows], name="Credits (contra)"),
            go.Scatter(
                x=x,
                y=[float(m.opening) for m in rows],
                name="Opening",
                mode="lines+markers",
                line={"dash": "dot"},
            ),
            go.Scatter(
                x=x, y=[float(m.closing) for m in rows], name="Closing", mode="lines+markers"
            ),
        ]
    )
    fig.update_layout(
        **LAYOUT, barmode="relative", yaxis={"title": f"Deferred revenue ({currency})"}
    )
    return to_json(fig)


def contract_schedule_chart(rows: Sequence[ScheduleRowOut], currency: str) -> str:
    """Revenue recognised per month, stacked by performance obligation."""
    months = sorted({r.month for r in rows})
    obligations: list[str] = []
    for r in rows:
        if r.obligation not in obligations:
            obligations.append(r.obligation)
    cells = {(r.obligation, r.month): r.amount for r in rows}
    fig = go.Figure(
        [
            go.Bar(x=months, y=[float(cells.get((name, m), 0)) for m in months], name=name)
            for name in obligations
        ]
    )
    fig.update_layout(**LAYOUT, barmode="relative", yaxis={"title": f"Recognised ({currency})"})
    return to_json(fig)
