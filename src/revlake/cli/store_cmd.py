"""`revlake tenants|keys|users|audit`: manage the operational store from the shell.

Thin layer: each command opens the workspace's store and calls one function of
revlake.store, which does the write and its audit entry in one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Column, Table

from revlake.cli.common import WorkspaceOption, console, err_console, open_workspace
from revlake.errors import InputError, RevlakeError
from revlake.workspace import Workspace

if TYPE_CHECKING:
    from revlake.store.db import Store

# revlake.store (SQLAlchemy, Alembic) is imported inside the commands, so that other
# commands do not pay for loading it.
_ROLES = "admin, executive, revops, sales, marketing, finance"  # = revlake.store.roles.Role

tenants_app = typer.Typer(help="Tenants: companies whose data revlake keeps apart.")
keys_app = typer.Typer(help="API keys: each bound to one tenant and one role.")
users_app = typer.Typer(help="Users of a tenant and their roles.")
audit_app = typer.Typer(help="The tamper-evident audit log of every store write.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
RoleOption = Annotated[str, typer.Option("--role", "-r", help=f"Role: {_ROLES}.")]
RequiredTenant = Annotated[str, typer.Option("--tenant", "-t", help="Tenant id.")]


def cli_actor() -> str:
    """Who the audit log names for a command run from a shell."""
    from revlake.store.actors import os_actor

    return os_actor()


@contextmanager
def _store(workspace: Workspace) -> Iterator[Store]:
    from revlake.store.workspace_store import open_store

    store = open_store(workspace)
    try:
        yield store
    finally:
        store.dispose()


def _iso(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


# --- tenants -------------------------------------------------------------------------


@tenants_app.command("add")
def tenants_add(
    tenant_id: Annotated[str, typer.Argument(metavar="ID", help="New tenant id, e.g. acme.")],
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Add a tenant to the store (audited) and to revlake.toml, and create its folders."""
    from revlake.store import tenants
    from revlake.store.workspace_store import append_tenant_to_config

    opened = open_workspace(workspace)
    tenant_id = tenants.validate_tenant_id(tenant_id)
    display = name if name is not None else tenant_id.replace("-", " ").replace("_", " ").title()
    with opened.write_lock("tenants add"), _store(opened) as store:
        with store.write() as session:
            tenants.add_tenant(session, tenant_id, display, actor=cli_actor())
            # Inside the transaction: if revlake.toml cannot be written, nothing is stored.
            append_tenant_to_config(opened.root, tenant_id, display)
        reopened = Workspace.open(opened.root)
        reopened.ensure_tenant_dirs(tenant_id)
    console.print(f"Added tenant [bold]{tenant_id}[/] ({display})")
    console.print(f"  drop its exports into {reopened.landing_dir(tenant_id)}")


