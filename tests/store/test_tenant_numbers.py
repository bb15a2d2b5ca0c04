"""Ids a tenant sees count within the tenant (issue 18: contract ids counted across tenants,
so a tenant could tell how many contracts others had). Notes, bank resolutions and runs
the same; SQLite and PostgreSQL."""

from __future__ import annotations

import json

from revlake.store.audit import list_entries
from revlake.store.bank_matches import ResolutionInput, add_resolution
from revlake.store.collections import NoteInput, add_note
from revlake.store.db import Store
from revlake.store.runs import start_run
from revlake.store.tenants import add_tenant


def test_numbers_count_per_tenant(store: Store) -> None:
    with store.write() as session:
        add_tenant(session, "acme", "Acme", actor="t")
        add_tenant(session, "globex", "Globex", actor="t")
    for _ in range(3):
        with store.write() as session:
            add_note(
                session,
                tenant_id="acme",
                note=NoteInput(invoice_id="in_1", status="contacted", text="called"),
                author="t",
            )
            add_resolution(
                session,
                tenant_id="acme",
                resolution=ResolutionInput(transaction_id="tx", action="dismiss", note="fee"),
                author="t",
            )
            start_run(session, tenant_id="acme", kind="run", actor="t")
    with store.write() as session:
        note = add_note(
            session,
            tenant_id="globex",
            note=NoteInput(invoice_id="in_9", status="contacted", text="called"),
            author="t",
        )
        resolution = add_resolution(
            session,
            tenant_id="globex",
            resolution=ResolutionInput(transaction_id="tx", action="dismiss", note="fee"),
            author="t",
        )
        run = start_run(session, tenant_id="globex", kind="run", actor="t")
        numbers = (note.number, resolution.number, run.number)
    assert numbers == (1, 1, 1)
    with store.read() as session:
        entries = list_entries(session, tenant_id="globex", limit=10)
    shown = {e.action: e for e in entries}
    assert shown["ar_note.created"].changes_value["note_id"]["after"] == 1
    assert shown["bank_match.resolved"].changes_value["resolution_id"]["after"] == 1
    assert shown["run.started"].entity_id == "1"
    assert all("3" not in json.dumps(e.changes_value.get("note_id", {})) for e in entries)
