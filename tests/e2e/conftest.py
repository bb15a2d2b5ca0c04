"""Browser-test fixtures: a real uvicorn server on a free loopback port, and Debian's
Chromium driven by Playwright (never `playwright install`: nothing is downloaded).

Without /usr/bin/chromium the tests are skipped, except with CI=true where that is a
failure (`scripts/ensure_chromium.sh` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from revlake.api import create_app
from tests.conftest import REPO_ROOT
from tests.e2e.browser import serve_in_thread
from tests.serving_support import ServedWorkspace

ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def base_url(served: ServedWorkspace) -> Iterator[str]:
    """uvicorn serving the workspace in a background thread; stopped after the session."""
    yield from serve_in_thread(create_app(served.workspace))


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
