"""Revenue recognition contracts: contracts, modifications, obligations, events.

Revision ID: 0002_revrec_contracts
Revises: 0001_initial
Create Date: 2026-11-21

Tables of revlake.store.contracts: contracts entered by finance with their transaction
price inputs, their performance obligations, milestone and progress events, and
contract modifications (accounted for prospectively). Amounts are NUMERIC(20, 4).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from revlake.store.types import UTCDateTime

revision: str = "0002_revrec_contracts"
down_revision: str | None = "0001_initial"
branch_labels: str | None = None
depends_on: str | None = None

MONEY = sa.Numeric(20, 4)
PERCENT = sa.Numeric(9, 6)


def upgrade() -> None:
    op.create_table(
        "revrec_contracts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(63), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("customer_name", sa.String(200), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("fixed_consideration", MONEY, nullable=False),
        sa.Column("fixed_discount", MONEY, nullable=False),
        sa.Column("variable_method", sa.String(20), nullable=True),
        sa.Column("variable_scenarios", sa.JSON(), nullable=False),
        sa.Column("variable_constraint", MONEY, nullable=True),
        sa.Column("discount_to", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("tenant_id", "reference", name="uq_revrec_contracts_tenant_reference"),
    )
    op.create_index("ix_revrec_contracts_tenant_id", "revrec_contracts", ["tenant_id"])
    op.create_table(
        "revrec_modifications",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "contract_id", sa.Integer(), sa.ForeignKey("revrec_contracts.id"), nullable=False
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("added_consideration", MONEY, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("contract_id", "sequence", name="uq_revrec_modifications_sequence"),
    )
    op.create_index("ix_revrec_modifications_contract_id", "revrec_modifications", ["contract_id"])
    op.create_table(
        "revrec_obligations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "contract_id", sa.Integer(), sa.ForeignKey("revrec_contracts.id"), nullable=False
        ),
        sa.Column(
            "modification_id",
            sa.Integer(),
            sa.ForeignKey("revrec_modifications.id"),
            nullable=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ssp", MONEY, nullable=False),
        sa.Column("pattern", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("satisfied_on", sa.Date(), nullable=True),
        sa.UniqueConstraint("contract_id", "name", name="uq_revrec_obligations_name"),
    )
    op.create_index("ix_revrec_obligations_contract_id", "revrec_obligations", ["contract_id"])
    op.create_table(
        "revrec_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "obligation_id",
            sa.Integer(),
            sa.ForeignKey("revrec_obligations.id"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("percent", PERCENT, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_revrec_events_obligation_id", "revrec_events", ["obligation_id"])


def downgrade() -> None:
    op.drop_index("ix_revrec_events_obligation_id", table_name="revrec_events")
    op.drop_table("revrec_events")
    op.drop_index("ix_revrec_obligations_contract_id", table_name="revrec_obligations")
    op.drop_table("revrec_obligations")
    op.drop_index("ix_revrec_modifications_contract_id", table_name="revrec_modifications")
    op.drop_table("revrec_modifications")
    op.drop_index("ix_revrec_contracts_tenant_id", table_name="revrec_contracts")
    op.drop_table("revrec_contracts")
