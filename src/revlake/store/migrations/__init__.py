"""Alembic migrations of the operational store (run with revlake.store.migrate.upgrade)."""
