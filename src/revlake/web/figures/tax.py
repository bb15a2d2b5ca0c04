"""Plotly figures of the tax page, drawn by figures.render (once per snapshot and filter)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go

from revlake.schemas.tax import TaxReportRow
from revlake.web.figures.base import LAYOUT, to_json


def tax_by_period(rows: Sequence[TaxReportRow], currency: str) -> str:
    """Stacked bars: tax charged per month, one trace per jurisdiction (reporting currency).

    Jurisdictions that charged no tax in the range are left out (their lines are exports
    or reverse-charged and appear in the tables instead).
    """
    months = sorted({r.period for r in rows})
    by_jurisdiction: dict[str, dict[object, Decimal]] = defaultdict(dict)
    for r in rows:
        cell = by_jurisdiction[r.jurisdiction]
        cell[r.period] = cell.get(r.period, Decimal(0)) + r.tax_charged_rc
    traces = [
        go.Bar(
            x=[m.isoformat() for m in months],
            y=[float(cells.get(m, Decimal(0))) for m in months],
            name=jurisdiction,
        )
        for jurisdiction, cells in sorted(by_jurisdiction.items())
        if any(cells.values())
    ]
    fig = go.Figure(traces)
    fig.update_layout(**LAYOUT, barmode="stack", yaxis={"title": f"Tax charged ({currency})"})
    return to_json(fig)
