"""Bank reconciliation resolutions (revlake.store.bank_matches).

Revision ID: 0004_bank_matches
Revises: 0003_collection_notes
Create Date: 2026-11-21

One insert-only table: finance's decision on a bank statement line (match it to a
payment, or dismiss it as recording no payment), with a note, author and creation time.
Every resolution is also in the audit log.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from revlake.store.types import UTCDateTime

revision: str = "0004_bank_matches"
down_revision: str | None = "0003_collection_notes"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "bank_match_resolutions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("transaction_id", sa.String(200), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("payment_kind", sa.String(20), nullable=True),
        sa.Column("payment_id", sa.String(200), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index(
        "ix_bank_match_resolutions_tenant_line",
        "bank_match_resolutions",
        ["tenant_id", "transaction_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_bank_match_resolutions_tenant_line", table_name="bank_match_resolutions")
    op.drop_table("bank_match_resolutions")
