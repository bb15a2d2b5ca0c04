"""The migrations create exactly what the models describe, and run both ways."""

from __future__ import annotations

import threading

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from revlake.store.db import Store
from revlake.store.migrate import current_revision, downgrade, head_revision, upgrade
from revlake.store.schema import store_metadata

TABLES = {"tenants", "users", "api_keys", "pipeline_runs", "audit_log", "audit_chain_head"}


def test_fresh_store_is_at_head_with_every_table(store: Store) -> None:
    assert current_revision(store) == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= TABLES


def test_models_match_the_migrations(store: Store) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, store_metadata())
    assert differences == []


def test_downgrade_and_upgrade_again(database_url: str) -> None:
    store = Store.connect(database_url)
    try:
        downgrade(store, "base")
        assert current_revision(store) is None
        assert not TABLES & set(inspect(store.engine).get_table_names())
        upgrade(store)
        upgrade(store)  # already at head: nothing to do
        assert current_revision(store) == head_revision()
    finally:
        store.dispose()


def test_concurrent_first_opens_migrate_once(database_url: str) -> None:
    """Several processes (here threads) opening a brand-new store at once all succeed."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def open_store() -> None:
        try:
            barrier.wait()
            Store.connect(database_url).dispose()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=open_store) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    store = Store.connect(database_url)
    try:
        assert current_revision(store) == head_revision()
    finally:
        store.dispose()


def test_contract_numbers_are_backfilled_per_tenant(database_url: str) -> None:
    """Migration 0005 numbers existing contracts 1, 2, 3 … within each tenant."""
    from sqlalchemy import text

    store = Store.connect(database_url, migrate=False)
    try:
        upgrade(store, "0004_bank_matches")
        with store.engine.begin() as connection:
            for tenant in ("a", "b"):
                connection.execute(
                    text(
                        "insert into tenants (id, name, created_at) "
                        "values (:t, :t, '2026-01-01 00:00:00')"
                    ),
                    {"t": tenant},
                )
            for n, tenant in enumerate(["a", "b", "a", "b", "a"], start=1):
                connection.execute(
                    text(
                        "insert into revrec_contracts (id, tenant_id, reference, currency, "
                        "start_date, end_date, fixed_consideration, fixed_discount, "
                        "variable_scenarios, discount_to, created_at, created_by) values "
                        "(:id, :t, :r, 'USD', '2026-01-01', '2027-01-01', 1, 0, '[]', '[]', "
                        "'2026-01-01 00:00:00', 'x')"
                    ),
                    {"id": n, "t": tenant, "r": f"R{n}"},
                )
        upgrade(store)
        with store.engine.connect() as connection:
            numbered = connection.execute(
                text("select id, tenant_id, number from revrec_contracts order by id")
            ).all()
        assert [tuple(r) for r in numbered] == [
            (1, "a", 1), (2, "b", 1), (3, "a", 2), (4, "b", 2), (5, "a", 3),
        ]  # fmt: skip
    finally:
        store.dispose()
