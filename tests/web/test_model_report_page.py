"""The model report page (`/models`) memoises its report and figures per build, registered
model version and backtest file: a warm load reads no model files, and a newly registered
version (LATEST replaced, as `revlake train` does, with no new build) is shown at once."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from revlake.api import create_app
from revlake.ml.registry import LATEST_FILE, models_dir
from revlake.queries import deals
from tests.serving_support import TENANT, ServedWorkspace


@pytest.fixture(scope="module")
def client(served: ServedWorkspace) -> Iterator[TestClient]:
    """A logged-in sales session (the pipeline area)."""
    with TestClient(create_app(served.workspace), follow_redirects=False) as session:
        response = session.post(
            "/login", data={"api_key": served.key(role="sales"), "next": "/models"}
        )
        assert response.status_code == 303
        yield session


def test_a_warm_load_reuses_the_report_and_a_new_version_is_shown(
    client: TestClient, served: ServedWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = deals.model_report

    def counted(*args: object) -> deals.ModelReport:
        report = real(*args)  # type: ignore[arg-type]
        calls.append(report.version)
        return report

    monkeypatch.setattr(deals, "model_report", counted)
    root = models_dir(served.workspace, TENANT)
    pointer = root / LATEST_FILE
    before = pointer.read_text(encoding="utf-8")
    version = before.strip()

    first = client.get("/models")
    assert first.status_code == 200 and f"version {version}" in first.text
    warm = client.get("/models")
    assert warm.status_code == 200 and f"version {version}" in warm.text
    assert len(calls) <= 1, "a warm load built the report again"
    built = len(calls)

    newer = "20990101T000000Z"
    shutil.copytree(root / version, root / newer)
    manifest = json.loads((root / newer / "manifest.json").read_text(encoding="utf-8"))
    manifest.update(version=newer, message="retrained for the memo test")
    (root / newer / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    try:
        replaced = pointer.with_name(".LATEST.test")
        replaced.write_text(newer + "\n", encoding="utf-8")
        replaced.replace(pointer)  # as `write_version` does: a new file renamed over it
        shown = client.get("/models")
        assert shown.status_code == 200, shown.text
        assert f"version {newer}" in shown.text and "retrained for the memo test" in shown.text
        assert calls[built:] == [newer]
    finally:
        restored = pointer.with_name(".LATEST.test")
        restored.write_text(before, encoding="utf-8")
        restored.replace(pointer)
        shutil.rmtree(root / newer)
    back = client.get("/models")
    assert f"version {version}" in back.text and "retrained for the memo test" not in back.text
