"""What the browser tests share: API calls to compare with, logging in, waiting for charts,
screenshots. (Fixtures live in conftest.py; these are plain functions.)"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import IN_CI

CHROMIUM = Path(os.environ.get("REVLAKE_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_in_thread(app: FastAPI) -> Iterator[str]:
    """uvicorn serving `app` on a free loopback port in a background thread; yields its
    base URL and stops it afterwards (a fixture body: `yield from serve_in_thread(app)`)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def chromium_context(profile: Path, width: int = 1366) -> Iterator[Any]:
    """Debian's Chromium on a fresh profile, driven by Playwright (nothing downloaded);
    missing, it fails with CI=true and skips elsewhere (a fixture body)."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": width, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


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


def row_keys(tab: Any, table: str, key: str) -> list[str]:
    """The `data-<key>` of every body row of the table `data-testid=<table>`, in order."""
    return list(
        tab.locator(f"table[data-testid={table}] tbody tr").evaluate_all(
            f"rows => rows.map(r => r.dataset.{key})"
        )
    )


def charts_rendered(tab: Any) -> None:
    """Every chart on the page came drawn from the server: a named image with marks in it
    (bars, lines or markers) or a heatmap's table of coloured cells, and no chart script."""
    counts = tab.evaluate(
        "() => [...document.querySelectorAll('[data-figure]')].map(el => {"
        " const chart = el.querySelector('.rl-chart[aria-label]');"
        " return chart ? chart.querySelectorAll('rect:not(.rl-col), path, .rl-m, td[style]')"
        ".length : -1; })"
    )
    assert all(n > 0 for n in counts), counts
    assert tab.evaluate("() => typeof window.Plotly") == "undefined"


def chart_marks(tab: Any, figure: str) -> list[str]:
    """The tooltips of a chart's bars, cells and markers, in drawing order."""
    return list(
        tab.evaluate(
            "id => [...document.querySelectorAll(`[data-figure=${id}] rect:not(.rl-col) title,"
            " [data-figure=${id}] .rl-m[title]`)]"
            ".map(e => e.textContent || e.getAttribute('title'))",
            figure,
        )
    )


def chart_series(tab: Any, figure: str) -> tuple[list[str], dict[str, list[float | None]]]:
    """A chart's numbers as its data table shows them (the table the figure's own JSON
    made): the categories, and each column's values by its heading."""
    table = tab.evaluate(
        "id => { const t = document.querySelector(`[data-figure=${id}]`)"
        ".closest('figure').querySelector('table.chart-data');"
        " return {head: [...t.querySelectorAll('thead th')].map(c => c.textContent),"
        " rows: [...t.querySelectorAll('tbody tr')].map(r =>"
        " [...r.children].map(c => c.textContent))}; }",
        figure,
    )

    def number(text: str) -> float | None:
        return None if text in ("–", "") else float(text.replace(",", ""))

    columns = table["head"][1:]
    series = {c: [number(row[i + 1]) for row in table["rows"]] for i, c in enumerate(columns)}
    return [row[0] for row in table["rows"]], series


def shoot(tab: Any, artifacts: Path, name: str) -> None:
    """A full-page screenshot into test-artifacts/."""
    tab.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)
