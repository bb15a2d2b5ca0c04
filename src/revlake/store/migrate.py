"""Run the store's Alembic migrations programmatically (no alembic.ini, no CLI).

The migration scripts ship inside the package (`revlake/store/migrations`), so an
installed revlake can create or upgrade its store wherever it runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

if TYPE_CHECKING:
    from revlake.store.db import Store

SCRIPT_LOCATION = "revlake.store:migrations"
_LOCK_KEY = int.from_bytes(b"revlake", "big")  # advisory lock id of store migrations


def alembic_config() -> Config:
    """An Alembic config pointing at the migrations inside the package."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The newest migration shipped with this revlake."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("revlake ships no store migrations")
    return head


def current_revision(store: Store) -> str | None:
    """The migration the store's schema is at (None for an empty database)."""
    with store.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the store's schema to `revision` in one write transaction.

    On SQLite the write transaction holds the database write lock, so two processes
    opening a new store at once do not both create it.
    """
    if revision == "head" and current_revision(store) == head_revision():
        return
    config = alembic_config()
    with store.write_connection() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            # Two processes upgrading one PostgreSQL store at once: the second waits here,
            # then finds the schema already at `revision` and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(store: Store, revision: str) -> None:
    """Take the store's schema back to `revision` (for tests of the migrations)."""
    config = alembic_config()
    with store.write_connection() as connection, connection.begin():
        config.attributes["connection"] = connection
        command.downgrade(config, revision)
