"""Store fixtures: every store test runs against SQLite and against a real PostgreSQL.

Each test gets a fresh database: a new SQLite file, or a new randomly named PostgreSQL
schema (dropped afterwards) selected through the connection's search_path. PostgreSQL is
found at REVLAKE_TEST_POSTGRES_URL (default below; `scripts/ensure_postgres.sh` starts
one). Without CI a missing server skips the PostgreSQL half; with CI=true it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from revlake.store.db import Store

# Read at import: the suite's autouse fixture removes REVLAKE_* variables from each test.
POSTGRES_URL = os.environ.get(
    "REVLAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/revlake_test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKENDS = ("sqlite", "postgresql")
DUPLICATE_DATABASE = {"42P04", "23505"}  # duplicate_database; unique_violation in a race


def _ensure_database(url: str) -> None:
    """Create the test database if the server has no such database yet."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).first()
            if exists is None:
                try:
                    connection.execute(text(f'CREATE DATABASE "{target.database}"'))
                except DBAPIError as exc:  # the other pytest worker created it meanwhile
                    if getattr(exc.orig, "sqlstate", None) not in DUPLICATE_DATABASE:
                        raise
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """An engine on the test database; a missing server fails in CI, skips elsewhere."""
    try:
        _ensure_database(POSTGRES_URL)
        engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        message = (
            f"PostgreSQL not reachable at {POSTGRES_URL} ({exc.orig}); "
            "run scripts/ensure_postgres.sh or set REVLAKE_TEST_POSTGRES_URL"
        )
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


def _postgres_schema_url(schema: str) -> str:
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database on the backend this test instance runs against."""
    backend = request.param if hasattr(request, "param") else "sqlite"
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    engine: Engine = request.getfixturevalue("postgres_engine")
    schema = f"revlake_t_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _postgres_schema_url(schema)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite store, copied for each test instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    Store.connect(f"sqlite:///{path}").dispose()  # closing checkpoints the WAL into the file
    return path


@pytest.fixture
def store(database_url: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A migrated store on a fresh database."""
    if database_url.startswith("sqlite:///"):
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, database_url.removeprefix("sqlite:///"))
    opened = Store.connect(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that uses the store (or a database URL) once per backend."""
    if "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)
