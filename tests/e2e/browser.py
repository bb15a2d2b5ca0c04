"""What the browser tests share: API calls to compare with, logging in, waiting for charts,
screenshots. (Fixtures live in conftest.py; these are plain functions.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx


def api(base_url: str, key: str, path: str) -> Any:
    """The JSON of a GET on the API with `key` (asserts 200)."""
    response = httpx.get(base_url + path, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def log_in(tab: Any, base_url: str, key: str, target: str) -> None:
    """Log `tab` in with `key` through the login page that `target` redirects to."""
    tab.context.clear_cookies()
    tab.goto(base_url + target)
    assert "/login" in tab.url
    tab.fill("#api_key", key)
    tab.click("button[type=submit]")
    tab.wait_for_url(base_url + target)


def logged_in_tab(browser_context: Any, base_url: str, key: str, target: str) -> Iterator[Any]:
    """A new tab logged in with `key` and showing `target`; closed afterwards (a fixture body)."""
    tab = browser_context.new_page()
    log_in(tab, base_url, key, target)
    yield tab
    tab.context.clear_cookies()
    tab.close()


def charts_rendered(tab: Any) -> None:
    """Wait until every Plotly figure on the page has rendered from the local plotly.js."""
    tab.wait_for_function(
        "() => [...document.querySelectorAll('[data-figure]')]"
        ".every(el => el.getAttribute('data-rendered') === 'true')",
        timeout=20_000,
    )
    assert tab.locator(".js-plotly-plot").count() == tab.locator("[data-figure]").count()


def shoot(tab: Any, artifacts: Path, name: str) -> None:
    """A full-page screenshot into test-artifacts/."""
    tab.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
