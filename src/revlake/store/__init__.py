"""The operational store: tenants, users, API keys, pipeline runs and the audit chain.

SQLAlchemy 2 models with Alembic migrations shipped in this package; SQLite at
`<workspace>/revlake.db` by default, PostgreSQL when `database_url` says so. Every write
goes through a service function that appends an audit entry in the same transaction.
"""

from __future__ import annotations

from revlake.store.audit import (
    ChainBreak,
    ChainReport,
    append_audit,
    field_changes,
    list_entries,
    verify_chain,
)
from revlake.store.db import Store
from revlake.store.keys import (
    CreatedKey,
    InvalidApiKeyError,
    KeyCache,
    Principal,
    create_key,
    list_keys,
    revoke_key,
    set_key_role,
    verify_api_key,
)
from revlake.store.roles import ROLE_AREAS, Area, Role, areas_for, can_access, parse_role
from revlake.store.runs import RunStatus, finish_run, list_runs, record_publish, start_run
from revlake.store.tenants import add_tenant, get_tenant, list_tenants, sync_tenants
from revlake.store.users import add_user, list_users, set_user_role
from revlake.store.workspace_store import database_url, open_store

__all__ = [
    "ROLE_AREAS",
    "Area",
    "ChainBreak",
    "ChainReport",
    "CreatedKey",
    "InvalidApiKeyError",
    "KeyCache",
    "Principal",
    "Role",
    "RunStatus",
    "Store",
    "add_tenant",
    "add_user",
    "append_audit",
    "areas_for",
    "can_access",
    "create_key",
    "database_url",
    "field_changes",
    "finish_run",
    "get_tenant",
    "list_entries",
    "list_keys",
    "list_runs",
    "list_tenants",
    "list_users",
    "open_store",
    "parse_role",
    "record_publish",
    "revoke_key",
    "set_key_role",
    "set_user_role",
    "start_run",
    "sync_tenants",
    "verify_api_key",
    "verify_chain",
]
