"""SQLAlchemy models of the operational store: tenants, users, API keys, runs, audit log.

The schema itself is created by the Alembic migrations in `migrations/versions`; these
classes must describe the same tables (a test compares them with Alembic's autogenerate).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from revlake.store.types import UTCDateTime

GENESIS_HASH = "0" * 64  # prev_hash of the first audit entry


class Base(DeclarativeBase):
    """Declarative base of every store table."""


class Tenant(Base):
    """A company whose data revlake keeps apart; mirrors a [[tenants]] entry of revlake.toml."""

    __tablename__ = "tenants"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class User(Base):
    """A person of one tenant with one role (API keys may act for them later)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email", name="uq_users_tenant_email"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """An API key bound to one tenant and one role; only a scrypt hash of it is kept.

    `id` is the short random lookup prefix that is also part of the key itself
    (`rvl_<id>_<secret>`), so verification reads one row by primary key.
    """

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PipelineRun(Base):
    """One run of a pipeline step (ingest, build, score, ...) for one tenant."""

    __tablename__ = "pipeline_runs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number", name="uq_pipeline_runs_tenant_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … within the tenant (0005)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    snapshot: Mapped[str | None] = mapped_column(String(255), nullable=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON())
    error: Mapped[str | None] = mapped_column(Text(), nullable=True)


class AuditEntry(Base):
    """One link of the tamper-evident audit chain; rows are only ever inserted.

    `changes` holds canonical JSON text (`{field: {"before": x, "after": y}}`), and
    `hash = sha256(prev_hash || canonical JSON of the entry's content)`; see audit.py.
    No foreign key on tenant_id: the log records events about tenants, it does not
    depend on them.
    """

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    tenant_id: Mapped[str | None] = mapped_column(String(63), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(80))
    entity: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(255))
    changes: Mapped[str] = mapped_column(Text())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The single row (id = 1) naming the last audit entry.

    Appenders lock it (`SELECT ... FOR UPDATE` on PostgreSQL) so that two writers can never
    both extend the same entry, and verification compares it with the last entry so that a
    truncated tail is noticed.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
