"""Per-tenant numbers for the rows a tenant sees by id.

Revision ID: 0005_tenant_numbers
Revises: 0004_bank_matches
Create Date: 2026-12-05

Contracts, collection notes, bank resolutions and pipeline runs were known by their
table's global autoincrement id, so a tenant could tell from its own ids how many rows
other tenants had (issue 18). Each of these rows now has `number`, 1, 2, 3 … within its
tenant (unique per tenant), which is what the API, the CLI and the audit log show; the
row id stays internal. Existing rows are numbered in the order they were created.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_tenant_numbers"
down_revision: str | None = "0004_bank_matches"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("revrec_contracts", "ar_collection_notes", "bank_match_resolutions", "pipeline_runs")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
        op.execute(
            f"update {table} set number = (select count(*) from {table} as earlier "
            f"where earlier.tenant_id = {table}.tenant_id and earlier.id <= {table}.id)"
        )
        with op.batch_alter_table(table) as batch:
            batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
            batch.create_unique_constraint(f"uq_{table}_tenant_number", ["tenant_id", "number"])


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_tenant_number", type_="unique")
            batch.drop_column("number")
