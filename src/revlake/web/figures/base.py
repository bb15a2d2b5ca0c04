"""What every dashboard figure shares: the layout and the JSON plotly.js reads."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "height": 320,
    "template": "plotly_white",
    "legend": {"orientation": "h", "y": -0.2},
    "font": {"size": 12},
}
"""The layout every figure starts from (`fig.update_layout(**LAYOUT, ...)`)."""


def to_json(fig: go.Figure) -> str:
    """The figure as JSON, safe inside `<script type="application/json">`."""
    text = fig.to_json()
    assert isinstance(text, str)
    return text.replace("</", "<\\/")
