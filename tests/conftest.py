"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def _no_revlake_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests start without the developer's REVLAKE_* variables.

    Files a test writes are complete when it ingests them, so the landing settle time
    (docs/INGEST.md) is 0 unless a test sets it; the landing-hygiene tests do.
    """
    for name in list(os.environ):
        if name.startswith("REVLAKE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("REVLAKE_INGEST_SETTLE_SECONDS", "0")


@pytest.fixture
def shared_datasets() -> Path:
    """../shared/datasets beside the repo; in CI its absence is a failure, not a skip."""
    if not SHARED_DATASETS.is_dir():
        if IN_CI:
            pytest.fail(f"{SHARED_DATASETS} is missing: CI must run with ../shared beside the repo")
        pytest.skip("../shared/datasets not present")
    return SHARED_DATASETS
