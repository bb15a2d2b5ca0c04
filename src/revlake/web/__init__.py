"""The web dashboard: server-rendered Jinja2 pages with charts drawn on the server.

Tables are plain HTML (readable without JavaScript); charts are plotly figures (built with
the Python `plotly` package) drawn into HTML and SVG by `figures.render`, with no
JavaScript and nothing loaded from elsewhere. Pages read the same
gold readers as the API (`revlake.queries`), so both always show the same numbers.

Pages live in one module per resource (`pages/<area>.py`), each with a `router` and its
`NAV` entries; `PAGE_MODULES` lists them in navigation order. All pages under one path
prefix live in one module, which declares its literal paths before its parametric ones.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

PAGE_MODULES: tuple[str, ...] = (
    "revlake.web.pages.core",
    "revlake.web.pages.retention",
    "revlake.web.pages.customers",
    "revlake.web.pages.deals",
    "revlake.web.pages.alerts",
    "revlake.web.pages.cfo",
    "revlake.web.pages.sales",
    "revlake.web.pages.revrec",
    "revlake.web.pages.ar",
    "revlake.web.pages.ap",
    "revlake.web.pages.tax",
)
"""Page modules, in the order their links appear in the navigation bar."""


def install(app: FastAPI) -> None:
    """Add every page module's routes, the navigation and the static files to `app`."""
    from revlake.web import common
    from revlake.web.pages import core as pages

    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
    nav: list[common.NavEntry] = []
    for name in PAGE_MODULES:
        module = importlib.import_module(name)
        nav.extend(module.NAV)
        common.NAV_WHEN.update(getattr(module, "NAV_WHEN", {}))
    common.NAV[:] = nav
    pages.mount_static(app)
