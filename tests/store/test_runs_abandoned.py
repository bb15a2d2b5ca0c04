"""A run whose process was killed (kill -9) is marked `abandoned` with the evidence, by the
next run or `revlake runs`; a live run is left alone. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap

from revlake.store.audit import list_entries, verify_chain
from revlake.store.db import Store
from revlake.store.models import PipelineRun
from revlake.store.runs import RunStatus, abandon_dead_runs, start_run
from revlake.store.tenants import add_tenant

CHILD = textwrap.dedent(
    """
    import sys, time
    from revlake.store.db import Store
    from revlake.store.runs import start_run
    store = Store.connect(sys.argv[1])
    with store.write() as session:
        run = start_run(session, tenant_id="acme", kind="run", actor="child")
    print(run.id, flush=True)
    time.sleep(600)
    """
)


def test_killed_run_is_abandoned_with_evidence(store: Store, database_url: str) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        live = start_run(session, tenant_id="acme", kind="run", actor="t").id  # this process
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database_url], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    dead = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    with store.write() as session:
        marked = abandon_dead_runs(session, tenant_id="acme", actor="revlake runs")
    assert [r.id for r in marked] == [dead]
    with store.read() as session:
        run = session.get(PipelineRun, dead)
        assert run is not None and run.status == RunStatus.ABANDONED.value
        assert f"pid {child.pid} on {socket.gethostname()}" in (run.error or "")
        assert "no longer exists" in (run.error or "")
        assert run.finished_at is not None
        still = session.get(PipelineRun, live)
        assert still is not None and still.status == RunStatus.RUNNING.value
        entry = list_entries(session, limit=1)[0]
        assert entry.action == "run.abandoned" and entry.entity_id == str(dead)
        assert entry.changes_value["evidence"]["after"]["pid"] == child.pid
        assert verify_chain(session).ok
    with store.write() as session:  # a second look finds nothing more
        assert abandon_dead_runs(session, tenant_id="acme", actor="t") == []


def test_reused_pid_counts_as_dead(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        run = start_run(session, tenant_id="acme", kind="run", actor="t")
        # this test's own process: alive and older than the run, so the run is alive
        run.summary = {"runner": {"pid": os.getpid(), "host": socket.gethostname()}}
    with store.write() as session:
        assert abandon_dead_runs(session, tenant_id="acme", actor="t") == []
    # a run that started before this process did: its pid now belongs to a newer process
    with store.engine.begin() as connection:
        from sqlalchemy import text

        connection.execute(
            text("update pipeline_runs set started_at = :t"),
            {"t": "1971-01-01 00:00:00" if store.dialect == "sqlite" else "1971-01-01 00:00:00+00"},
        )
    with store.write() as session:
        marked = abandon_dead_runs(session, tenant_id="acme", actor="t")
    assert len(marked) == 1 and "reused by a newer process" in (marked[0].error or "")
    assert json.dumps(marked[0].summary)
