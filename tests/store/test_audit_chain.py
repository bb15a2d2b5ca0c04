"""The audit chain: appends, verification, and every kind of tampering it must catch."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from revlake.errors import RevlakeError
from revlake.store.audit import append_audit, entry_content, list_entries, verify_chain
from revlake.store.canonical import canonical_json, entry_hash
from revlake.store.db import Store
from revlake.store.models import GENESIS_HASH, AuditEntry, AuditHead
from tests.store.tamper import insert_row, rows, tampering


def _append(store: Store, count: int, *, tenant: str | None = "acme") -> None:
    for i in range(count):
        with store.write() as session:
            append_audit(
                session,
                actor=f"user-{i}",
                action="thing.changed",
                entity="thing",
                entity_id=str(i),
                tenant_id=tenant,
                changes={
                    "amount": {"before": i, "after": i + 1},
                    "note": {"before": None, "after": "é€"},
                },
            )


def _verify(store: Store, anchor: tuple[int, str] | None = None) -> Any:
    with store.read() as session:
        return verify_chain(session, anchor=anchor)


def _rehash(row: dict[str, Any], prev_hash: str) -> dict[str, Any]:
    """Recompute a row's hash the way an informed attacker would."""
    entry = AuditEntry(**{k: v for k, v in row.items() if k not in {"hash"}})
    entry.prev_hash = prev_hash
    return {**row, "prev_hash": prev_hash, "hash": entry_hash(prev_hash, entry_content(entry))}


def test_canonical_hash_matches_the_documented_format() -> None:
    content = {
        "seq": 1,
        "at": datetime(2026, 11, 21, 8, 30, 0, 5, tzinfo=UTC),
        "actor": "cli:ann",
        "tenant_id": "acme",
        "action": "tenant.created",
        "entity": "tenant",
        "entity_id": "acme",
        "changes": {"name": {"before": None, "after": "Açme"}},
    }
    expected_text = (
        '{"action":"tenant.created","actor":"cli:ann","at":"2026-11-21T08:30:00.000005Z",'
        '"changes":{"name":{"after":"Açme","before":null}},"entity":"tenant",'
        '"entity_id":"acme","seq":1,"tenant_id":"acme"}'
    )
    assert canonical_json(content) == expected_text
    expected = hashlib.sha256((GENESIS_HASH + expected_text).encode("utf-8")).hexdigest()
    assert entry_hash(GENESIS_HASH, content) == expected


def test_appends_form_a_verifiable_chain(store: Store) -> None:
    _append(store, 5)
    report = _verify(store)
    assert report.ok and report.entries == 5 and report.head_seq == 5
    stored = rows(store)
    assert [r["seq"] for r in stored] == [1, 2, 3, 4, 5]
    assert stored[0]["prev_hash"] == GENESIS_HASH
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(stored))
    assert report.head_hash == stored[-1]["hash"]
    assert json.loads(stored[2]["changes"]) == {
        "amount": {"before": 2, "after": 3},
        "note": {"before": None, "after": "é€"},
    }


def test_empty_chain_verifies(store: Store) -> None:
    report = _verify(store)
    assert report.ok and report.entries == 0 and report.head_hash == GENESIS_HASH


def test_modified_entry_is_named(store: Store) -> None:
    _append(store, 5)
    with tampering(store) as connection:
        connection.execute(
            text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3"),
        )
    report = _verify(store)
    assert not report.ok and report.broken.seq == 3
    assert "modified" in report.broken.reason


def test_modified_and_rehashed_entry_breaks_the_next_link(store: Store) -> None:
    _append(store, 5)
    third = rows(store)[2]
    forged = _rehash(
        {**third, "changes": '{"amount":{"after":999,"before":2}}'}, third["prev_hash"]
    )
    with tampering(store) as connection:
        connection.execute(
            text("UPDATE audit_log SET changes = :changes, hash = :hash WHERE seq = 3"), forged
        )
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 4
    assert "prev_hash" in report.broken.reason


def test_deleted_entry_is_named(store: Store) -> None:
    _append(store, 5)
    with tampering(store) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 2
    assert "missing" in report.broken.reason


def test_deleted_and_renumbered_entries_are_caught(store: Store) -> None:
    _append(store, 5)
    with tampering(store) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 2"))
        for seq in (3, 4, 5):
            connection.execute(
                text("UPDATE audit_log SET seq = seq - 1 WHERE seq = :s"), {"s": seq}
            )
        connection.execute(text("UPDATE audit_chain_head SET seq = 4"))
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 2


def test_deleted_tail_is_caught_by_the_head(store: Store) -> None:
    _append(store, 5)
    with tampering(store) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq = 5"))
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 5
    assert "deleted" in report.broken.reason


def test_inserted_entry_is_caught(store: Store) -> None:
    _append(store, 5)
    stored = rows(store)
    with tampering(store) as connection:
        for seq in (5, 4, 3):
            connection.execute(
                text("UPDATE audit_log SET seq = seq + 1 WHERE seq = :s"), {"s": seq}
            )
        forged = _rehash({**stored[2], "actor": "mallory", "hash": None}, stored[1]["hash"])
        insert_row(connection, forged)
        connection.execute(text("UPDATE audit_chain_head SET seq = 6"))
    report = _verify(store)
    # The forged entry at seq 3 links correctly; the one after it no longer does.
    assert report.broken is not None and report.broken.seq == 4


