"""Tenants in the operational store; every change is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from revlake.config import TenantConfig
from revlake.errors import InputError
from revlake.store.audit import append_audit, field_changes
from revlake.store.models import Tenant
from revlake.store.types import utc_now


def validate_tenant_id(tenant_id: str) -> str:
    """The id if it is a valid tenant id, else an InputError saying what is allowed."""
    try:
        return TenantConfig(id=tenant_id).id
    except ValidationError as exc:
        message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
        raise InputError(f"tenant id {tenant_id!r}: {message}") from None


def get_tenant(session: Session, tenant_id: str) -> Tenant:
    """The tenant with this id, or an InputError listing the tenants in the store."""
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        known = ", ".join(t.id for t in list_tenants(session)) or "(none)"
        raise InputError(f"unknown tenant {tenant_id!r}; tenants in the store: {known}")
    return tenant


def next_tenant_number(session: Session, model: type[Any], tenant_id: str) -> int:
    """The next per-tenant `number` of `model`'s rows (1, 2, 3 … within the tenant).

    Rows a tenant sees by id are numbered per tenant, so their ids tell nothing about
    other tenants. The tenant row is locked first (`SELECT … FOR UPDATE` on PostgreSQL;
    SQLite's write transaction holds the database lock already), so two writers of the same
    tenant queue; the unique (tenant_id, number) constraint is the last line of defence.
    """
    session.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    last: int | None = session.execute(
        select(func.max(model.number)).where(model.tenant_id == tenant_id)
    ).scalar_one()
    return int(last or 0) + 1


def list_tenants(session: Session) -> list[Tenant]:
    """Every tenant, by id."""
    return list(session.execute(select(Tenant).order_by(Tenant.id)).scalars())


def add_tenant(session: Session, tenant_id: str, name: str, *, actor: str) -> Tenant:
    """Create a tenant (audited as `tenant.created`); an existing id is an InputError."""
    tenant_id = validate_tenant_id(tenant_id)
    if session.get(Tenant, tenant_id) is not None:
        raise InputError(f"tenant {tenant_id!r} already exists")
    tenant = Tenant(id=tenant_id, name=name, created_at=utc_now())
    session.add(tenant)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="tenant.created",
        entity="tenant",
        entity_id=tenant_id,
        tenant_id=tenant_id,
        changes=field_changes(None, {"id": tenant_id, "name": name}),
    )
    return tenant


def rename_tenant(session: Session, tenant_id: str, name: str, *, actor: str) -> Tenant:
    """Change a tenant's display name (audited as `tenant.updated`)."""
    tenant = get_tenant(session, tenant_id)
    changes = field_changes({"name": tenant.name}, {"name": name})
    if changes:
        tenant.name = name
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="tenant.updated",
            entity="tenant",
            entity_id=tenant_id,
            tenant_id=tenant_id,
            changes=changes,
        )
    return tenant


def sync_tenants(session: Session, tenants: Iterable[TenantConfig], *, actor: str) -> list[str]:
    """Register the revlake.toml tenants the store does not know yet; return their ids.

    A workspace made by `revlake init` lists its tenants in revlake.toml only; the store
    learns them here (each one audited as created by `actor`) before keys are made.
    """
    added: list[str] = []
    for config in tenants:
        if session.get(Tenant, config.id) is None:
            add_tenant(session, config.id, config.name, actor=actor)
            added.append(config.id)
    return added
