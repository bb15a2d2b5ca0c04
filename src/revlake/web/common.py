"""What every dashboard page module shares: templates, the session principal, the pinned
snapshot, the role check and `render` with the navigation the role may see.

Each page module (`pages`, and one module per product area) defines its own `router`
and its `NAV` entries; `revlake.web.install` collects them in `PAGE_MODULES` order, so
adding a page area never edits another area's module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from revlake.api.deps import ContextDep
from revlake.errors import NoPublishedBuild
from revlake.queries import definitions
from revlake.reader import Build
from revlake.store.keys import InvalidApiKeyError, Principal
from revlake.store.roles import Area, areas_for, can_access
from revlake.web import formatting
from revlake.web.assets import static_url
from revlake.web.figures.base import chart_tables
from revlake.web.figures.render import drawn_as_table, render_chart
from revlake.web.session import COOKIE_NAME, read_token

HERE = Path(__file__).resolve().parent

NavEntry = tuple[str, str, Area]
"""(path, label, area the role must see for the link to show)."""

NAV: list[NavEntry] = []
"""The navigation bar, filled by `revlake.web.install` from every page module's `NAV`."""

NAV_WHEN: dict[str, Callable[[Build], bool]] = {}
"""Links shown only when the tenant's published build passes a check (a page module's
`NAV_WHEN`, e.g. the Sales page only for tenants with order lines); filled by install."""

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["fmt"] = formatting
templates.env.globals["defs"] = definitions
templates.env.globals["static_url"] = static_url
templates.env.globals["chart_tables"] = chart_tables  # each chart's data table (_chart.html)
templates.env.globals["render_chart"] = render_chart  # each chart, drawn here (_chart.html)
templates.env.globals["drawn_as_table"] = drawn_as_table


def web_principal(request: Request, context: ContextDep) -> Principal:
    """The principal of the session cookie; no valid session → redirect to /login."""
    token = request.cookies.get(COOKIE_NAME)
    key_id = read_token(context.session_secret, token) if token else None
    target = quote(request.url.path, safe="/")
    login = HTTPException(status_code=303, headers={"Location": f"/login?next={target}"})
    if key_id is None:
        raise login
    try:
        return context.principal_of_key_id(key_id)
    except InvalidApiKeyError:
        raise login from None


WebPrincipal = Annotated[Principal, Depends(web_principal)]


def page_snapshot(context: ContextDep, principal: WebPrincipal) -> Iterator[Build]:
    """The session tenant's published snapshot, pinned for the request."""
    with context.snapshots.acquire(principal.tenant_id) as snapshot:
        yield snapshot


PageSnapshot = Annotated[Build, Depends(page_snapshot)]


def require(principal: Principal, area: Area) -> None:
    """403 unless the principal's role may see `area`."""
    if not can_access(principal.role, area):
        raise HTTPException(
            status_code=403, detail=f"role {principal.role.value!r} may not see {area.value!r}"
        )


PARTIAL_HEADER = "X-Revlake-Partial"
"""Request header (or `partial=1` query parameter) asking a page for its content only: the
fragment static/inplace.js swaps into <main> instead of reloading the page. The answer
carries the same header, so the script can tell a fragment from a page it was redirected
to (the login form)."""


def wants_partial(request: Request) -> bool:
    """Whether the request asks for the page's content fragment (see `PARTIAL_HEADER`)."""
    return request.headers.get(PARTIAL_HEADER) == "1" or request.query_params.get("partial") == "1"


def render(
    request: Request,
    name: str,
    principal: Principal,
    snapshot: Build | None,
    *,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """Template `name` with the navigation, principal and snapshot every page shows, as a
    `status_code` answer (a paged list past its end answers 404 in the layout).

    Templates that extend `layout` (instead of "base.html") answer a partial request with
    their content block alone (`_partial.html`); the others always answer the whole page.
    """
    allowed = areas_for(principal.role)
    nav = [
        (href, label)
        for href, label, area in NAV
        if area in allowed and (href not in NAV_WHEN or _shown(request, principal, snapshot, href))
    ]
    partial = wants_partial(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "nav": nav,
            "path": request.url.path,
            "principal": principal,
            "snapshot": snapshot,
            "partial": partial,
            "layout": "_partial.html" if partial else "base.html",
            **values,
        },
        status_code=status_code,
    )
    response.headers["Vary"] = PARTIAL_HEADER
    if partial:
        response.headers[PARTIAL_HEADER] = "1"
    return response


def _shown(request: Request, principal: Principal, snapshot: Build | None, href: str) -> bool:
    """Whether the tenant's build passes `NAV_WHEN[href]` (memoised per build); a page
    without a pinned build (data health) looks at the tenant's current one."""
    check = NAV_WHEN[href]
    if snapshot is not None:
        return bool(snapshot.memo(("nav-when", href), lambda: check(snapshot)))
    try:
        with request.app.state.revlake.snapshots.acquire(principal.tenant_id) as current:
            return bool(current.memo(("nav-when", href), lambda: check(current)))
    except NoPublishedBuild:
        return False
