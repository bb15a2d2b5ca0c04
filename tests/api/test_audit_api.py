"""The audit trail of the served workspace: every publish is in it, the API serves the
signed head, and a malformed entry is reported by its seq instead of a 500."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import text

from revlake.api import create_app
from revlake.store.anchors import audit_secret, parse_checkpoint
from revlake.store.audit import list_entries
from revlake.store.db import Store
from revlake.store.workspace_store import open_store
from tests.api.conftest import bearer
from tests.serving_support import TENANT, ServedWorkspace
from tests.store.tamper import tampering


def test_every_publish_is_audited(served: ServedWorkspace) -> None:
    """The served workspace was built, scored, forecast (--publish) and churn-scored: four
    publishes, four `snapshot.published` entries (before the fix: none)."""
    store = open_store(served.workspace)
    try:
        with store.read() as session:
            entries = list_entries(session, tenant_id=TENANT, limit=500)
    finally:
        store.dispose()
    published = [e for e in reversed(entries) if e.action == "snapshot.published"]
    commands = [e.changes_value["command"]["after"] for e in published]
    assert [c.split(" --")[0] for c in commands[:4]] == [
        "revlake build",
        "revlake score",
        "revlake forecast",
        "revlake churn score",
    ]
    names = [e.entity_id for e in published]
    assert len(set(names)) == len(names)
    # each publish names the one before it
    for before, after in itertools.pairwise(published):
        assert after.changes_value["published"]["before"] == before.entity_id


def test_head_is_served_as_a_signed_checkpoint(served: ServedWorkspace, client: TestClient) -> None:
    response = client.get("/api/v1/audit/head", headers=bearer(served.key()))
    assert response.status_code == 200
    secret = audit_secret(served.workspace.root)
    checkpoint = parse_checkpoint(json.dumps(response.json()), secret, "api")
    verify = client.get("/api/v1/audit/verify", headers=bearer(served.key())).json()
    assert verify["ok"] is True and verify["table_problems"] == []
    assert checkpoint.seq <= verify["head_seq"]
    assert (
        client.get("/api/v1/audit/head", headers=bearer(served.key("demo", "sales"))).status_code
        == 403
    )


def test_malformed_entry_is_named_by_the_api_not_a_500(
    served: ServedWorkspace, tmp_path: Path
) -> None:
    copy = tmp_path / "revlake.db"
    shutil.copyfile(served.workspace.root / "revlake.db", copy)
    for suffix in ("-wal", "-shm"):
        source = served.workspace.root / f"revlake.db{suffix}"
        if source.exists():
            shutil.copyfile(source, tmp_path / f"revlake.db{suffix}")
    store = Store.connect(f"sqlite:///{copy}")
    with tampering(store) as connection:
        connection.execute(text("update audit_log set at = 'garbage' where seq = 2"))
    app = create_app(served.workspace, store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        verify = client.get("/api/v1/audit/verify", headers=bearer(served.key()))
        assert verify.status_code == 200
        assert verify.json()["ok"] is False and verify.json()["broken_seq"] == 2
        assert "'garbage' is not a timestamp" in verify.json()["reason"]
        listed = client.get("/api/v1/audit?limit=500", headers=bearer(served.key()))
        assert listed.status_code == 200
        bad = [i for i in listed.json()["items"] if i["problem"]]
        assert all(i["seq"] == 2 for i in bad)
    store.dispose()
