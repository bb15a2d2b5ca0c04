"""Fixtures of the API tests: the served workspace and a TestClient on its app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.api import create_app
from tests.serving_support import ServedWorkspace


@pytest.fixture(scope="session")
def app(served: ServedWorkspace) -> FastAPI:
    return create_app(served.workspace)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
