"""Receivables library rules (aging, conversion, note validation) and collection notes in
the operational store, and the `revlake ar` commands on the built synthetic company."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from revlake.errors import InputError, RevlakeError
from revlake.finance import receivables as ar
from revlake.queries.ar import aging_report_dict
from revlake.reader import open_build
from revlake.store.collections import NoteInput, add_note, list_notes, validate_note
from revlake.store.db import Store
from revlake.store.models import AuditEntry
from revlake.store.tenants import add_tenant
from revlake.store.workspace_store import open_store
from tests.company_support import CompanyFactory
from tests.finance.ar_support import TENANT, ArCompany, ar_company


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, "current"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "91-120"),
        (120, "91-120"),
        (121, "120+"),
        (5000, "120+"),
    ],
)
def test_aging_bucket_edges(days: int, bucket: str) -> None:
    assert ar.aging_bucket(days) == bucket


def test_days_past_due_and_bad_input() -> None:
    due = dt.date(2025, 1, 31)
    assert ar.days_past_due(due, dt.date(2025, 1, 31)) == 0  # due today: current
    assert ar.days_past_due(due, dt.date(2025, 2, 1)) == 1
    assert ar.days_past_due(due, dt.date(2025, 1, 1)) == 0
    assert ar.days_past_due(None, dt.date(2025, 1, 1)) == 0
    with pytest.raises(ValueError, match="negative"):
        ar.aging_bucket(-1)


def test_convert_rounds_half_away_from_zero() -> None:
    assert ar.convert(Decimal("100.00"), Decimal("1.100050"), Decimal(1)) == Decimal("110.01")
    assert ar.convert(Decimal("-100.00"), Decimal("1.100050"), Decimal(1)) == Decimal("-110.01")
    # USD into EUR at 1.25 USD per EUR
    assert ar.convert(Decimal("100.00"), Decimal(1), Decimal("1.25")) == Decimal("80.00")


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (NoteInput("", "contacted", "x"), "'invoice_id'"),
        (NoteInput("in_1", "pleading", "x"), "'status'"),
        (NoteInput("in_1", "promised", "soon"), "'promised_date': required"),
        (NoteInput("in_1", "contacted", "x", dt.date(2026, 1, 1)), "only allowed"),
        (NoteInput("in_1", "disputed", "   "), "'text': required"),
        (NoteInput("in_1", "contacted", "x" * 4001), "at most 4000"),
    ],
)
def test_bad_notes_are_refused_with_the_field(note: NoteInput, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_note(note)


def test_note_normalised() -> None:
    clean = validate_note(NoteInput(" in_1 ", " Promised ", "", dt.date(2026, 2, 1)))
    assert (clean.invoice_id, clean.status, clean.text) == ("in_1", "promised", "")


def test_notes_are_stored_and_audited(tmp_path: Path) -> None:
    store = Store.connect(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with store.write() as session:
            add_tenant(session, "acme", "Acme", actor="tests")
        with store.write() as session:
            first = add_note(
                session,
                tenant_id="acme",
                note=NoteInput("in_1", "contacted", "Left a voicemail", customer_id="cus_1"),
                author="tests",
            )
            add_note(
                session,
                tenant_id="acme",
                note=NoteInput("in_1", "promised", "", dt.date(2026, 3, 1)),
                author="tests",
            )
        with store.read() as session:
            notes = list_notes(session, tenant_id="acme", invoice_id="in_1")
            assert [n.status for n in notes] == ["contacted", "promised"]
            assert notes[0].id == first.id and notes[1].promised_date == dt.date(2026, 3, 1)
            assert list_notes(session, tenant_id="acme", invoice_id="in_2") == []
            audited = session.execute(
                select(AuditEntry).where(AuditEntry.action == "ar_note.created")
            ).scalars()
            entries = list(audited)
            assert [e.entity_id for e in entries] == ["in_1", "in_1"]
            assert json.loads(entries[0].changes)["text"]["after"] == "Left a voicemail"
        with pytest.raises(InputError, match="unknown tenant"), store.write() as session:
            add_note(
                session, tenant_id="nobody", note=NoteInput("in_1", "contacted", "x"), author="t"
            )
    finally:
        store.dispose()


# --------------------------------------------------------------------------- on a build
@pytest.fixture(scope="module")
def company(company_factory: CompanyFactory) -> ArCompany:
    return ar_company(company_factory)


def run_cli(company: ArCompany, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REVLAKE_")}
    env.update({"COLUMNS": "200", "NO_COLOR": "1"})
    return subprocess.run(
        [sys.executable, "-m", "revlake", *args, "--workspace", str(company.workspace.root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_library_refuses_a_snapshot_without_receivables(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema gold; create table gold.fct_mrr (x int)")
    con.close()
    with open_build(path) as reader, pytest.raises(RevlakeError, match="revlake build"):
        ar.open_invoices(reader, dt.date(2025, 1, 1))


def test_library_as_of_a_past_date(company: ArCompany) -> None:
    with open_build(company.snapshot) as reader:
        before_any = ar.open_invoices(reader, dt.date(2000, 1, 1))
        assert before_any == []
        day = dt.date(2024, 3, 31)
        invoices = ar.open_invoices(reader, day)
        assert invoices and all(i.invoice_date <= day and i.open_balance > 0 for i in invoices)
        late = [i.days_past_due for i in invoices]
        assert late == sorted(late, reverse=True)
        overdue = ar.overdue(reader, day)
        assert {i.invoice_id for i in overdue} == {
            i.invoice_id for i in invoices if i.days_past_due
        }
        customer = invoices[0].customer_id
        assert {i.customer_id for i in ar.open_invoices(reader, day, customer=customer)} == {
            customer
        }
        with pytest.raises(InputError, match="status"):
            ar.open_invoices(reader, day, status="paid")  # type: ignore[arg-type]
        report = ar.aging(reader, day, by_customer=True)
        assert report.by_customer is not None
        assert sum((r.total for r in report.by_customer), Decimal(0)) == sum(
            (r.total for r in report.by_currency), Decimal(0)
        )
        points = ar.dso(reader, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
        assert [p.month_end.month for p in points] == list(range(1, 13))
        for p in points:
            if p.billed > 0 and p.dso_days is not None:
                exact = p.receivables / p.billed * p.days_in_period
                assert abs(p.dso_days - exact) <= Decimal("0.005")
        with pytest.raises(InputError, match="after"):
            ar.dso(reader, dt.date(2025, 1, 1), dt.date(2024, 1, 1))


def test_cli_aging_json_equals_library(company: ArCompany) -> None:
    result = run_cli(company, "ar", "aging", "--as-of", "2025-06-30", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    with open_build(company.snapshot) as reader:
        report = ar.aging(reader, dt.date(2025, 6, 30))
    assert body == aging_report_dict(report)
    table = run_cli(company, "ar", "aging", "--as-of", "2025-06-30", "--by-customer")
    assert table.returncode == 0 and "120+" in table.stdout and "total" in table.stdout


def test_cli_overdue_and_dso(company: ArCompany) -> None:
    result = run_cli(company, "ar", "overdue", "--as-of", "2025-06-30", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["as_of"] == "2025-06-30" and body["items"]
    assert all(int(i["days_past_due"]) > 0 for i in body["items"])
    table = run_cli(company, "ar", "overdue", "--limit", "5")
    assert table.returncode == 0 and "days late" in table.stdout
    dso = run_cli(company, "ar", "dso", "--from", "2025-01-01", "--to", "2025-03-31")
    assert dso.returncode == 0 and "2025-03-31" in dso.stdout


def test_cli_bad_input_exits_2_and_writes_nothing(company: ArCompany) -> None:
    bad_date = run_cli(company, "ar", "aging", "--as-of", "31/12/2025")
    assert bad_date.returncode == 2 and "--as-of" in bad_date.stderr
    unknown = run_cli(company, "ar", "note", "in_nope", "--status", "contacted", "--text", "x")
    assert unknown.returncode == 2 and "no invoice 'in_nope'" in unknown.stderr
    bad_status = run_cli(company, "ar", "note", "in_nope", "--status", "angry", "--text", "x")
    assert bad_status.returncode == 2 and "'status'" in bad_status.stderr
    store = open_store(company.workspace)
    try:
        with store.read() as session:
            assert list_notes(session, tenant_id=TENANT) == []
    finally:
        store.dispose()


def test_cli_note_is_stored_audited_and_listed(company: ArCompany) -> None:
    with open_build(company.snapshot) as reader:
        invoice = ar.overdue(reader)[0]
    result = run_cli(
        company,
        "ar",
        "note",
        invoice.invoice_id,
        "--status",
        "promised",
        "--text",
        "CFO promised payment",
        "--promised-date",
        "2026-01-15",
    )
    assert result.returncode == 0, result.stderr
    listed = run_cli(company, "ar", "notes", invoice.invoice_id)
    assert "CFO promised payment" in listed.stdout and "2026-01-15" in listed.stdout
    store = open_store(company.workspace)
    try:
        with store.read() as session:
            notes = list_notes(session, tenant_id=TENANT, invoice_id=invoice.invoice_id)
            entries = list(
                session.execute(
                    select(AuditEntry).where(AuditEntry.entity_id == invoice.invoice_id)
                ).scalars()
            )
    finally:
        store.dispose()
    assert len(notes) == 1 and notes[0].customer_id == invoice.customer_id
    assert notes[0].author.startswith("cli:")
    assert [e.action for e in entries] == ["ar_note.created"]
