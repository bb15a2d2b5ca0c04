"""Plotly figures of the dashboard, one module per area (`base`: what they share)."""
