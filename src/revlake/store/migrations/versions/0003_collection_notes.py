"""Collection notes on receivables (revlake.store.collections).

Revision ID: 0003_collection_notes
Revises: 0002_revrec_contracts
Create Date: 2026-11-21

One insert-only table: a note per invoice and tenant with a collection status, text,
promised payment date, author and creation time. Every note is also in the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from revlake.store.types import UTCDateTime

revision: str = "0003_collection_notes"
down_revision: str | None = "0002_revrec_contracts"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ar_collection_notes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("invoice_id", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_ar_collection_notes_tenant_invoice",
        "ar_collection_notes",
        ["tenant_id", "invoice_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_ar_collection_notes_tenant_invoice", table_name="ar_collection_notes")
    op.drop_table("ar_collection_notes")
