"""Session guards: the audit log is append-only and no store write goes unaudited.

Writes go through service functions (tenants.py, keys.py, users.py, runs.py) that call
`audit.append_audit` in the same transaction. These listeners make the rule hold even
for code that forgets: a transaction that changed a store table but appended no audit
entry is refused at commit, and any ORM update or delete of an audit entry is refused
at flush (PostgreSQL and SQLite triggers refuse them below the ORM as well).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from revlake.errors import RevlakeError

AUDITED_FLAG = "revlake_audited"  # session.info key: an audit entry was appended
WROTE_FLAG = "revlake_wrote"  # session.info key: a store table was changed


class AppendOnlyError(RevlakeError):
    """Code tried to change or delete an audit entry."""


class UnauditedWriteError(RevlakeError):
    """A transaction changed the store without appending an audit entry."""


def _is_chain_table(obj: Any) -> bool:
    from revlake.store.models import AuditEntry, AuditHead

    return isinstance(obj, AuditEntry | AuditHead)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    from revlake.store.models import AuditEntry

    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry):
            raise AppendOnlyError(
                f"audit entry seq {obj.seq} cannot be changed or deleted: the log is append-only"
            )
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(not _is_chain_table(obj) for obj in changed):
        session.info[WROTE_FLAG] = True


def _on_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    table = mapper.local_table.name if mapper is not None else None  # type: ignore[attr-defined]
    if table == "audit_log" and (state.is_update or state.is_delete):
        raise AppendOnlyError("audit_log is append-only: UPDATE and DELETE are refused")
    if table not in {"audit_log", "audit_chain_head"}:
        state.session.info[WROTE_FLAG] = True


def _before_commit(session: Session) -> None:
    pending = (*session.new, *session.dirty, *session.deleted)
    wrote = session.info.get(WROTE_FLAG, False) or any(not _is_chain_table(obj) for obj in pending)
    if wrote and not session.info.get(AUDITED_FLAG, False):
        raise UnauditedWriteError(
            "this transaction changed the operational store without an audit entry; "
            "write through the service functions or call append_audit in the same transaction"
        )


def _reset(session: Session) -> None:
    session.info.pop(AUDITED_FLAG, None)
    session.info.pop(WROTE_FLAG, None)


def _after_rollback(session: Session) -> None:
    _reset(session)


def install(factory: sessionmaker[Session]) -> None:
    """Attach the guards to every session `factory` makes."""
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "do_orm_execute", _on_orm_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_commit", _reset)
    event.listen(factory, "after_rollback", _after_rollback)
