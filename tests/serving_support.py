"""A small served workspace shared by tests/api and tests/e2e, built once per session.

Tenant `demo` has a real published snapshot: a 150-customer synthetic company generated,
ingested and built with revlake's own pipeline (the session's `company_factory` build of
it, copied: the payables tests read the same build), with its win and churn models trained and
their gold tables (deal scores and explanations, forecast and close timing, churn and
LTV) published. Tenant `other` exists (in revlake.toml and
the store) but has no data: its keys must never see demo's. Keys of several roles are made
through the store's own service functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from revlake.ml.churn_service import score_churn_tenant, train_churn_tenant
from revlake.ml.forecast_service import forecast_tenant
from revlake.ml.service import score_tenant, train_tenant
from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.workspace import Workspace
from tests.company_support import BuiltCompany, add_tenants

TENANT = "demo"
OTHER = "other"
CUSTOMERS = 150
SEED = 5


@dataclass(frozen=True)
class ServedWorkspace:
    workspace: Workspace
    keys: dict[tuple[str, str], str]  # (tenant, role) → key

    def key(self, tenant: str = TENANT, role: str = "admin") -> str:
        return self.keys[(tenant, role)]


def served_workspace(built: BuiltCompany, root: Path) -> ServedWorkspace:
    """A copy at `root` of `built` (the factory's full build of this company) with tenant
    `other` added, scored and keyed (the root conftest's session fixture `served` calls
    it once)."""
    assert built.summary.published, [n.name for n in built.summary.failures]
    workspace = add_tenants(built.copy(root), OTHER)
    train_tenant(workspace, TENANT)
    score_tenant(workspace, TENANT)
    forecast_tenant(workspace, TENANT, publish=True)
    train_churn_tenant(workspace, TENANT)
    score_churn_tenant(workspace, TENANT)
    keys: dict[tuple[str, str], str] = {}
    store = open_store(workspace)
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="tests")
            for tenant, role in [
                (TENANT, "admin"),
                (TENANT, "marketing"),
                (TENANT, "sales"),
                (TENANT, "finance"),
                (OTHER, "admin"),
            ]:
                created = create_key(session, tenant_id=tenant, role=role, actor="tests")
                keys[(tenant, role)] = created.key
    finally:
        store.dispose()
    return ServedWorkspace(workspace=workspace, keys=keys)
