"""Tenants, users and pipeline runs: each write lands with its audit entry, or not at all."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

from revlake.config import TenantConfig
from revlake.errors import InputError
from revlake.store.audit import list_entries, verify_chain
from revlake.store.db import Store
from revlake.store.guards import UnauditedWriteError
from revlake.store.models import Tenant
from revlake.store.runs import RunStatus, finish_run, list_runs, record_publish, start_run
from revlake.store.tenants import add_tenant, list_tenants, rename_tenant, sync_tenants
from revlake.store.users import add_user, list_users, set_user_role


def _actions(store: Store) -> list[str]:
    with store.read() as session:
        return [e.action for e in reversed(list_entries(session, limit=1000))]


def test_tenant_creation_is_audited(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="cli:ann")
    with store.read() as session:
        assert [t.id for t in list_tenants(session)] == ["acme"]
        entry = list_entries(session)[0]
    assert (entry.actor, entry.tenant_id, entry.action, entry.entity_id) == (
        "cli:ann",
        "acme",
        "tenant.created",
        "acme",
    )
    assert json.loads(entry.changes) == {
        "id": {"before": None, "after": "acme"},
        "name": {"before": None, "after": "Acme"},
    }


def test_duplicate_or_invalid_tenant_is_refused(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
    with store.write() as session, pytest.raises(InputError, match="already exists"):
        add_tenant(session, "acme", "Again", actor="t")
    with store.write() as session, pytest.raises(InputError, match="lowercase letter"):
        add_tenant(session, "Bad Id", "x", actor="t")
    assert _actions(store) == ["tenant.created"]


def test_rename_records_before_and_after(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
    with store.write() as session:
        rename_tenant(session, "acme", "Acme Corp", actor="t")
        rename_tenant(session, "acme", "Acme Corp", actor="t")  # no change, no entry
    with store.read() as session:
        entry = list_entries(session)[0]
    assert json.loads(entry.changes) == {"name": {"before": "Acme", "after": "Acme Corp"}}
    assert _actions(store) == ["tenant.created", "tenant.updated"]


def test_sync_registers_config_tenants_once(store: Store) -> None:
    configured = [TenantConfig(id="demo", name="Demo"), TenantConfig(id="acme", name="Acme")]
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        assert sync_tenants(session, configured, actor="revlake.toml") == ["demo"]
        assert sync_tenants(session, configured, actor="revlake.toml") == []
    with store.read() as session:
        assert list_entries(session)[0].actor == "revlake.toml"


def test_write_without_audit_entry_is_refused_and_rolled_back(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
    with pytest.raises(UnauditedWriteError), store.write() as session:
        session.add(Tenant(id="sneaky", name="x", created_at=list_tenants(session)[0].created_at))
    with pytest.raises(UnauditedWriteError), store.write() as session:
        session.execute(update(Tenant).values(name="renamed silently"))
    with store.read() as session:
        assert [(t.id, t.name) for t in list_tenants(session)] == [("acme", "Acme")]


def test_users_and_role_changes_are_audited(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        add_user(session, tenant_id="acme", email="Ann@Example.com", role="sales", actor="t")
    with store.write() as session:
        set_user_role(session, tenant_id="acme", email="ann@example.com", role="finance", actor="t")
    with store.write() as session, pytest.raises(InputError, match="already exists"):
        add_user(session, tenant_id="acme", email="ann@example.com", role="sales", actor="t")
    with store.write() as session, pytest.raises(InputError, match="not an email"):
        add_user(session, tenant_id="acme", email="nobody", role="sales", actor="t")
    with store.read() as session:
        assert [(u.email, u.role) for u in list_users(session)] == [("ann@example.com", "finance")]
        entry = list_entries(session)[0]
        assert json.loads(entry.changes) == {"role": {"before": "sales", "after": "finance"}}
    assert _actions(store) == ["tenant.created", "user.created", "user.role_changed"]


def test_pipeline_runs_and_publishes_are_recorded(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        run = start_run(session, tenant_id="acme", kind="build", actor="cli:ann")
        run_id = run.id
    with store.write() as session:
        finish_run(
            session,
            run_id,
            status=RunStatus.SUCCEEDED,
            actor="cli:ann",
            summary={"tests": {"passed": 12, "failed": 0}, "rejects": 3},
            snapshot="20261121T083000Z",
        )
        record_publish(
            session, tenant_id="acme", snapshot="20261121T083000Z", actor="cli:ann", run_id=run_id
        )
    with store.write() as session, pytest.raises(InputError, match="already finished"):
        finish_run(session, run_id, status=RunStatus.FAILED, actor="t")
    with store.read() as session:
        runs = list_runs(session, tenant_id="acme")
        assert [(r.status, r.snapshot) for r in runs] == [("succeeded", "20261121T083000Z")]
        assert runs[0].summary == {"tests": {"passed": 12, "failed": 0}, "rejects": 3}
        assert runs[0].finished_at is not None and runs[0].finished_at >= runs[0].started_at
        publish = list_entries(session)[0]
        assert json.loads(publish.changes) == {
            "published": {"before": None, "after": "20261121T083000Z"},
            "run_id": {"before": None, "after": run_id},
        }
        assert verify_chain(session).ok
    assert _actions(store)[1:] == ["run.started", "run.finished", "snapshot.published"]
