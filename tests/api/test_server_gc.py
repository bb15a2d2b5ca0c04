"""The server freezes what start-up created before it accepts requests (issue 16: a full
garbage collection over ~250,000 start-up objects paused requests for 110–460 ms)."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from revlake.api.server import serve
from revlake.workspace import init_workspace


def test_serve_freezes_startup_objects_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = init_workspace(tmp_path / "ws", tenants=("acme",))
    seen: dict[str, Any] = {}

    def run(app: object, **options: object) -> None:
        seen["frozen"] = gc.get_freeze_count()
        seen["app"] = app

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    monkeypatch.setattr(uvicorn, "run", run)
    try:
        serve(workspace, port=0)
        # The app and every module loaded so far are frozen: none left for full scans.
        assert seen["frozen"] > 100_000
        assert any(obj is seen["app"] for obj in gc.get_objects()) is False
    finally:
        gc.unfreeze()
