"""The tamper-evident audit log: append an entry, read entries, verify the chain.

Each entry holds (seq, at, actor, tenant_id, action, entity, entity_id, changes) plus
`prev_hash` (the previous entry's hash, or 64 zeros for seq 1) and
`hash = sha256(prev_hash || canonical_json(content))`, content being the eight fields
above (see canonical.py for the exact text). Changing, deleting, inserting or reordering
any entry therefore breaks either its own hash or the next entry's `prev_hash`, and
`verify_chain` names the first entry where that happens.

Appends are serialised so the chain never forks: the appender locks the single chain-head
row (`SELECT ... FOR UPDATE` on PostgreSQL; on SQLite the write transaction already holds
the database write lock from `BEGIN IMMEDIATE`), and `seq` is the primary key, so two
entries can never claim the same place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.errors import RevlakeError
from revlake.store.audit_read import EntryView, read_batch, read_entries
from revlake.store.audit_tables import TableReplay
from revlake.store.canonical import (
    canonical_json,
    entry_hash,
    format_timestamp,
    to_jsonable,
)
from revlake.store.db import is_write_connection
from revlake.store.guards import AUDITED_FLAG
from revlake.store.models import GENESIS_HASH, AuditEntry, AuditHead
from revlake.store.types import utc_now

HEAD_ROW_ID = 1
VERIFY_BATCH = 1000

Changes = Mapping[str, Mapping[str, Any]]


def field_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """Field-level before/after of the fields that differ (None = created / deleted)."""
    old = dict(before or {})
    new = dict(after or {})
    changes: dict[str, dict[str, Any]] = {}
    for field in sorted(old.keys() | new.keys()):
        was, now = to_jsonable(old.get(field)), to_jsonable(new.get(field))
        if was != now:
            changes[field] = {"before": was, "after": now}
    return changes


class CreatedRow(Protocol):
    """A freshly created row with its per-tenant number and its creation time."""

    number: int
    created_at: datetime


RowT = TypeVar("RowT", bound=CreatedRow)


def add_audited(
    session: Session,
    row: RowT,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    tenant_id: str | None,
    id_field: str,
    fields: Mapping[str, Any],
) -> RowT:
    """Insert `row` and record its creation in the audit chain, in one transaction.

    The entry's changes are `fields` (all created: before = None) plus the row's per-tenant
    number (the id the tenant sees) under `id_field`; it is stamped with the row's
    `created_at`.
    """
    session.add(row)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        tenant_id=tenant_id,
        changes=field_changes(None, {id_field: row.number, **fields}),
        at=row.created_at,
    )
    return row


def entry_content(entry: AuditEntry) -> dict[str, Any]:
    """The part of an entry its hash covers (everything but prev_hash and hash)."""
    return {
        "seq": entry.seq,
        "at": format_timestamp(entry.at),
        "actor": entry.actor,
        "tenant_id": entry.tenant_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "changes": json.loads(entry.changes),
    }


def _check_changes(changes: Changes) -> None:
    for field, change in changes.items():
        if set(change) != {"before", "after"}:
            raise ValueError(
                f"audit change of field {field!r} must have exactly the keys 'before' and "
                f"'after', got {sorted(change)}"
            )


def _lock_head(session: Session) -> AuditHead:
    statement = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ROW_ID)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    head = session.execute(statement).scalar_one_or_none()
    if head is None:
        raise RevlakeError("the audit chain head row is missing: the store was not migrated")
    return head


def append_audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    tenant_id: str | None = None,
    changes: Changes | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's (write) transaction.

    Call it in the same transaction as the write it records, so both commit or neither
    does. `changes` maps field → {"before": old, "after": new} (see `field_changes`).
    """
    if not is_write_connection(session.connection()):
        raise RevlakeError("append_audit needs a write transaction: use Store.write()")
    recorded = dict(changes or {})
    _check_changes(recorded)
    head = _lock_head(session)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at or utc_now(),
        actor=actor,
        tenant_id=tenant_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=canonical_json(recorded),
        prev_hash=head.hash,
    )
    entry.hash = entry_hash(entry.prev_hash, entry_content(entry))
    session.add(entry)
    session.flush()
    head.seq = entry.seq
    head.hash = entry.hash
    session.flush()
    session.info[AUDITED_FLAG] = True
    return entry


def list_entries(
    session: Session,
    *,
    tenant_id: str | None = None,
    limit: int = 50,
    before_seq: int | None = None,
) -> list[EntryView]:
    """Entries newest first, optionally of one tenant and older than `before_seq`.

    Read as stored (see audit_read.py): a malformed entry is returned with `problem`
    saying what is wrong instead of failing the whole list.
    """
    return read_entries(session, tenant_id=tenant_id, limit=limit, before_seq=before_seq)


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """What `verify_chain` found: the first chain break, and live rows the chain contradicts."""

    entries: int
    head_seq: int
    head_hash: str
    broken: ChainBreak | None
    table_problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.table_problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "broken_seq": self.broken.seq if self.broken else None,
            "reason": self.broken.reason if self.broken else None,
            "table_problems": list(self.table_problems),
        }


