"""Reading audit entries as stored, without trusting them to be well-formed.

Verification exists for the case where someone wrote to the database behind revlake's
back, so it must survive whatever they wrote: a time that is not a time, a `seq` that is
text (SQLite lets any column hold any type), `changes` that is not canonical JSON. The ORM
would fail on the whole query at the first such value (a crash in `audit verify`, a 500
from the API); here every entry is read as raw column values and checked one by one, and
a bad one is reported by its sequence number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from revlake.store.canonical import NotCanonicalError, format_timestamp, parse_canonical

_COLUMNS = "seq, at, actor, tenant_id, action, entity, entity_id, changes, prev_hash, hash"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class EntryView:
    """One audit entry as read from the database; `problem` says what is malformed.

    `seq` is None when the stored value is not a whole number; `at` is None when it is not
    a time; `changes` is the stored text. `content` is what the hash covers (None when a
    field could not be read, then `problem` says which).
    """

    seq: int | None
    raw_seq: Any
    at: datetime | None
    actor: str
    tenant_id: str | None
    action: str
    entity: str
    entity_id: str
    changes: str
    prev_hash: str
    hash: str
    content: dict[str, Any] | None
    problem: str | None

    @property
    def changes_value(self) -> dict[str, Any]:
        """The parsed changes, or {} when they cannot be read."""
        value = self.content["changes"] if self.content is not None else {}
        return value if isinstance(value, dict) else {}


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else repr(value))


def view_of(row: Any) -> EntryView:
    """Check one raw row and build its view (never raises)."""
    raw_seq, raw_at = row[0], row[1]
    seq = raw_seq if isinstance(raw_seq, int) and not isinstance(raw_seq, bool) else None
    at = _as_time(raw_at)
    fields = {
        name: row[i]
        for i, name in enumerate(
            ("actor", "tenant_id", "action", "entity", "entity_id", "changes", "prev_hash", "hash"),
            start=2,
        )
    }
    where = f"entry seq {seq}" if seq is not None else f"an entry with seq {raw_seq!r}"
    problem: str | None = None
    changes: Any = None
    if seq is None:
        problem = f"{where}: its seq is not a whole number"
    elif at is None:
        problem = f"{where}: its time {raw_at!r} is not a timestamp"
    else:
        for name in ("actor", "action", "entity", "entity_id", "changes", "prev_hash", "hash"):
            if not isinstance(fields[name], str):
                problem = f"{where}: its {name} {fields[name]!r} is not text"
                break
        if problem is None and not (
            fields["tenant_id"] is None or isinstance(fields["tenant_id"], str)
        ):
            problem = f"{where}: its tenant_id {fields['tenant_id']!r} is not text"
        if problem is None and not (
            _HEX64.match(fields["prev_hash"]) and _HEX64.match(fields["hash"])
        ):
            problem = f"{where}: its prev_hash or hash is not 64 lowercase hex digits"
        if problem is None:
            try:
                changes = parse_canonical(fields["changes"])
            except NotCanonicalError as exc:
                problem = f"{where}: its changes are not canonical JSON ({exc})"
    content = None
    if problem is None and at is not None:
        content = {
            "seq": seq,
            "at": format_timestamp(at),
            "actor": fields["actor"],
            "tenant_id": fields["tenant_id"],
            "action": fields["action"],
            "entity": fields["entity"],
            "entity_id": fields["entity_id"],
            "changes": changes,
        }
    return EntryView(
        seq=seq,
        raw_seq=raw_seq,
        at=at,
        actor=_text(fields["actor"]),
        tenant_id=fields["tenant_id"] if isinstance(fields["tenant_id"], str) else None,
        action=_text(fields["action"]),
        entity=_text(fields["entity"]),
        entity_id=_text(fields["entity_id"]),
        changes=_text(fields["changes"]),
        prev_hash=_text(fields["prev_hash"]),
        hash=_text(fields["hash"]),
        content=content,
        problem=problem,
    )


def read_batch(session: Session, from_seq: int, limit: int) -> list[EntryView]:
    """Entries with seq ≥ `from_seq` in seq order (SQLite puts non-numeric seqs last)."""
    rows = session.execute(
        text(f"select {_COLUMNS} from audit_log where seq >= :s order by seq limit :n"),
        {"s": from_seq, "n": limit},
    ).all()
    return [view_of(row) for row in rows]


def read_entries(
    session: Session,
    *,
    tenant_id: str | None = None,
    limit: int = 50,
    before_seq: int | None = None,
) -> list[EntryView]:
    """Entries newest first, optionally of one tenant and older than `before_seq`."""
    clauses, params = [], {"n": limit}
    if tenant_id is not None:
        clauses.append("tenant_id = :t")
        params["t"] = tenant_id  # type: ignore[assignment]
    if before_seq is not None:
        clauses.append("seq < :b")
        params["b"] = before_seq
    where = f" where {' and '.join(clauses)}" if clauses else ""
    rows = session.execute(
        text(f"select {_COLUMNS} from audit_log{where} order by seq desc limit :n"), params
    ).all()
    return [view_of(row) for row in rows]
