"""Alembic revision scripts, applied in order by revlake.store.migrate."""