def _read_head(session: Session) -> AuditHead:
    statement = (
        select(AuditHead)
        .where(AuditHead.id == HEAD_ROW_ID)
        .execution_options(populate_existing=True)
    )
    head = session.execute(statement).scalar_one_or_none()
    if head is None:
        raise RevlakeError("the audit chain head row is missing: the store was not migrated")
    return head


def _check_entry(entry: EntryView, expected_seq: int, expected_prev: str) -> str | None:
    """Why `entry` does not continue the chain at `expected_seq`, or None if it does."""
    if entry.seq is None:
        return (
            f"the entry after seq {expected_seq - 1} has seq {entry.raw_seq!r}, not a whole "
            "number: it was modified outside revlake"
        )
    if entry.seq != expected_seq:
        return (
            f"entry seq {expected_seq} is missing (the next entry is seq {entry.seq}): "
            "entries were deleted"
        )
    if entry.prev_hash != expected_prev:
        return (
            f"entry seq {entry.seq}: prev_hash does not match the hash of entry seq "
            f"{entry.seq - 1}: an entry before it was deleted, inserted, reordered, or "
            "modified and re-hashed"
        )
    if entry.content is None:
        return f"{entry.problem}: it was modified"
    if entry_hash(entry.prev_hash, entry.content) != entry.hash:
        return (
            f"entry seq {entry.seq}: content does not match its hash: it was modified "
            "(or moved from another position)"
        )
    return None


def verify_chain(
    session: Session,
    *,
    anchor: tuple[int, str] | None = None,
    anchors: Sequence[tuple[int, str]] = (),
    check_tables: bool = True,
) -> ChainReport:
    """Recompute the chain from the first entry and report the first break.

    Detects a modified entry (hash mismatch), a deleted one (gap in seq, or prev_hash
    mismatch if the rest was renumbered), an inserted or reordered one (prev_hash or hash
    mismatch), a truncated tail (last entry is not the chain head), entries beyond the
    head, and malformed values (named by seq; never an exception). `anchor`/`anchors` =
    (seq, hash) recorded earlier (printed by a verify, or `revlake audit anchor`
    checkpoints) also catch a history rewritten or truncated consistently up to the head.
    With `check_tables`, the live tenant, key and user tables are compared with what the
    chain's entries say (see audit_tables.py).
    """
    wanted = {seq: digest for seq, digest in ([anchor] if anchor else []) + list(anchors)}
    head = _read_head(session)
    head_seq, head_hash = head.seq, head.hash
    expected_seq, expected_prev = 1, GENESIS_HASH
    checked = 0
    replay = TableReplay()

    def report(broken: ChainBreak | None) -> ChainReport:
        problems = tuple(replay.differences(session)) if check_tables and broken is None else ()
        return ChainReport(checked, head_seq, head_hash, broken, problems)

    while True:
        batch = read_batch(session, expected_seq, VERIFY_BATCH)
        if not batch:
            break
        for entry in batch:
            if entry.seq is not None and entry.seq > head_seq:
                # Appended since we read the head, or forged past it: ask the head again.
                fresh = _read_head(session)
                head_seq, head_hash = fresh.seq, fresh.hash
                if entry.seq > head_seq:
                    return report(
                        ChainBreak(
                            entry.seq,
                            f"entry seq {entry.seq} lies beyond the chain head (seq "
                            f"{head_seq}): it was inserted outside revlake",
                        )
                    )
            problem = _check_entry(entry, expected_seq, expected_prev)
            if problem is not None:
                return report(ChainBreak(expected_seq, problem))
            assert entry.seq is not None
            if entry.seq in wanted and entry.hash != wanted[entry.seq]:
                return report(
                    ChainBreak(
                        entry.seq,
                        f"entry seq {entry.seq} has hash {entry.hash}, not the anchored "
                        f"{wanted[entry.seq]}: the history up to it was rewritten",
                    )
                )
            replay.apply(entry)
            checked += 1
            expected_seq, expected_prev = entry.seq + 1, entry.hash
        if len(batch) < VERIFY_BATCH:
            break
    last_seq = expected_seq - 1
    if last_seq != head_seq or expected_prev != head_hash:
        return report(
            ChainBreak(
                last_seq + 1 if last_seq < head_seq else head_seq,
                f"the chain ends at seq {last_seq} but its head says seq {head_seq}: "
                "entries at the end were deleted (or the head was altered)",
            )
        )
    beyond = [seq for seq in wanted if seq > last_seq]
    if beyond:
        return report(
            ChainBreak(
                min(beyond),
                f"anchored entry seq {min(beyond)} no longer exists (the chain ends at seq "
                f"{last_seq}): entries were deleted",
            )
        )
    return report(None)
