"""Accessibility of every dashboard page in a real browser (issue 15, WCAG 2.1 AA).

axe-core (installed from the npm registry into .cache/axe by `scripts/ensure_axe.sh`,
part of `make services`) is injected into each page every role may see at 1366 px (and
each page the admin sees at 390 px, a phone), after its charts have rendered; no
violation of impact serious or critical may remain. The pages come from the app's own
routes (`revlake.web.PAGE_MODULES`), so a new page is checked without editing this file;
a page with a path parameter is visited through the first link to it found on the pages
already visited. Without axe-core the test skips, except with CI=true where that is a
failure.

Beside axe: every chart has an accessible name and a data table with its numbers, the
skip link is the first thing the keyboard reaches and focus is visible, and the header
menu stays on one line on a laptop (1366–1440 px) and on a phone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from revlake.web import PAGE_MODULES
from tests.conftest import IN_CI, REPO_ROOT
from tests.e2e.browser import api, charts_rendered, log_in, logged_in_tab
from tests.e2e.test_revrec_pages import CONTRACT
from tests.serving_support import ServedWorkspace

AXE = REPO_ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ROLES = ("admin", "sales", "finance", "marketing")
BLOCKING = {"serious", "critical"}
LAPTOP_WIDTHS = (1366, 1440)
PHONE_WIDTH = 390
WALKS = (*((role, LAPTOP_WIDTHS[0]) for role in ROLES), ("admin", PHONE_WIDTH))
"""(role, viewport width) of each walk over the pages: every role on a laptop, and the
admin, who sees every page, on a phone (where wide tables scroll sideways)."""


@dataclass(frozen=True)
class PageRoute:
    """A GET route of the dashboard that answers with a page."""

    path: str
    regex: re.Pattern[str]

    @property
    def parametric(self) -> bool:
        return "{" in self.path


def page_routes() -> list[PageRoute]:
    """Every page the dashboard serves: the GET routes of its page modules, less static
    files and CSV downloads (import here, not at collection, keeps the module list the
    app's own)."""
    import importlib

    found: list[PageRoute] = []
    for name in PAGE_MODULES:
        for route in importlib.import_module(name).router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            if route.path.startswith("/static/") or route.path.endswith(".csv"):
                continue  # static files and the lists' CSV downloads are not pages
            found.append(PageRoute(route.path, route.path_regex))
    return found


@dataclass
class Audit:
    """What the walk over the pages saw: violations per page, pages per role."""

    violations: list[dict[str, Any]] = field(default_factory=list)
    checked: dict[str, set[str]] = field(default_factory=dict)  # route path → roles
    visited: list[str] = field(default_factory=list)  # "role url"

    def blocking(self) -> list[dict[str, Any]]:
        return [v for v in self.violations if v["impact"] in BLOCKING]


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js as installed by scripts/ensure_axe.sh (session-scoped so that pytest asks
    for it before the session's company build and Chromium: missing, it fails at once)."""
    if not AXE.is_file():
        message = f"{AXE} is missing: run scripts/ensure_axe.sh (make services)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def run_axe(tab: Any, axe_source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page shown in `tab` (every rule axe runs by default:
    WCAG 2.0/2.1 A and AA plus best practices), one entry per rule and element."""
    if not tab.evaluate("() => typeof window.axe === 'object'"):
        tab.add_script_tag(content=axe_source)
    results = tab.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found: list[dict[str, Any]] = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            found.append(
                {
                    "rule": violation["id"],
                    "impact": node.get("impact") or violation.get("impact"),
                    "target": " ".join(str(t) for t in node["target"]),
                    "summary": (node.get("failureSummary") or "").replace("\n", " "),
                }
            )
    return found


def chart_problems(tab: Any) -> list[str]:
    """Charts without an accessible name or without a data table of their numbers."""
    return list(
        tab.evaluate(
            """() => [...document.querySelectorAll('[data-figure]')].flatMap(el => {
                const id = el.getAttribute('data-figure');
                const out = [];
                const chart = el.querySelector('.rl-chart');
                const name = chart ? (chart.getAttribute('aria-label') || '').trim() : '';
                const role = chart ? chart.getAttribute('role') : '';
                const heatTable = role === 'region' && chart.querySelector('table caption');
                if (!chart || !(role === 'img' || heatTable) || !name)
                    out.push(id + ': neither an image nor a captioned table, with a name');
                const box = el.closest('figure');
                const rows = box ? box.querySelectorAll(
                    'table.chart-data tbody tr, .rl-heat table tbody tr').length : 0;
                if (!rows) out.push(id + ': no data table');
                return out;
            })"""
        )
    )


def region_problems(tab: Any) -> list[str]:
    """Keyboard-focusable scrolling boxes (wide tables) without a role and a name: a
    screen reader would announce an unnamed focus stop."""
    return list(
        tab.evaluate(
            """() => [...document.querySelectorAll('.scroll[tabindex]')].flatMap(el => {
                const name = (el.getAttribute('aria-label')
                              || el.getAttribute('aria-labelledby') || '').trim();
                if (el.getAttribute('role') === 'region' && name) return [];
                const table = el.querySelector('table');
                const what = table ? (table.dataset.testid || table.className || 'table') : '?';
                return ['scrolling box of ' + what + ': no role=region with a name'];
            })"""
        )
    )


def audit_role(
    tab: Any, base_url: str, role: str, routes: list[PageRoute], axe_source: str, audit: Audit
) -> None:
    """Visit every page `role` may see (403s are skipped) and run axe on each; a page
    with a path parameter is visited through the first link to it seen on the way."""
    pending = [(r.path, r.path) for r in routes if not r.parametric]  # (url, route path)
    unresolved = [r for r in routes if r.parametric]
    while pending:
        url, route_path = pending.pop(0)
        response = tab.goto(base_url + url)
        assert response is not None
        if response.status == 403:
            continue
        assert response.status == 200, f"{role} {url}: HTTP {response.status}"
        charts_rendered(tab)
        for violation in run_axe(tab, axe_source):
            audit.violations.append({"role": role, "page": url, **violation})
        for problem in chart_problems(tab):
            audit.violations.append(
                {
                    "role": role,
                    "page": url,
                    "rule": "chart-data",
                    "impact": "serious",
                    "target": problem,
                    "summary": "every chart needs an accessible name and a data table",
                }
            )
        for problem in region_problems(tab):
            audit.violations.append(
                {
                    "role": role,
                    "page": url,
                    "rule": "scroll-region-name",
                    "impact": "serious",
                    "target": problem,
                    "summary": "a focusable scrolling box needs role=region and a name",
                }
            )
        audit.checked.setdefault(route_path, set()).add(role)
        audit.visited.append(f"{role} {url}")
        links = tab.eval_on_selector_all("a[href]", "els => els.map(e => new URL(e.href).pathname)")
        for template in list(unresolved):
            match = next((link for link in links if template.regex.fullmatch(link)), None)
            if match is not None:
                unresolved.remove(template)
                pending.append((match, template.path))


@pytest.fixture(scope="module")
def revrec_contract(base_url: str, served: ServedWorkspace) -> None:
    """The revenue-recognition browser tests' bundle contract (added through the API if
    that module has not run yet), so the contract page has a link to reach it by."""
    key = served.key(role="finance")
    listed = api(base_url, key, "/api/v1/revrec/contracts")["items"]
    if not any(c["reference"] == CONTRACT["reference"] for c in listed):
        response = httpx.post(
            base_url + "/api/v1/revrec/contracts",
            json=CONTRACT,
            headers={"Authorization": f"Bearer {key}"},
            timeout=60,
        )
        assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def audit(
    axe_source: str,
    browser_context: Any,
    base_url: str,
    served: ServedWorkspace,
    revrec_contract: None,
) -> Audit:
    """Every role's walk over every page it may see (and the admin's on a phone), plus the
    login page logged out."""
    routes = page_routes()
    found = Audit()
    tab = browser_context.new_page()
    try:
        tab.context.clear_cookies()
        tab.goto(base_url + "/login")
        for violation in run_axe(tab, axe_source):
            found.violations.append({"role": "anonymous", "page": "/login", **violation})
        found.checked.setdefault("/login", set()).add("anonymous")
        for role, width in WALKS:
            tab.set_viewport_size({"width": width, "height": 900})
            log_in(tab, base_url, served.key(role=role), "/")
            label = role if width == LAPTOP_WIDTHS[0] else f"{role}@{width}px"
            audit_role(tab, base_url, label, routes, axe_source, found)
    finally:
        tab.context.clear_cookies()
        tab.close()
    return found


def test_axe_finds_no_serious_or_critical_violation(audit: Audit, artifacts: Path) -> None:
    report = {"visited": audit.visited, "violations": audit.violations}
    (artifacts / "axe-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    blocking = audit.blocking()
    lines = [
        f"{v['impact']:8} {v['rule']:28} {v['role']:9} {v['page']:40} {v['target']}"
        + (f" — {v['summary'][:160]}" if v["summary"] else "")
        for v in blocking
    ]
    assert not blocking, f"{len(blocking)} serious/critical axe violations:\n" + "\n".join(lines)


def test_every_page_was_checked(audit: Audit) -> None:
    """Every page route was audited by at least one role (a parametric one through a
    link), so a page added later cannot slip past axe."""
    missing = [r.path for r in page_routes() if not audit.checked.get(r.path)]
    assert not missing, f"pages no role reached: {missing}"
    assert len(audit.visited) >= len(WALKS) * 10


@pytest.fixture(scope="module")
def admin_tab(browser_context: Any, base_url: str, served: ServedWorkspace) -> Iterator[Any]:
    yield from logged_in_tab(browser_context, base_url, served.key(), "/")


def focus_style(tab: Any) -> dict[str, Any]:
    """The focused element: its href, id and outline as computed, and where it is."""
    return dict(
        tab.evaluate(
            """() => { const el = document.activeElement; const s = getComputedStyle(el);
                       return {href: el.getAttribute('href'), id: el.id, outline: s.outlineStyle,
                               where: el.closest('nav') ? 'nav' : el.className,
                               width: parseFloat(s.outlineWidth),
                               top: el.getBoundingClientRect().top}; }"""
        )
    )


def test_keyboard_reaches_the_skip_link_first_with_visible_focus(
    admin_tab: Any, base_url: str
) -> None:
    """Tab from the top of a page: the skip link first (shown on screen), then the brand and
    the menu, each with a visible focus outline; Enter on the skip link focuses <main>."""
    admin_tab.goto(base_url + "/")
    admin_tab.keyboard.press("Tab")
    skip = focus_style(admin_tab)
    assert skip["href"] == "#main", skip
    assert skip["outline"] != "none" and skip["width"] >= 2, skip
    assert skip["top"] >= 0, f"the focused skip link is off screen: {skip}"
    for expected in ("brand", "nav"):  # the brand, then the menu's first link
        admin_tab.keyboard.press("Tab")
        focused = focus_style(admin_tab)
        assert focused["where"] == expected, focused
        assert focused["outline"] != "none" and focused["width"] >= 2, focused
    admin_tab.focus("a.skip")
    admin_tab.keyboard.press("Enter")
    assert focus_style(admin_tab)["id"] == "main"


@pytest.mark.parametrize("width", LAPTOP_WIDTHS)
def test_admin_menu_is_one_line_on_a_laptop(admin_tab: Any, base_url: str, width: int) -> None:
    """The admin sees every link; at 1366–1440 px they sit on one line, the brand and the
    account block beside them."""
    admin_tab.set_viewport_size({"width": width, "height": 900})
    try:
        admin_tab.goto(base_url + "/")
        links = admin_tab.locator("header.top nav a")
        assert links.count() >= 12
        tops = links.evaluate_all("els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 1, f"the menu wraps at {width}px: rows at {sorted(set(tops))}"
        # every link whole inside the menu's box: nothing cut off, no sideways scroll
        cut = links.evaluate_all(
            """els => { const nav = els[0].closest('nav').getBoundingClientRect();
                        return els.filter(e => { const r = e.getBoundingClientRect();
                                                 return r.left < nav.left || r.right > nav.right; })
                                  .map(e => e.textContent); }"""
        )
        assert not cut, f"menu links cut off at {width}px: {cut}"
    finally:
        admin_tab.set_viewport_size({"width": 1366, "height": 900})
