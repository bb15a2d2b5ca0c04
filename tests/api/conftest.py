"""Fixtures of the API tests: the served workspace and a TestClient on its app."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.pipeline import PipelineResult, score_registered_models
from revlake.workspace import Workspace
from tests.serving_support import TENANT, ServedWorkspace


@pytest.fixture(scope="session")
def app(served: ServedWorkspace) -> FastAPI:
    return create_app(served.workspace)


@pytest.fixture(scope="session")
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def published(
    served: ServedWorkspace, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Workspace, PipelineResult]:
    """A copy of the served workspace for the module, scored again the way `revlake run`
    does it (so its answers are precomputed at that publish)."""
    root = tmp_path_factory.mktemp("published") / "ws"
    shutil.copytree(served.workspace.root, root)
    workspace = Workspace.open(root)
    result = PipelineResult(tenant=TENANT, run_id=0)
    score_registered_models(workspace, result)
    return workspace, result


def count_calls(
    monkeypatch: pytest.MonkeyPatch, functions: Iterable[tuple[ModuleType, str]]
) -> dict[str, int]:
    """Wrap each `module.name` so it still runs and counts its calls (by name)."""
    calls: dict[str, int] = {}
    for module, name in functions:
        calls[name] = 0
        real = getattr(module, name)

        def wrapper(*args: Any, _real: Callable[..., Any] = real, _name: str = name) -> Any:
            calls[_name] += 1
            return _real(*args)

        monkeypatch.setattr(module, name, wrapper)
    return calls
