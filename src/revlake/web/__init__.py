"""The web dashboard: server-rendered Jinja2 pages with Plotly charts.

Tables are plain HTML (readable without JavaScript); charts are Plotly figures rendered
by plotly.js served from the installed `plotly` package (no CDN). Pages read the same
gold readers as the API (`revlake.api.data`), so both always show the same numbers.

Pages live in one module per product area, each with a `router` and its `NAV` entries;
`PAGE_MODULES` lists them in navigation order.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

PAGE_MODULES: tuple[str, ...] = ("revlake.web.pages",)
"""Page modules, in the order their links appear in the navigation bar."""


def install(app: FastAPI) -> None:
    """Add every page module's routes, the navigation and the static files to `app`."""
    from revlake.web import common, pages

    nav: list[common.NavEntry] = []
    for name in PAGE_MODULES:
        module = importlib.import_module(name)
        app.include_router(module.router)
        nav.extend(module.NAV)
    common.NAV[:] = nav
    pages.mount_static(app)
