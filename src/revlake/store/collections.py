"""Collection notes on receivables: what finance did or heard about an open invoice.

A note belongs to one tenant and one invoice (the Stripe invoice id of the published
snapshot); it records a collection status (contacted, promised, disputed, escalated,
written_off, resolved), free text, the date the customer promised to pay (status
`promised` only), who wrote it (the API key, dashboard session or CLI user) and when.
Notes are only ever added, never edited: the history of a collection is the list of its
notes, and every note is appended to the audit log in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from revlake.errors import InputError
from revlake.store.audit import add_audited
from revlake.store.models import Base
from revlake.store.tenants import get_tenant, next_tenant_number
from revlake.store.types import UTCDateTime, utc_now

MAX_TEXT = 4000
MAX_ID = 100


class NoteStatus(StrEnum):
    """Where the collection of an invoice stands after this note."""

    CONTACTED = "contacted"  # reminder sent, call made
    PROMISED = "promised"  # the customer promised to pay by `promised_date`
    DISPUTED = "disputed"  # the customer disputes the invoice
    ESCALATED = "escalated"  # handed to a manager, a collector or legal
    WRITTEN_OFF = "written_off"  # finance decided to write the balance off
    RESOLVED = "resolved"  # settled (paid, credited or agreed) outside the note trail


class CollectionNote(Base):
    """One note on one invoice of one tenant (insert-only)."""

    __tablename__ = "ar_collection_notes"
    __table_args__ = (
        Index("ix_ar_collection_notes_tenant_invoice", "tenant_id", "invoice_id"),
        UniqueConstraint("tenant_id", "number", name="uq_ar_collection_notes_tenant_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the tenant (0005)
    invoice_id: Mapped[str] = mapped_column(String(MAX_ID))
    customer_id: Mapped[str | None] = mapped_column(String(MAX_ID), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text())
    promised_date: Mapped[dt.date | None] = mapped_column(Date(), nullable=True)
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class NoteInput:
    """A note as given by a user, before validation."""

    invoice_id: str
    status: str
    text: str = ""
    promised_date: dt.date | None = None
    customer_id: str | None = None


def parse_status(value: str) -> NoteStatus:
    """The status named by `value`, or an InputError listing the allowed ones."""
    try:
        return NoteStatus(value.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in NoteStatus)
        raise InputError(
            f"collection note field 'status': {value!r} is not one of {allowed}"
        ) from None


def validate_note(note: NoteInput) -> NoteInput:
    """The note with normalised fields, or an InputError naming the field that is wrong."""
    invoice_id = note.invoice_id.strip()
    if not invoice_id or len(invoice_id) > MAX_ID:
        raise InputError(
            f"collection note field 'invoice_id': expected 1-{MAX_ID} characters, "
            f"got {note.invoice_id!r}"
        )
    status = parse_status(note.status)
    text = note.text.strip()
    if len(text) > MAX_TEXT:
        raise InputError(
            f"collection note field 'text': {len(text)} characters, at most {MAX_TEXT}"
        )
    if status is NoteStatus.PROMISED and note.promised_date is None:
        raise InputError("collection note field 'promised_date': required when status is promised")
    if status is not NoteStatus.PROMISED and note.promised_date is not None:
        raise InputError(
            f"collection note field 'promised_date': only allowed with status promised, "
            f"not {status.value}"
        )
    if not text and status is not NoteStatus.PROMISED:
        raise InputError(f"collection note field 'text': required with status {status.value}")
    return NoteInput(
        invoice_id=invoice_id,
        status=status.value,
        text=text,
        promised_date=note.promised_date,
        customer_id=(note.customer_id or "").strip() or None,
    )


def add_note(session: Session, *, tenant_id: str, note: NoteInput, author: str) -> CollectionNote:
    """Add a validated note (audited as `ar_note.created`, entity `invoice`)."""
    get_tenant(session, tenant_id)
    clean = validate_note(note)
    row = CollectionNote(
        tenant_id=tenant_id,
        number=next_tenant_number(session, CollectionNote, tenant_id),
        invoice_id=clean.invoice_id,
        customer_id=clean.customer_id,
        status=clean.status,
        text=clean.text,
        promised_date=clean.promised_date,
        author=author,
        created_at=utc_now(),
    )
    return add_audited(
        session,
        row,
        actor=author,
        action="ar_note.created",
        entity="invoice",
        entity_id=clean.invoice_id,
        tenant_id=tenant_id,
        id_field="note_id",
        fields={
            "customer_id": clean.customer_id,
            "status": clean.status,
            "text": clean.text,
            "promised_date": clean.promised_date,
        },
    )


def list_notes(
    session: Session, *, tenant_id: str, invoice_id: str | None = None
) -> list[CollectionNote]:
    """Notes of a tenant (of one invoice when given), oldest first."""
    statement = (
        select(CollectionNote)
        .where(CollectionNote.tenant_id == tenant_id)
        .order_by(CollectionNote.created_at, CollectionNote.number)
    )
    if invoice_id is not None:
        statement = statement.where(CollectionNote.invoice_id == invoice_id)
    return list(session.execute(statement).scalars())


def latest_notes(session: Session, *, tenant_id: str) -> dict[str, CollectionNote]:
    """The newest note of every invoice of a tenant that has notes."""
    latest: dict[str, CollectionNote] = {}
    for note in list_notes(session, tenant_id=tenant_id):
        latest[note.invoice_id] = note
    return latest
