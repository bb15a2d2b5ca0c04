"""The web dashboard: server-rendered Jinja2 pages with Plotly charts.

Tables are plain HTML (readable without JavaScript); charts are Plotly figures rendered
by plotly.js served from the installed `plotly` package (no CDN). Pages read the same
gold readers as the API (`revlake.api.data`), so both always show the same numbers.
"""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Add the dashboard's pages and static files to `app`."""
    from revlake.web import pages

    pages.install(app)
