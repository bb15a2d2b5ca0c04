"""Per-tenant contract numbers (revlake.finance.contract_store).

Revision ID: 0005_contract_numbers
Revises: 0004_bank_matches
Create Date: 2026-12-05

Contract ids were the table's global autoincrement, so a tenant could tell from its own
ids how many contracts other tenants had entered. A contract is now known by `number`,
1, 2, 3 … within its tenant (unique per tenant); the row id stays internal. Existing
contracts are numbered in the order they were entered.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_contract_numbers"
down_revision: str | None = "0004_bank_matches"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("revrec_contracts") as batch:
        batch.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        "update revrec_contracts set number = ("
        "select count(*) from revrec_contracts as earlier "
        "where earlier.tenant_id = revrec_contracts.tenant_id "
        "and earlier.id <= revrec_contracts.id)"
    )
    with op.batch_alter_table("revrec_contracts") as batch:
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint("uq_revrec_contracts_tenant_number", ["tenant_id", "number"])


def downgrade() -> None:
    with op.batch_alter_table("revrec_contracts") as batch:
        batch.drop_constraint("uq_revrec_contracts_tenant_number", type_="unique")
        batch.drop_column("number")
