"""Store tables of contracts entered by finance for revenue recognition (ASC 606 / IFRS 15).

A contract row carries the transaction price inputs (fixed consideration, fixed discount,
variable consideration scenarios and the constraint); its performance obligations are
rows of `revrec_obligations`, the milestones and progress measurements of those
obligations rows of `revrec_events`, and every modification a row of
`revrec_modifications` (the obligations it adds point back to it). Nothing is ever
overwritten: the recognition schedule is recomputed by replaying the contract and its
modifications in order (see revlake.finance.recognition), so earlier figures stay
reproducible. Amounts are exact `Numeric`, read back as `Decimal`.

The schema is created by migration 0002_revrec_contracts; these classes must describe
the same tables (tests/store/test_migrations.py compares them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from revlake.store.models import Base
from revlake.store.types import UTCDateTime

MONEY = Numeric(20, 4)
"""Amounts: up to 16 integer digits and 4 decimals (enough for every ISO 4217 minor unit)."""
PERCENT = Numeric(9, 6)
"""Percentages such as 37.5 (progress measured, milestone weights)."""


class RevrecContract(Base):
    """A customer contract entered by finance, with its transaction price inputs."""

    __tablename__ = "revrec_contracts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "reference", name="uq_revrec_contracts_tenant_reference"),
        UniqueConstraint("tenant_id", "number", name="uq_revrec_contracts_tenant_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    # the contract's id as the tenant sees it: 1, 2, 3 … within the tenant (migration 0005)
    number: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    customer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    start_date: Mapped[date] = mapped_column(Date())
    end_date: Mapped[date] = mapped_column(Date())
    fixed_consideration: Mapped[Decimal] = mapped_column(MONEY)
    fixed_discount: Mapped[Decimal] = mapped_column(MONEY)
    variable_method: Mapped[str | None] = mapped_column(String(20), nullable=True)
    variable_scenarios: Mapped[list[Any]] = mapped_column(JSON())
    variable_constraint: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    discount_to: Mapped[list[Any]] = mapped_column(JSON())
    description: Mapped[str | None] = mapped_column(Text(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class RevrecModification(Base):
    """A contract modification accounted for prospectively from `effective_date`.

    `changes` holds the rest of the modification document (obligations whose period
    is extended or shortened, obligations ended); added obligations are rows of
    `revrec_obligations` pointing here.
    """

    __tablename__ = "revrec_modifications"
    __table_args__ = (
        UniqueConstraint("contract_id", "sequence", name="uq_revrec_modifications_sequence"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("revrec_contracts.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    effective_date: Mapped[date] = mapped_column(Date())
    added_consideration: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str | None] = mapped_column(Text(), nullable=True)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))


class RevrecObligation(Base):
    """A performance obligation: its SSP and how it is satisfied (the pattern)."""

    __tablename__ = "revrec_obligations"
    __table_args__ = (UniqueConstraint("contract_id", "name", name="uq_revrec_obligations_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("revrec_contracts.id"), index=True)
    modification_id: Mapped[int | None] = mapped_column(
        ForeignKey("revrec_modifications.id"), nullable=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    ssp: Mapped[Decimal] = mapped_column(MONEY)
    pattern: Mapped[str] = mapped_column(String(20))
    start_date: Mapped[date | None] = mapped_column(Date(), nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date(), nullable=True)
    satisfied_on: Mapped[date | None] = mapped_column(Date(), nullable=True)


class RevrecEvent(Base):
    """A milestone (weight in % of the obligation) or a progress measurement (% complete)."""

    __tablename__ = "revrec_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("revrec_obligations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date] = mapped_column(Date())
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    percent: Mapped[Decimal] = mapped_column(PERCENT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
