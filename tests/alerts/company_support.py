"""Set-up shared by the alert tests on real builds: settings pointing at local receivers,
and publishing an edited copy of the build (a private copy of a workspace is
`tests.company_support.copy_workspace`)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from revlake.alert_settings import AlertSettings
from revlake.reader import open_published, published_path
from revlake.store.publish import publish_audited
from revlake.transform import snapshots
from revlake.workspace import Workspace

FAST = {"backoff_seconds": 0.01, "backoff_max_seconds": 0.05, "timeout_seconds": 10}


def alert_settings(rules: list[dict[str, Any]], **channels: Any) -> AlertSettings:
    return AlertSettings.model_validate({"rules": rules, **channels})


def scalar_rows(workspace: Workspace, tenant: str, sql: str) -> list[Any]:
    """The first column of `sql` on the published build (an independent read of gold)."""
    with open_published(workspace, tenant) as build:
        return [next(iter(r.values())) for r in build.rows(sql)]


def publish_edited(
    workspace: Workspace, tenant: str, edit: Callable[[duckdb.DuckDBPyConnection], None]
) -> Path:
    """Publish a copy of the current build with `edit` applied (the next publish)."""
    current = published_path(workspace, tenant)
    target = snapshots.new_snapshot_path(current.parent)
    shutil.copyfile(current, target)
    con = duckdb.connect(str(target))
    try:
        edit(con)
        con.execute("checkpoint")
    finally:
        con.close()
    publish_audited(workspace, tenant, target, command="tests: edited build")
    return target


def served_alerts(workspace: Workspace, tenant: str, hook_url: str) -> None:
    """Evaluate deal-risk, churn and MRR rules on the served build (idempotent: a second
    call raises and sends nothing), delivering to `hook_url`."""
    from revlake.alerts import evaluate_tenant

    settings = alert_settings(
        [
            {"id": "risky-deals", "kind": "deal_risk"},
            {"id": "churn-50", "kind": "churn_risk", "threshold": 0.5},
            {"id": "mrr-at-risk", "kind": "mrr_at_risk", "amount": 1000},
        ],
        webhook={"url": hook_url, **FAST},
    )
    evaluate_tenant(workspace, tenant, settings=settings, sleep=lambda _s: None)
