"""Bank reconciliation resolutions: finance's decision on an ambiguous or unmatched line.

A resolution belongs to one tenant and one bank statement line (the line's id in the
published snapshot). It either **matches** the line to one payment (kind and id from
`gold.fct_cash_payments`) or **dismisses** it (the line records no payment: a fee, a
transfer between own accounts). Resolutions are only ever added: the newest one of a
line is in force, the older ones are its history, and every resolution is appended to
the audit log in the same transaction (`bank_match.resolved`, entity `bank_transaction`).
`revlake.finance.reconciliation.reconcile` applies them before matching the rest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from revlake.errors import InputError
from revlake.store.audit import add_audited
from revlake.store.models import Base
from revlake.store.tenants import get_tenant, next_tenant_number
from revlake.store.types import UTCDateTime, utc_now

MAX_ID = 200
MAX_NOTE = 2000
ACTIONS = ("match", "dismiss")
PAYMENT_KINDS = ("charge", "refund", "payout", "bill_payment")


class BankMatchResolution(Base):
    """One decision about one bank line of one tenant (insert-only)."""

    __tablename__ = "bank_match_resolutions"
    __table_args__ = (
        Index("ix_bank_match_resolutions_tenant_line", "tenant_id", "transaction_id"),
        UniqueConstraint("tenant_id", "number", name="uq_bank_match_resolutions_tenant_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the tenant (0005)
    transaction_id: Mapped[str] = mapped_column(String(MAX_ID))
    action: Mapped[str] = mapped_column(String(10))
    payment_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    payment_id: Mapped[str | None] = mapped_column(String(MAX_ID), nullable=True)
    note: Mapped[str] = mapped_column(Text())
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class ResolutionInput:
    """A resolution as given by a user, before validation."""

    transaction_id: str
    action: str
    payment_kind: str | None = None
    payment_id: str | None = None
    note: str = ""


def validate_resolution(res: ResolutionInput) -> ResolutionInput:
    """The resolution with normalised fields, or an InputError naming the wrong field."""
    tx = res.transaction_id.strip()
    if not tx or len(tx) > MAX_ID:
        raise InputError(
            f"bank resolution field 'transaction_id': expected 1-{MAX_ID} characters, "
            f"got {res.transaction_id!r}"
        )
    action = res.action.strip().lower()
    if action not in ACTIONS:
        raise InputError(
            f"bank resolution field 'action': {res.action!r} is not one of {', '.join(ACTIONS)}"
        )
    kind = (res.payment_kind or "").strip().lower() or None
    pid = (res.payment_id or "").strip() or None
    if action == "match":
        if kind not in PAYMENT_KINDS:
            raise InputError(
                f"bank resolution field 'payment_kind': {res.payment_kind!r} is not one of "
                f"{', '.join(PAYMENT_KINDS)}"
            )
        if pid is None or len(pid) > MAX_ID:
            raise InputError(
                f"bank resolution field 'payment_id': required with action match "
                f"(1-{MAX_ID} characters)"
            )
    elif kind is not None or pid is not None:
        raise InputError("bank resolution fields 'payment_kind'/'payment_id': only with match")
    note = res.note.strip()
    if len(note) > MAX_NOTE:
        raise InputError(
            f"bank resolution field 'note': {len(note)} characters, at most {MAX_NOTE}"
        )
    if action == "dismiss" and not note:
        raise InputError("bank resolution field 'note': required to dismiss a line (say why)")
    return ResolutionInput(tx, action, kind, pid, note)


def add_resolution(
    session: Session, *, tenant_id: str, resolution: ResolutionInput, author: str
) -> BankMatchResolution:
    """Store a validated resolution (audited as `bank_match.resolved`)."""
    get_tenant(session, tenant_id)
    clean = validate_resolution(resolution)
    row = BankMatchResolution(
        tenant_id=tenant_id,
        number=next_tenant_number(session, BankMatchResolution, tenant_id),
        transaction_id=clean.transaction_id,
        action=clean.action,
        payment_kind=clean.payment_kind,
        payment_id=clean.payment_id,
        note=clean.note,
        author=author,
        created_at=utc_now(),
    )
    return add_audited(
        session,
        row,
        actor=author,
        action="bank_match.resolved",
        entity="bank_transaction",
        entity_id=clean.transaction_id,
        tenant_id=tenant_id,
        id_field="resolution_id",
        fields={
            "action": clean.action,
            "payment_kind": clean.payment_kind,
            "payment_id": clean.payment_id,
            "note": clean.note,
        },
    )


def list_resolutions(session: Session, *, tenant_id: str) -> list[BankMatchResolution]:
    """Every resolution of a tenant, oldest first."""
    statement = (
        select(BankMatchResolution)
        .where(BankMatchResolution.tenant_id == tenant_id)
        .order_by(BankMatchResolution.created_at, BankMatchResolution.id)
    )
    return list(session.execute(statement).scalars())


def latest_resolutions(session: Session, *, tenant_id: str) -> list[BankMatchResolution]:
    """The resolution in force for every resolved line (the newest), by line id."""
    latest: dict[str, BankMatchResolution] = {}
    for row in list_resolutions(session, tenant_id=tenant_id):
        latest[row.transaction_id] = row
    return [latest[k] for k in sorted(latest)]


def resolutions_stamp(session: Session, *, tenant_id: str) -> tuple[int, int]:
    """(count, newest id) of a tenant's resolutions: changes whenever one is added."""
    count, newest = session.execute(
        select(func.count(BankMatchResolution.id), func.max(BankMatchResolution.id)).where(
            BankMatchResolution.tenant_id == tenant_id
        )
    ).one()
    return int(count or 0), int(newest or 0)
