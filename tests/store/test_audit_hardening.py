"""Audit findings of issue 18: rows changed behind the chain's back, duplicate JSON keys,
malformed entries, and truncation caught by signed checkpoints. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from revlake.errors import InputError
from revlake.store.anchors import (
    head_checkpoint,
    load_checkpoints,
    parse_checkpoint,
    record_checkpoint,
)
from revlake.store.audit import list_entries, verify_chain
from revlake.store.canonical import NotCanonicalError, entry_hash, parse_canonical
from revlake.store.db import Store
from revlake.store.keys import create_key, set_key_role
from revlake.store.tenants import add_tenant
from revlake.store.users import add_user
from tests.store.tamper import rows, tampering

SECRET = b"k" * 32


def _setup(store: Store) -> str:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        key = create_key(session, tenant_id="acme", role="sales", actor="t")
        add_user(session, tenant_id="acme", email="ann@example.com", role="revops", actor="t")
        set_key_role(session, key.key_id, "marketing", actor="t")
    return key.key_id


def _verify(store: Store, **kwargs: object) -> object:
    with store.read() as session:
        return verify_chain(session, **kwargs)  # type: ignore[arg-type]


def test_role_changed_directly_in_the_table_is_reported(store: Store) -> None:
    key_id = _setup(store)
    assert _verify(store).ok  # type: ignore[attr-defined]
    with store.engine.begin() as connection:
        connection.execute(text("update api_keys set role = 'admin' where id = :k"), {"k": key_id})
        connection.execute(text("update users set role = 'admin'"))
    report = _verify(store)
    assert report.broken is None  # type: ignore[attr-defined]  # the chain itself is intact
    assert not report.ok  # type: ignore[attr-defined]
    problems = "\n".join(report.table_problems)  # type: ignore[attr-defined]
    assert f"api_key {key_id}: role is 'admin' in its table but 'marketing'" in problems
    assert "user 1: role is 'admin' in its table but 'revops'" in problems


def test_revocation_undone_inserted_key_and_swapped_hash_are_reported(store: Store) -> None:
    key_id = _setup(store)
    with store.write() as session:
        from revlake.store.keys import revoke_key

        revoke_key(session, key_id, actor="t")
    with store.engine.begin() as connection:
        connection.execute(text("update api_keys set revoked_at = null"))
        connection.execute(text("update api_keys set secret_hash = 'scrypt$1$1$1$AA$AA'"))
        connection.execute(
            text(
                "insert into api_keys (id, tenant_id, role, name, secret_hash, created_at, "
                "created_by, revoked_at) values ('aaaaaaaaaaaa', 'acme', 'admin', '', 'x', "
                "'2026-01-01 00:00:00', 'me', null)"
            )
        )
    problems = "\n".join(_verify(store).table_problems)  # type: ignore[attr-defined]
    assert f"api_key {key_id}: revoked is False in its table but True" in problems
    assert f"api_key {key_id}: its stored secret hash is not the one" in problems
    assert "api_key aaaaaaaaaaaa is in its table but no audit entry created it" in problems


def test_wiped_log_is_caught_by_the_live_tables(store: Store) -> None:
    _setup(store)
    with tampering(store) as connection:
        connection.execute(text("delete from audit_log"))
        connection.execute(text("update audit_chain_head set seq = 0, hash = :h"), {"h": "0" * 64})
    report = _verify(store)
    assert not report.ok  # type: ignore[attr-defined]
    assert any(
        "no audit entry created it" in p
        for p in report.table_problems  # type: ignore[attr-defined]
    )


def test_duplicate_json_key_in_changes_is_not_intact(store: Store) -> None:
    key_id = _setup(store)
    entry = next(r for r in rows(store) if r["action"] == "api_key.role_changed")
    forged = entry["changes"].replace(
        '{"role":', '{"role":{"after":"admin","before":"sales"},"role":', 1
    )
    assert forged != entry["changes"]
    assert json.loads(forged) == json.loads(entry["changes"])  # Python keeps the last value
    with tampering(store) as connection:
        connection.execute(
            text("update audit_log set changes = :c where seq = :s"),
            {"c": forged, "s": entry["seq"]},
        )
    report = _verify(store, check_tables=False)
    assert report.broken is not None  # type: ignore[attr-defined]
    assert report.broken.seq == entry["seq"]  # type: ignore[attr-defined]
    assert "duplicate key 'role'" in report.broken.reason  # type: ignore[attr-defined]
    assert key_id


def test_canonical_parser_refuses_duplicates_and_other_forms() -> None:
    assert parse_canonical('{"a":1,"b":[1,2]}') == {"a": 1, "b": [1, 2]}
    for text_ in ('{"a":1,"a":2}', '{"b":1,"a":2}', '{"a": 1}', "not json", '{"a":"\\u00e9"}'):
        with pytest.raises(NotCanonicalError):
            parse_canonical(text_)


@pytest.fixture()
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """SQLite only: its columns accept a value of any type, PostgreSQL's refuse them."""
    opened = Store.connect(f"sqlite:///{tmp_path / 'loose.db'}")
    yield opened
    opened.dispose()


