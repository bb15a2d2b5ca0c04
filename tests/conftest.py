"""Fixtures shared by the whole suite."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# CLI tables (rich) are as wide as the terminal that runs the tests, or 80 columns without
# one (an xdist worker has none), which cuts long names; the tests read them at 160, set
# before the CLI's console is created at import.
os.environ["COLUMNS"] = "160"

from revlake.workspace import Workspace
from tests.company_support import (
    DEFAULT_PERIOD,
    BuildSpec,
    BuiltCompany,
    CompanyFactory,
    CompanySpec,
    GeneratedCompanies,
    build_maventech,
    ingest_and_build,
)

if TYPE_CHECKING:
    from tests.serving_support import ServedWorkspace

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO_ROOT.parent / "shared" / "datasets"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


SPARK_FILES = {"test_spark_parity.py", "test_spark_incremental.py", "test_databricks.py"}
CHEAP_SESSION_FIXTURES = {"sqlite_template"}
"""Session fixtures that use tmp_path_factory but build nothing (a migrated SQLite file)."""


def lane_markers(item: pytest.Item) -> set[str]:
    """The markers that keep a test out of the fast lane (`make test-fast`, README).

    - browser: drives Chromium (tests/e2e);
    - spark: starts a local Spark session (needs Java);
    - postgres: talks to PostgreSQL (the `postgresql` store backend, publish_postgres);
    - slow: uses a module- or session-scoped fixture that generates, ingests and builds a
      company with dbt (every such fixture takes `tmp_path_factory`), or is marked slow.
    Derived from the test's fixtures, so a new test lands in the right lane by itself; a
    fixture fetched with `request.getfixturevalue` is invisible here, so a module that
    does that marks itself (tests/ml/test_pipeline_intelligence.py).
    """
    names = set(getattr(item, "fixturenames", ()))
    path = item.path
    found: set[str] = set()
    if "e2e" in path.parts or "browser_context" in names:
        found.add("browser")
    if path.name in SPARK_FILES or "spark" in item.name:
        found.add("spark")
    params = getattr(getattr(item, "callspec", None), "params", {})
    if "postgres_engine" in names or "postgres" in item.name or "postgresql" in params.values():
        found.add("postgres")
    builds = "tmp_path_factory" in names and not (names & CHEAP_SESSION_FIXTURES)
    if builds:
        found.add("slow")
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for name in lane_markers(item):
            item.add_marker(getattr(pytest.mark, name))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        from tests.worker_groups import group_items

        group_items(items)


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        from tests.worker_groups import WorkerGroups

        config.pluginmanager.register(WorkerGroups(), "revlake-worker-groups")


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


@pytest.fixture(scope="session")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One Chromium (Playwright) for the whole session, every browser test's: Playwright's
    sync API runs one instance per thread, so a second one (a module's own) cannot start
    while this one is open."""
    from tests.e2e.browser import chromium_context

    yield from chromium_context(tmp_path_factory.mktemp("chromium-profile"))


@pytest.fixture(scope="session")
def generated_companies(tmp_path_factory: pytest.TempPathFactory) -> GeneratedCompanies:
    """Companies generated (exports and truth, not ingested) once per session per spec."""
    generated: dict[CompanySpec, Path] = {}

    def generate(spec: CompanySpec) -> Path:
        if spec not in generated:
            folder = tmp_path_factory.mktemp(f"company-{spec.customers}-{spec.seed}")
            generated[spec] = spec.generate(folder)
        return generated[spec]

    return generate


@pytest.fixture(scope="session")
def company_factory(
    tmp_path_factory: pytest.TempPathFactory, generated_companies: GeneratedCompanies
) -> CompanyFactory:
    """Companies generated, ingested and built once per session, keyed by (customers, seed,
    period, dbt selection, tenant): every test that needs the same company shares one
    build (tests/company_support.py; a test that changes the workspace copies it)."""
    built: dict[BuildSpec, BuiltCompany] = {}

    def build(
        *,
        customers: int,
        seed: int,
        select: str | None = None,
        tenant: str = "demo",
        start: dt.date = DEFAULT_PERIOD[0],
        end: dt.date = DEFAULT_PERIOD[1],
    ) -> BuiltCompany:
        spec = BuildSpec(CompanySpec(customers, seed, start, end), select, tenant)
        if spec not in built:
            generated = generated_companies(spec.company)
            workspace, summary = ingest_and_build(
                generated,
                tmp_path_factory.mktemp("workspace") / "ws",
                tenant=tenant,
                select=select,
            )
            built[spec] = BuiltCompany(workspace, generated, summary)
        return built[spec]

    return build


@pytest.fixture(scope="session")
def served(
    company_factory: CompanyFactory, tmp_path_factory: pytest.TempPathFactory
) -> ServedWorkspace:
    """The served workspace (built, scored, keyed) the API and browser tests share: a copy
    of the factory's full build of its company, so the factory's stays unscored."""
    from tests.serving_support import CUSTOMERS, SEED, served_workspace

    built = company_factory(customers=CUSTOMERS, seed=SEED)
    return served_workspace(built, tmp_path_factory.mktemp("served-workspace") / "ws")


@pytest.fixture(scope="session")
def maventech_workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """MavenTech's real CRM export built, trained and scored once (tenant `maven`); the
    tests that change it (alerts) copy it. Missing ../shared fails in CI, skips elsewhere."""
    if not SHARED_DATASETS.is_dir():
        message = f"{SHARED_DATASETS} is missing: CI must run with ../shared beside the repo"
        if IN_CI:
            pytest.fail(message)
        pytest.skip("../shared/datasets not present")
    return build_maventech(SHARED_DATASETS, tmp_path_factory.mktemp("maventech") / "ws")
