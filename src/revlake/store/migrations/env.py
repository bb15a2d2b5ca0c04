"""Alembic environment: runs on the connection revlake.store.migrate hands over.

revlake runs its migrations programmatically (no alembic.ini): `migrate.upgrade(engine)`
puts an open connection into `config.attributes["connection"]`, so the migration runs in
that connection's transaction.
"""

from __future__ import annotations

from alembic import context

from revlake.store.schema import store_metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "revlake's migrations run programmatically: call revlake.store.migrate.upgrade(engine)"
    )
context.configure(
    connection=connection,
    target_metadata=store_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
