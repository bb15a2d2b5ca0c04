"""What an attacker with direct database access does: bypass the append-only guards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, insert, select, text

from revlake.store.db import Store
from revlake.store.models import AuditEntry


@contextmanager
def tampering(store: Store) -> Iterator[Connection]:
    """A raw connection on which audit_log may be changed (triggers switched off)."""
    with store.engine.begin() as connection:
        if store.dialect == "postgresql":
            # Superuser only: PostgreSQL's way to skip ordinary triggers (as replication does).
            connection.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        yield connection


def rows(store: Store) -> list[dict[str, Any]]:
    """Every audit row, by seq, as plain dicts."""
    table = AuditEntry.__table__
    with store.engine.connect() as connection:
        result = connection.execute(select(table).order_by(table.c.seq))
        return [dict(row._mapping) for row in result]


def insert_row(connection: Connection, row: dict[str, Any]) -> None:
    connection.execute(insert(AuditEntry.__table__).values(**row))
