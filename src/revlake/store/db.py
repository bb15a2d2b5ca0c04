"""Engine and session factory of the operational store (SQLite by default, or PostgreSQL).

`Store.read()` gives a session for queries; `Store.write()` gives a session inside one
transaction that commits when the block ends. On SQLite a write transaction starts with
`BEGIN IMMEDIATE`, which takes the database's write lock up front, so two writers queue
instead of one failing half-way; on PostgreSQL writers serialise where it matters (the
audit chain head row, see audit.py).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from revlake.errors import InputError, RevlakeError
from revlake.store import guards

DEFAULT_DB_FILE = "revlake.db"
WRITE_OPTION = "revlake_write"  # execution option marking a write transaction
SQLITE_BUSY_TIMEOUT_S = 30.0


def default_database_url(workspace_root: Path) -> str:
    """The SQLite store of a workspace: `<workspace>/revlake.db`."""
    return f"sqlite:///{Path(workspace_root).resolve() / DEFAULT_DB_FILE}"


def normalise_url(url: str) -> str:
    """Use the drivers revlake installs: psycopg 3 for PostgreSQL, pysqlite for SQLite."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(f"database_url {url!r} is not a valid database URL") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in {"postgresql+psycopg", "sqlite", "sqlite+pysqlite"}:
        raise InputError(
            f"database_url: unsupported database {parsed.drivername!r}; "
            "use sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
        )
    return parsed.render_as_string(hide_password=False)


def redact_url(url: str) -> str:
    """`url` with its password (and a `password=` query option) shown as ***."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return "(an unparseable database URL)"
    if "password" in parsed.query:
        parsed = parsed.update_query_dict({"password": "***"})
    return parsed.render_as_string(hide_password=True)


def _private_sqlite_file(url: str) -> None:
    """Create a new SQLite store file 0600 before SQLite does (its -wal/-shm files follow
    the database file's mode), and tighten an existing one: it holds key hashes."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for suffix in ("", "-wal", "-shm"):
            candidate = Path(f"{path}{suffix}")
            if candidate.exists():
                os.chmod(candidate, 0o600)
    except OSError:
        pass  # not ours to change (or a read-only place): SQLite reports what matters


def create_store_engine(url: str) -> Engine:
    """An engine for `url`, set up for revlake's transaction rules on each backend."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy emit BEGIN itself, so a write transaction can be BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would issue a deferred BEGIN lazily; turn
        # it off and begin explicitly in the "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _use_wal(cursor)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


def _use_wal(cursor: Any) -> None:
    """Put the database in WAL mode (once; it is persistent), waiting out other openers.

    Switching the journal mode needs the database to itself, and SQLite answers "database
    is locked" at once instead of using the busy timeout when another connection is
    creating the same new store (the first openers race to migrate it). So: nothing to do
    when it is WAL already, else retry until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def is_write_connection(connection: Connection) -> bool:
    """Whether `connection` runs a write transaction opened by `Store.write()`."""
    return bool(connection.get_execution_options().get(WRITE_OPTION))


class StoreUnavailableError(RevlakeError):
    """The operational store cannot be reached (server down, wrong host, refused login)."""


def _first_line(exc: OperationalError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(exc.orig).__name__


@dataclass
class Store:
    """An opened operational store: the engine plus its read and write session factories."""

    engine: Engine
    _read: sessionmaker[Session]
    _write: sessionmaker[Session]

    @classmethod
    def connect(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the store at `url`, bringing its schema to the latest migration first."""
        engine = create_store_engine(url)
        write_engine = engine.execution_options(**{WRITE_OPTION: True})
        read = sessionmaker(bind=engine, expire_on_commit=False)
        write = sessionmaker(bind=write_engine, expire_on_commit=False)
        guards.install(read)
        guards.install(write)
        store = cls(engine=engine, _read=read, _write=write)
        try:
            if migrate:
                from revlake.store.migrate import upgrade

                upgrade(store)
            else:
                with engine.connect():
                    pass
        except OperationalError as exc:
            engine.dispose()
            raise StoreUnavailableError(
                f"cannot reach the operational store at {redact_url(url)}: {_first_line(exc)}"
            ) from None
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write_connection(self) -> Connection:
        """A raw connection whose transactions are write transactions (for migrations)."""
        return self.engine.execution_options(**{WRITE_OPTION: True}).connect()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on an error."""
        with self._write.begin() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; it never commits."""
        with self._read() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
