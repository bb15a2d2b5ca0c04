"""Users of a tenant, each with one role; every change is audited."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from revlake.errors import InputError
from revlake.store.audit import append_audit, field_changes
from revlake.store.models import User
from revlake.store.roles import parse_role
from revlake.store.tenants import get_tenant
from revlake.store.types import utc_now

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _normalise_email(email: str) -> str:
    value = email.strip().lower()
    if not _EMAIL.match(value) or len(value) > 320:
        raise InputError(f"{email!r} is not an email address (expected name@example.com)")
    return value


def get_user(session: Session, tenant_id: str, email: str) -> User:
    """The user with this email in this tenant, or an InputError."""
    value = _normalise_email(email)
    user = session.execute(
        select(User).where(User.tenant_id == tenant_id, User.email == value)
    ).scalar_one_or_none()
    if user is None:
        raise InputError(f"no user {value!r} in tenant {tenant_id!r}")
    return user


def list_users(session: Session, *, tenant_id: str | None = None) -> list[User]:
    """Users by tenant and email."""
    statement = select(User).order_by(User.tenant_id, User.email)
    if tenant_id is not None:
        statement = statement.where(User.tenant_id == tenant_id)
    return list(session.execute(statement).scalars())


def add_user(
    session: Session, *, tenant_id: str, email: str, role: str, actor: str, name: str = ""
) -> User:
    """Add a user to a tenant (audited as `user.created`)."""
    get_tenant(session, tenant_id)
    value = _normalise_email(email)
    parsed_role = parse_role(role).value
    exists = session.execute(
        select(User.id).where(User.tenant_id == tenant_id, User.email == value)
    ).first()
    if exists is not None:
        raise InputError(f"user {value!r} already exists in tenant {tenant_id!r}")
    user = User(tenant_id=tenant_id, email=value, name=name, role=parsed_role, created_at=utc_now())
    session.add(user)
    session.flush()
    append_audit(
        session,
        actor=actor,
        action="user.created",
        entity="user",
        entity_id=str(user.id),
        tenant_id=tenant_id,
        changes=field_changes(None, {"email": value, "name": name, "role": parsed_role}),
    )
    return user


def set_user_role(session: Session, *, tenant_id: str, email: str, role: str, actor: str) -> User:
    """Change a user's role (audited as `user.role_changed`)."""
    user = get_user(session, tenant_id, email)
    new_role = parse_role(role).value
    changes = field_changes({"role": user.role}, {"role": new_role})
    if changes:
        user.role = new_role
        session.flush()
        append_audit(
            session,
            actor=actor,
            action="user.role_changed",
            entity="user",
            entity_id=str(user.id),
            tenant_id=tenant_id,
            changes=changes,
        )
    return user