@tenants_app.command("list")
def tenants_list(workspace: WorkspaceOption = Path("."), as_json: JsonOption = False) -> None:
    """List tenants of the store and of revlake.toml (a config-only one has no keys yet)."""
    from revlake.store import tenants

    opened = open_workspace(workspace)
    with _store(opened) as store, store.read() as session:
        stored = {t.id: t for t in tenants.list_tenants(session)}
    configured = {t.id: t for t in opened.settings.tenants}
    rows: list[dict[str, Any]] = []
    for tenant_id in sorted(stored.keys() | configured.keys()):
        row = stored.get(tenant_id)
        conf = configured.get(tenant_id)
        rows.append(
            {
                "id": tenant_id,
                "name": row.name if row else (conf.name if conf else ""),
                "in_store": row is not None,
                "in_config": conf is not None,
                "created_at": _iso(row.created_at) if row else None,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("id", "name", "in store", "in revlake.toml", "created (UTC)")
    for r in rows:
        table.add_row(
            r["id"],
            r["name"],
            "yes" if r["in_store"] else "no",
            "yes" if r["in_config"] else "no",
            r["created_at"] or "",
        )
    console.print(table)


# --- keys ----------------------------------------------------------------------------


@keys_app.command("create")
def keys_create(
    tenant: RequiredTenant,
    role: RoleOption,
    name: Annotated[str, typer.Option("--name", help="A label, e.g. who uses it.")] = "",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Create an API key; it is printed once (stdout) and only its hash is kept."""
    from revlake.store import keys, tenants

    opened = open_workspace(workspace)
    opened.tenant(tenant)  # must be a tenant of this workspace
    with _store(opened) as store, store.write() as session:
        tenants.sync_tenants(session, opened.settings.tenants, actor="revlake.toml")
        created = keys.create_key(
            session, tenant_id=tenant, role=role, actor=cli_actor(), name=name
        )
    err_console.print(
        f"Created API key [bold]{created.key_id}[/] for tenant {created.tenant_id}, role "
        f"{created.role.value}. Store it now: it is shown only once.",
        highlight=False,
    )
    typer.echo(created.key)


@keys_app.command("list")
def keys_list(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant.")] = None,
    active: Annotated[bool, typer.Option("--active", help="Hide revoked keys.")] = False,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """List API keys (ids, tenants, roles; never secrets)."""
    from revlake.store import keys

    opened = open_workspace(workspace)
    with _store(opened) as store, store.read() as session:
        rows = [
            {
                "key_id": k.id,
                "tenant": k.tenant_id,
                "role": k.role,
                "name": k.name,
                "created_at": _iso(k.created_at),
                "created_by": k.created_by,
                "revoked_at": _iso(k.revoked_at) or None,
            }
            for k in keys.list_keys(session, tenant_id=tenant, include_revoked=not active)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("tenant", "role", "name", "created (UTC)", "by", "revoked (UTC)")
    table.columns.insert(0, Column("key id", no_wrap=True, min_width=12))
    for r in rows:
        table.add_row(
            r["key_id"],
            r["tenant"],
            r["role"],
            r["name"],
            r["created_at"],
            r["created_by"],
            r["revoked_at"] or "",
        )
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="Id shown by `keys list`.")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Revoke an API key: it stops working on the next request."""
    from revlake.store import keys

    opened = open_workspace(workspace)
    with _store(opened) as store, store.write() as session:
        row = keys.revoke_key(session, key_id, actor=cli_actor())
    console.print(f"Revoked API key [bold]{row.id}[/] (tenant {row.tenant_id})")


@keys_app.command("set-role")
def keys_set_role(
    key_id: Annotated[str, typer.Argument(metavar="KEY_ID", help="Id shown by `keys list`.")],
    role: Annotated[str, typer.Argument(metavar="ROLE", help="The new role.")],
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Change the role of an API key."""
    from revlake.store import keys

    opened = open_workspace(workspace)
    with _store(opened) as store, store.write() as session:
        row = keys.set_key_role(session, key_id, role, actor=cli_actor())
    console.print(f"API key [bold]{row.id}[/] now has role {row.role}")


# --- users ---------------------------------------------------------------------------


@users_app.command("add")
def users_add(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    tenant: RequiredTenant,
    role: RoleOption,
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Add a user to a tenant with a role."""
    from revlake.store import tenants, users

    opened = open_workspace(workspace)
    opened.tenant(tenant)
    with _store(opened) as store, store.write() as session:
        tenants.sync_tenants(session, opened.settings.tenants, actor="revlake.toml")
        user = users.add_user(
            session, tenant_id=tenant, email=email, role=role, actor=cli_actor(), name=name
        )
    console.print(f"Added user [bold]{user.email}[/] to tenant {tenant} as {user.role}")


@users_app.command("list")
def users_list(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant.")] = None,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """List users and their roles."""
    from revlake.store import users

    opened = open_workspace(workspace)
    with _store(opened) as store, store.read() as session:
        rows = [
            {"tenant": u.tenant_id, "email": u.email, "name": u.name, "role": u.role}
            for u in users.list_users(session, tenant_id=tenant)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("tenant", "email", "name", "role")
    for r in rows:
        table.add_row(r["tenant"], r["email"], r["name"], r["role"])
    console.print(table)


@users_app.command("set-role")
def users_set_role(
    email: Annotated[str, typer.Argument(metavar="EMAIL")],
    role: Annotated[str, typer.Argument(metavar="ROLE", help="The new role.")],
    tenant: RequiredTenant,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Change a user's role."""
    from revlake.store import users

    opened = open_workspace(workspace)
    with _store(opened) as store, store.write() as session:
        user = users.set_user_role(
            session, tenant_id=tenant, email=email, role=role, actor=cli_actor()
        )
    console.print(f"User [bold]{user.email}[/] now has role {user.role}")


# --- audit ---------------------------------------------------------------------------

_ANCHOR = re.compile(r"^(\d+):([0-9a-f]{64})$")


def _parse_anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    match = _ANCHOR.match(value.strip())
    if match is None:
        raise InputError(f"--anchor {value!r}: expected SEQ:HASH (as printed by audit verify)")
    return int(match.group(1)), match.group(2)


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="SEQ:HASH printed by an earlier verify; also fails if history up to it changed.",
        ),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A file written by `audit anchor --out` (repeatable); checked like --anchor.",
        ),
    ] = None,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Recompute the audit chain and check the key, role and tenant tables against it.

    Also checks every checkpoint `revlake audit anchor` recorded in the workspace. Exit 1
    naming the first broken entry, or each row that differs from the chain.
    """
    from revlake.store import anchors, audit

    opened = open_workspace(workspace)
    parsed = _parse_anchor(anchor)
    secret = anchors.audit_secret(opened.root)
    recorded = anchors.load_checkpoints(opened.root, secret, list(checkpoint or []))
    with _store(opened) as store, store.read() as session:
        report = audit.verify_chain(
            session, anchor=parsed, anchors=[(c.seq, c.hash) for c in recorded]
        )
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        if not report.ok:
            raise typer.Exit(1)
        return
    if report.broken is not None:
        raise RevlakeError(
            f"audit chain broken at entry seq {report.broken.seq}: {report.broken.reason}"
        )
    if report.table_problems:
        raise RevlakeError(
            "the audit chain is intact, but the live tables differ from it:\n  "
            + "\n  ".join(report.table_problems)
        )
    typer.echo(
        f"audit chain intact: {report.entries} entries; head {report.head_seq}:{report.head_hash}"
    )
    err_console.print(
        f"{len(recorded)} checkpoint(s) matched; tenant, key and user tables agree with the chain",
        highlight=False,
    )


@audit_app.command("anchor")
def audit_anchor(
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the checkpoint to this file (keep it elsewhere)."),
    ] = None,
    workspace: WorkspaceOption = Path("."),
) -> None:
    """Print a signed checkpoint of the chain head and record it for later verifies."""
    from revlake.store import anchors

    opened = open_workspace(workspace)
    secret = anchors.audit_secret(opened.root)
    with _store(opened) as store, store.read() as session:
        checkpoint = anchors.head_checkpoint(session, secret)
    anchors.record_checkpoint(opened.root, checkpoint)
    if out is not None:
        out.write_text(checkpoint.line() + "\n", encoding="utf-8")
    typer.echo(checkpoint.line())


@audit_app.command("log")
def audit_log(
    tenant: Annotated[str | None, typer.Option("--tenant", "-t", help="Only this tenant.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many entries.")] = 50,
    workspace: WorkspaceOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Show the newest audit entries (who did what, when, with field-level changes)."""
    from revlake.store import audit

    opened = open_workspace(workspace)
    with _store(opened) as store, store.read() as session:
        entries = audit.list_entries(session, tenant_id=tenant, limit=limit)
        rows: list[dict[str, Any]] = [
            {
                "seq": e.seq,
                "at": e.at.isoformat() if e.at is not None else None,
                "actor": e.actor,
                "tenant": e.tenant_id,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "changes": e.changes_value,
                "hash": e.hash,
                "problem": e.problem,
            }
            for e in entries
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(
        Column("seq", no_wrap=True),
        Column("at (UTC)", no_wrap=True),
        "actor",
        "tenant",
        Column("action", no_wrap=True),
        "entity",
        "changes",
    )
    for r in rows:
        changes = r["problem"] or "; ".join(
            f"{field}: {json.dumps(c.get('before'))} → {json.dumps(c.get('after'))}"
            for field, c in r["changes"].items()
            if isinstance(c, dict)
        )
        table.add_row(
            str(r["seq"]),
            (r["at"] or "?")[:19],
            r["actor"],
            r["tenant"] or "",
            r["action"],
            f"{r['entity']}:{r['entity_id']}",
            changes,
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(tenants_app, name="tenants")
    app.add_typer(keys_app, name="keys")
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