def test_malformed_changes_are_named_never_a_crash(store: Store) -> None:
    _check_malformed(store, "changes", "{not json")


@pytest.mark.parametrize(("column", "value"), [("at", "garbage"), ("prev_hash", "zz"), ("hash", 7)])
def test_malformed_values_are_named_never_a_crash(
    sqlite_store: Store, column: str, value: object
) -> None:
    _check_malformed(sqlite_store, column, value)


def _check_malformed(store: Store, column: str, value: object) -> None:
    _setup(store)
    with tampering(store) as connection:
        connection.execute(text(f"update audit_log set {column} = :v where seq = 2"), {"v": value})
    report = _verify(store)
    assert report.broken is not None and report.broken.seq == 2  # type: ignore[attr-defined]
    assert "entry seq 2" in report.broken.reason  # type: ignore[attr-defined]
    with store.read() as session:
        entries = list_entries(session)
    bad = next(e for e in entries if e.seq == 2)
    assert bad.problem is not None and "entry seq 2" in bad.problem
    assert all(e.problem is None for e in entries if e.seq != 2)


def test_text_seq_is_reported(sqlite_store: Store) -> None:
    store = sqlite_store
    _setup(store)
    with tampering(store) as connection:
        connection.execute(text("update audit_log set seq = 'x' where seq = 4"))
    report = _verify(store)
    assert report.broken is not None  # type: ignore[attr-defined]
    assert "'x'" in report.broken.reason  # type: ignore[attr-defined]


def test_checkpoint_catches_a_consistently_truncated_chain(store: Store, tmp_path: Path) -> None:
    _setup(store)
    with store.read() as session:
        checkpoint = head_checkpoint(session, SECRET)
    record_checkpoint(tmp_path, checkpoint)
    anchors = [(c.seq, c.hash) for c in load_checkpoints(tmp_path, SECRET)]
    assert _verify(store, anchors=anchors).ok  # type: ignore[attr-defined]
    # drop the last two entries and move the head back: an intact, shorter chain
    kept = [r for r in rows(store) if r["seq"] <= checkpoint.seq - 2]
    with tampering(store) as connection:
        connection.execute(text("delete from audit_log where seq > :s"), {"s": kept[-1]["seq"]})
        connection.execute(
            text("update audit_chain_head set seq = :s, hash = :h"),
            {"s": kept[-1]["seq"], "h": kept[-1]["hash"]},
        )
    assert _verify(store, check_tables=False).ok  # type: ignore[attr-defined]  # undetectable alone
    report = _verify(store, anchors=anchors, check_tables=False)
    assert report.broken is not None  # type: ignore[attr-defined]
    assert report.broken.seq == checkpoint.seq  # type: ignore[attr-defined]
    assert "no longer exists" in report.broken.reason  # type: ignore[attr-defined]
    assert entry_hash  # the hash function is what the checkpoint pins


def test_altered_checkpoint_is_refused(tmp_path: Path, store: Store) -> None:
    _setup(store)
    with store.read() as session:
        line = head_checkpoint(session, SECRET).line()
    data = json.loads(line)
    data["seq"] = 1
    with pytest.raises(InputError, match="signature does not match"):
        parse_checkpoint(json.dumps(data), SECRET, "x")
    with pytest.raises(InputError, match="not an audit checkpoint"):
        parse_checkpoint("{}", SECRET, "x")
