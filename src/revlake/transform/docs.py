"""`revlake docs`: dbt's documentation and lineage site for a tenant's published build.

dbt compiles the project against the published snapshot (opened read-only, bronze
attached read-only) and writes a single self-contained HTML page (`--static`), which is
copied to `tenants/<tenant>/docs/index.html`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from revlake.errors import RevlakeError
from revlake.reader import published_path
from revlake.transform.build import dbt_work_dir, tenant_dbt_vars
from revlake.transform.profile import duckdb_profile, write_profiles
from revlake.transform.project import PROJECT_DIR
from revlake.transform.runner import invoke_dbt, require_started
from revlake.workspace import Workspace


def docs_dir(workspace: Workspace, tenant_id: str) -> Path:
    """Where the tenant's documentation site is written."""
    return workspace.tenant_dir(tenant_id) / "docs"


def generate_docs(
    workspace: Workspace,
    tenant_id: str,
    *,
    out_dir: Path | None = None,
    extra_vars: dict[str, Any] | None = None,
    wait_s: float = 0.0,
) -> Path:
    """Build the lineage site of the tenant's published build; returns the index.html path.

    Holds the workspace write lock: dbt writes its work folder and reads bronze.
    """
    tenant_id = workspace.tenant(tenant_id).id
    with workspace.write_lock(f"revlake docs --tenant {tenant_id}", timeout_s=wait_s):
        return _generate_locked(workspace, tenant_id, out_dir, extra_vars)


def _generate_locked(
    workspace: Workspace,
    tenant_id: str,
    out_dir: Path | None,
    extra_vars: dict[str, Any] | None,
) -> Path:
    current = published_path(workspace, tenant_id)
    work = dbt_work_dir(workspace, tenant_id)
    profiles_dir = work / "docs-profiles"
    profile = duckdb_profile(current, workspace.bronze_path(tenant_id), read_only=True)
    write_profiles(profiles_dir, profile)
    target = work / "docs-target"
    invocation = invoke_dbt(
        ["docs", "generate", "--static"],
        project_dir=PROJECT_DIR,
        profiles_dir=profiles_dir,
        target_path=target,
        log_path=work / "logs",
        dbt_vars=tenant_dbt_vars(workspace, workspace.bronze_path(tenant_id), extra_vars),
    )
    page = target / "static_index.html"
    if not invocation.success or not page.is_file():
        require_started(invocation, f"dbt docs generate for tenant {tenant_id!r}")
        raise RevlakeError(
            f"dbt docs generate failed for tenant {tenant_id!r}: "
            f"{invocation.error or 'see ' + str(work / 'logs' / 'dbt.log')}"
        )
    destination = out_dir or docs_dir(workspace, tenant_id)
    destination.mkdir(parents=True, exist_ok=True)
    index = destination / "index.html"
    shutil.copyfile(page, index)
    return index
