"""The web dashboard: server-rendered Jinja2 pages with Plotly charts.

Tables are plain HTML (readable without JavaScript); charts are Plotly figures rendered
by plotly.js served from the installed `plotly` package (no CDN). Pages read the same
gold readers as the API (`revlake.queries`), so both always show the same numbers.

Pages live in one module per product area, each with a `router` and its `NAV` entries;
`PAGE_MODULES` lists them in navigation order; `ROUTES_FIRST` names those whose literal
paths must be matched before another module's parametric ones.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

PAGE_MODULES: tuple[str, ...] = (
    "revlake.web.pages.core",
    "revlake.web.pages.customer_intel",
    "revlake.web.pages.deals",
    "revlake.web.pages.alerts",
    "revlake.web.pages.revrec",
    "revlake.web.pages.ar",
    "revlake.web.pages.ap",
    "revlake.web.pages.tax",
)
"""Page modules, in the order their links appear in the navigation bar."""

ROUTES_FIRST: tuple[str, ...] = ("revlake.web.pages.customer_intel",)
"""Modules whose routes are matched before the others': `/customers/at-risk` must win over
the core pages' `/customers/{customer_id}` (the first matching route answers)."""


def install(app: FastAPI) -> None:
    """Add every page module's routes, the navigation and the static files to `app`."""
    from revlake.web import common
    from revlake.web.pages import core as pages

    for name in dict.fromkeys((*ROUTES_FIRST, *PAGE_MODULES)):
        app.include_router(importlib.import_module(name).router)
    nav: list[common.NavEntry] = []
    for name in PAGE_MODULES:
        nav.extend(importlib.import_module(name).NAV)
    common.NAV[:] = nav
    pages.mount_static(app)
