"""Browser-test fixtures: a real uvicorn server on a free loopback port, and Debian's
Chromium driven by Playwright (never `playwright install`: nothing is downloaded).

Without /usr/bin/chromium the tests are skipped, except with CI=true where that is a
failure (`scripts/ensure_chromium.sh` installs it).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from revlake.api import create_app
from tests.conftest import IN_CI, REPO_ROOT
from tests.serving_support import ServedWorkspace

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
ARTIFACTS = REPO_ROOT / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def base_url(served: ServedWorkspace) -> Iterator[str]:
    """uvicorn serving the workspace in a background thread; stopped after the session."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(served.workspace), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
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


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A fresh Chromium profile (empty user-data-dir) driven by Playwright."""
    if not CHROMIUM.is_file():
        message = f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1366, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def finance_key(served: ServedWorkspace) -> str:
    """The demo tenant's finance key."""
    return served.key(role="finance")


@pytest.fixture(scope="session")
def sales_key(served: ServedWorkspace) -> str:
    """The demo tenant's sales key."""
    return served.key(role="sales")
