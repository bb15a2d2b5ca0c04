"""The gold build of the shared datasets (the `gold_build` fixture: synthetic company,
MavenTech, HubSpot and the DWH CRM/ERP extracts in one tenant) served as tenant `erp`.

No second dbt build: the build's DuckDB file is copied into a fresh workspace's
snapshots folder and published, and keys of several roles are made with the store's own
service functions, so that the API and the dashboard read it as they read any tenant.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from revlake.store.keys import create_key
from revlake.store.tenants import sync_tenants
from revlake.store.workspace_store import open_store
from revlake.transform.snapshots import new_snapshot_path, publish
from revlake.workspace import Workspace, init_workspace

ERP_TENANT = "erp"
ROLES = ("admin", "sales", "marketing", "finance")


@dataclass(frozen=True)
class ErpServed:
    workspace: Workspace
    keys: dict[str, str]  # role → key


def serve_gold_build(database: Path, root: Path, *, orders_only: bool = False) -> ErpServed:
    """A workspace at `root` whose tenant `erp` has `database` published as its build.

    `orders_only`: the copy loses its monthly subscription KPIs (`kpi_revenue_monthly`
    emptied), as the build of a tenant whose only exports are an ERP's has none.
    """
    workspace = init_workspace(root, [ERP_TENANT])
    target = new_snapshot_path(workspace.snapshots_dir(ERP_TENANT))
    shutil.copyfile(database, target)
    if orders_only:
        con = duckdb.connect(str(target))
        try:
            con.execute("delete from gold.kpi_revenue_monthly")
        finally:
            con.close()
    publish(target)
    keys: dict[str, str] = {}
    store = open_store(workspace)
    try:
        with store.write() as session:
            sync_tenants(session, workspace.settings.tenants, actor="tests")
            for role in ROLES:
                keys[role] = create_key(session, tenant_id=ERP_TENANT, role=role, actor="tests").key
    finally:
        store.dispose()
    return ErpServed(workspace, keys)