def test_reordered_entries_are_caught(store: Store) -> None:
    _append(store, 5)
    stored = rows(store)
    second, third = stored[1], stored[2]
    with tampering(store) as connection:
        connection.execute(text("DELETE FROM audit_log WHERE seq IN (2, 3)"))
        insert_row(connection, {**third, "seq": 2})
        insert_row(connection, {**second, "seq": 3})
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 2


def test_entry_beyond_the_head_is_caught(store: Store) -> None:
    _append(store, 3)
    last = rows(store)[-1]
    with tampering(store) as connection:
        forged = _rehash({**last, "seq": 4, "actor": "mallory", "hash": None}, last["hash"])
        insert_row(connection, forged)
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 4
    assert "beyond the chain head" in report.broken.reason


def test_anchor_catches_a_consistently_rewritten_history(store: Store) -> None:
    _append(store, 4)
    anchor = (4, rows(store)[-1]["hash"])
    stored = rows(store)
    prev = GENESIS_HASH
    with tampering(store) as connection:
        connection.execute(text("DELETE FROM audit_log"))
        for row in stored:
            changed = {**row, "actor": "mallory", "hash": None}
            forged = _rehash(changed, prev)
            insert_row(connection, forged)
            prev = forged["hash"]
        connection.execute(text("UPDATE audit_chain_head SET hash = :h"), {"h": prev})
    assert _verify(store).ok  # indistinguishable without an outside record...
    report = _verify(store, anchor=anchor)  # ...which the anchor is
    assert report.broken is not None and report.broken.seq == 4
    assert "anchored" in report.broken.reason


def test_database_refuses_update_and_delete_of_audit_rows(store: Store) -> None:
    _append(store, 2)
    for statement in (
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
    ):
        with (
            pytest.raises(DBAPIError, match="append-only") as caught,
            store.engine.begin() as connection,
        ):
            connection.execute(text(statement))
        assert "refused" in str(caught.value)
    if store.dialect == "postgresql":
        with (
            pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"),
            store.engine.begin() as connection,
        ):
            connection.execute(text("TRUNCATE audit_log"))
    assert len(rows(store)) == 2 and _verify(store).ok


def test_orm_refuses_to_change_or_delete_entries(store: Store) -> None:
    _append(store, 1)
    with pytest.raises(RevlakeError, match="append-only"), store.write() as session:
        entry = session.get(AuditEntry, 1)
        assert entry is not None
        entry.actor = "mallory"
    with pytest.raises(RevlakeError, match="append-only"), store.write() as session:
        entry = session.get(AuditEntry, 1)
        session.delete(entry)
    from sqlalchemy import delete

    with pytest.raises(RevlakeError, match="append-only"), store.write() as session:
        session.execute(delete(AuditEntry))
    assert rows(store)[0]["actor"] == "user-0"


def test_append_needs_a_write_transaction(store: Store) -> None:
    with pytest.raises(RevlakeError, match="write transaction"), store.read() as session:
        append_audit(session, actor="a", action="x", entity="e", entity_id="1")


def test_changes_must_be_before_after_pairs(store: Store) -> None:
    with pytest.raises(ValueError, match="'before' and 'after'"), store.write() as session:
        append_audit(
            session, actor="a", action="x", entity="e", entity_id="1", changes={"f": {"x": 1}}
        )
    assert _verify(store).entries == 0


def test_rolled_back_write_leaves_no_entry(store: Store) -> None:
    _append(store, 1)
    with pytest.raises(RuntimeError), store.write() as session:
        append_audit(session, actor="a", action="x", entity="e", entity_id="1")
        raise RuntimeError("the write failed after its audit entry")
    report = _verify(store)
    assert report.ok and report.entries == 1
    with store.read() as session:
        head = session.get(AuditHead, 1)
        assert head is not None and head.seq == 1


def test_list_entries_newest_first_and_by_tenant(store: Store) -> None:
    _append(store, 3, tenant="acme")
    _append(store, 2, tenant="globex")
    with store.read() as session:
        assert [e.seq for e in list_entries(session)] == [5, 4, 3, 2, 1]
        assert [e.seq for e in list_entries(session, tenant_id="acme", limit=2)] == [3, 2]
        assert [e.seq for e in list_entries(session, before_seq=3)] == [2, 1]


def test_concurrent_writers_never_fork_the_chain(store: Store) -> None:
    threads, per_thread = 4, 10
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with store.write() as session:
                    append_audit(
                        session,
                        actor=f"writer-{n}",
                        action="thing.changed",
                        entity="thing",
                        entity_id=f"{n}-{i}",
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    workers = [threading.Thread(target=writer, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    report = _verify(store)
    assert report.ok, report.broken
    assert report.entries == threads * per_thread
    stored = rows(store)
    assert [r["seq"] for r in stored] == list(range(1, threads * per_thread + 1))
    assert {r["entity_id"] for r in stored} == {
        f"{n}-{i}" for n in range(threads) for i in range(per_thread)
    }
