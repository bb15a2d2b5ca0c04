"""Bank reconciliation: the matching rules on hand-made lines, and accuracy on the truth.

The synthetic company's truth/bank_matches.csv says which payment every bank line
records; the reconciliation of the published snapshot is scored against it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from revlake.cli.app import app
from revlake.errors import InputError
from revlake.finance.reconciliation import (
    BankLine,
    Payment,
    PaymentsByAmount,
    Resolution,
    accuracy,
    candidates,
    normalise,
    reconcile,
    reconcile_rows,
)
from revlake.queries.ap import bank_reconciliation
from revlake.queries.params import PageParams
from revlake.reader import Build, BuildRegistry
from revlake.store.bank_matches import ResolutionInput, validate_resolution
from tests.company_support import CompanyFactory
from tests.finance.ap_support import TENANT, ApCompany, ap_company

D0 = date(2025, 3, 10)


def line(tx: str, amount: str, days: int = 0, ref: str = "", cur: str = "USD") -> BankLine:
    return BankLine(tx, D0 + timedelta(days=days), Decimal(amount), cur, ref or None, None, None)


def pay(pid: str, amount: str, days: int = 0, doc: str = "", kind: str = "charge") -> Payment:
    return Payment(kind, pid, D0 + timedelta(days=days), Decimal(amount), "USD", doc or None)


def test_exact_reference_wins_over_a_closer_date() -> None:
    result = reconcile(
        [line("t1", "100.00", ref="Invoice 00AB-0001")],
        [pay("p_near", "100.00", 0, "00AB-0002"), pay("p_ref", "100.00", 4, "00AB-0001")],
    )
    assert [(m.payment.payment_id, m.rule) for m in result.matched] == [("p_ref", "reference")]
    assert [p.payment_id for p in result.unmatched_payments] == ["p_near"]


def test_fuzzy_reference_and_amount_date_rules() -> None:
    result = reconcile(
        [
            line("t1", "50.00", ref="00AB0O01"),  # a typo: O for 0, hyphen dropped
            line("t2", "75.00", ref=""),
            line("t3", "75.01", ref=""),
        ],
        [pay("p1", "50.00", 1, "00AB-0001"), pay("p2", "75.00", -2, "ZZZZ-9999")],
    )
    rules = {m.line.transaction_id: m.rule for m in result.matched}
    assert rules == {"t1": "reference_fuzzy", "t2": "amount_date"}
    assert [ln.transaction_id for ln in result.unmatched_lines] == ["t3"]  # amounts are exact
    assert result.rules == {"amount_date": 1, "reference_fuzzy": 1}


def test_window_currency_and_sign() -> None:
    lines = [
        line("in_window", "10.00", 5),
        line("outside", "20.00", 6),
        line("eur", "30.00", 0, cur="EUR"),
        line("sign", "-40.00"),
    ]
    payments = [pay("a", "10.00"), pay("b", "20.00"), pay("c", "30.00"), pay("d", "40.00")]
    result = reconcile(lines, payments, window_days=5)
    assert [m.line.transaction_id for m in result.matched] == ["in_window"]
    assert reconcile(lines, payments, window_days=6).counts()["matched"] == 2
    assert reconcile(lines, payments, window_days=0).counts()["matched"] == 0


def test_candidates_are_every_payment_of_the_amount_within_the_window() -> None:
    # many payments of one amount (a plan price): the date bisection finds exactly those
    # within the window on both sides, its edges included, in any input order
    payments = [pay(f"p{k:+03d}", "49.00", k) for k in range(30, -31, -1)]
    payments += [pay("other_amount", "50.00", 0), pay("p_dup", "49.00", 7)]
    by_amount = PaymentsByAmount()
    for p in sorted(payments, key=lambda p: (p.payment_date, p.payment_kind, p.payment_id)):
        by_amount.add(p)
    for window in (0, 1, 7, 12):
        bank = line("t", "49.00", 3)
        found = {c.payment.payment_id for c in candidates(bank, by_amount, window, 85.0)}
        expected = {
            p.payment_id
            for p in payments
            if p.amount == Decimal("49.00")
            and abs((p.payment_date - bank.transaction_date).days) <= window
        }
        assert found == expected and len(found) == 2 * window + 1 + (abs(7 - 3) <= window)


def test_equal_candidates_are_ambiguous_not_guessed() -> None:
    # one line, two payments of the same amount and date, no reference: finance decides
    result = reconcile([line("t1", "99.00")], [pay("p1", "99.00", 1), pay("p2", "99.00", -1)])
    assert result.counts() == {
        "matched": 0,
        "ambiguous": 1,
        "unmatched_bank_lines": 0,
        "unmatched_payments": 2,
        "dismissed": 0,
    }
    assert [c.payment.payment_id for c in result.ambiguous[0].candidates] == ["p1", "p2"]
    # two lines wanting the same payment equally: both ambiguous
    contested = reconcile([line("t1", "5.00", 1), line("t2", "5.00", -1)], [pay("p", "5.00")])
    assert [a.line.transaction_id for a in contested.ambiguous] == ["t2", "t1"]  # by date
    assert contested.matched == ()


def test_one_to_one_and_deterministic() -> None:
    lines = [line(f"t{i}", "10.00", i % 3, ref=f"INV-{i:03d}") for i in range(30)]
    payments = [pay(f"p{i}", "10.00", (i * 7) % 3, f"INV-{i:03d}") for i in range(30)]
    first = reconcile(lines, payments)
    assert {(m.line.transaction_id, m.payment.payment_id) for m in first.matched} == {
        (f"t{i}", f"p{i}") for i in range(30)
    }
    shuffled_lines, shuffled_payments = lines[:], payments[:]
    random.Random(3).shuffle(shuffled_lines)
    random.Random(4).shuffle(shuffled_payments)
    assert reconcile(shuffled_lines, shuffled_payments) == first


def test_bad_arguments() -> None:
    with pytest.raises(InputError, match="window_days"):
        reconcile([], [], window_days=-1)
    with pytest.raises(InputError, match="fuzzy_threshold"):
        reconcile([], [], fuzzy_threshold=0)
    with pytest.raises(InputError, match="before --from"):
        reconcile_rows(lambda sql, params: [], date_from=D0, date_to=D0 - timedelta(days=1))
    assert normalise(" inv 0003-a1 ") == "INV0003A1"


@pytest.fixture(scope="module")
def snapshot(company_factory: CompanyFactory) -> Iterator[tuple[ApCompany, Build]]:
    company = ap_company(company_factory)
    registry = BuildRegistry(company.workspace.snapshots_dir)
    with registry.acquire(TENANT) as snap:
        yield company, snap
    registry.close()


def test_accuracy_against_the_truth(snapshot: tuple[ApCompany, Build]) -> None:
    company, snap = snapshot
    truth = {
        t["bank_transaction_id"]: (t["payment_kind"], t["payment_id"])
        for t in company.truth("bank_matches.csv")
    }
    result = reconcile_rows(snap.rows)
    score = accuracy(result, truth)
    assert score.precision >= 0.99 and score.recall >= 0.98, score
    assert set(result.rules) >= {"reference", "amount_date"}
    # truth-explained lines left unmatched are exactly the recall misses
    explained_unmatched = [ln for ln in result.unmatched_lines if ln.transaction_id in truth]
    assert len(explained_unmatched) <= score.actual - score.true_positives
    assert len(result.unmatched_lines) >= 59 * 5  # monthly account fees alone


def test_period_filter_and_api_reader(snapshot: tuple[ApCompany, Build]) -> None:
    _company, snap = snapshot
    start, end = date(2024, 1, 1), date(2024, 3, 31)
    result = bank_reconciliation(snap, start, end, 5, limit=10)
    assert result.counts.matched > 0
    assert len(result.matched) <= 10
    assert all(start <= m.bank_line.date <= end for m in result.matched)
    assert all(start <= p.date <= end for p in result.unmatched_payments)
    total = result.counts
    full = reconcile_rows(snap.rows, date_from=start, date_to=end)
    assert full.counts() == total.model_dump()


def test_a_window_of_unmatched_lines_is_the_full_lists_slice(
    snapshot: tuple[ApCompany, Build],
) -> None:
    _company, snap = snapshot
    total = bank_reconciliation(snap, None, None, 5, limit=10).counts.unmatched_bank_lines
    assert total > 150, "the demo bank has enough unmatched lines to page"
    full = bank_reconciliation(snap, None, None, 5, limit=total).unmatched_bank_lines
    assert len(full) == total
    for offset, limit in ((0, 25), (25, 50), (140, 200), (total - 3, 50), (total + 5, 25)):
        window = bank_reconciliation(
            snap, None, None, 5, limit=10, lines=PageParams(limit=limit, offset=offset)
        )
        assert window.unmatched_bank_lines == full[offset : offset + limit], (offset, limit)
        assert len(window.matched) <= 10  # the other lists keep their limit
        assert window.counts.unmatched_bank_lines == total
    # without a window the answer is the limit's (the API's and the stored default view)
    head = bank_reconciliation(snap, None, None, 5, limit=10)
    assert head.unmatched_bank_lines == full[:10]


def test_a_window_of_unmatched_payments_is_the_full_lists_slice(
    snapshot: tuple[ApCompany, Build],
) -> None:
    """The Bank page's other paged lists take windows the same way (no tolerance: the
    demo's payments settled a day or more apart stay unmatched)."""
    _company, snap = snapshot
    total = bank_reconciliation(snap, None, None, 0, limit=10).counts.unmatched_payments
    assert total > 150, "the demo bank has enough unmatched payments to page"
    whole = bank_reconciliation(snap, None, None, 0, limit=total)
    for offset, limit in ((0, 25), (100, 50), (total - 3, 50), (total + 5, 25)):
        window = PageParams(limit=limit, offset=offset)
        paged = bank_reconciliation(snap, None, None, 0, limit=10, payments=window)
        assert paged.unmatched_payments == whole.unmatched_payments[offset : offset + limit]
        assert paged.unmatched_bank_lines == whole.unmatched_bank_lines[:10]  # kept its limit
        other = bank_reconciliation(snap, None, None, 0, limit=10, ambiguous=window)
        assert other.ambiguous == whole.ambiguous[offset : offset + limit]
        assert other.unmatched_payments == whole.unmatched_payments[:10]


def test_resolutions_come_first() -> None:
    lines = [line("t1", "99.00"), line("t2", "12.00"), line("t3", "7.00"), line("t4", "5.00")]
    payments = [pay("p1", "99.00", 1), pay("p2", "99.00", -1), pay("p5", "5.00")]
    resolutions = [
        Resolution("t1", "match", "charge", "p2"),  # finance settles the ambiguity
        Resolution("t2", "dismiss"),  # a fee: records no payment
        Resolution("t9", "dismiss"),  # not in this input: ignored
        Resolution("t3", "match", "charge", "gone"),  # payment not in the input: ignored
    ]
    result = reconcile(lines, payments, resolutions=resolutions)
    manual = [(m.line.transaction_id, m.payment.payment_id, m.rule) for m in result.matched]
    assert manual == [("t1", "p2", "manual"), ("t4", "p5", "amount_date")]
    assert [ln.transaction_id for ln in result.dismissed] == ["t2"]
    assert [ln.transaction_id for ln in result.unmatched_lines] == ["t3"]
    assert [p.payment_id for p in result.unmatched_payments] == ["p1"]
    assert result.counts()["dismissed"] == 1


def test_resolution_validation() -> None:
    ok = validate_resolution(ResolutionInput(" t1 ", "MATCH", "Charge", " ch_1 ", " n "))
    assert ok == ResolutionInput("t1", "match", "charge", "ch_1", "n")
    bad = [
        (ResolutionInput("", "match", "charge", "x"), "transaction_id"),
        (ResolutionInput("t", "keep"), "action"),
        (ResolutionInput("t", "match", "invoice", "x"), "payment_kind"),
        (ResolutionInput("t", "match", "charge", None), "payment_id"),
        (ResolutionInput("t", "dismiss", "charge", "x", "fee"), "only with match"),
        (ResolutionInput("t", "dismiss"), "note"),
    ]
    for res, field in bad:
        with pytest.raises(InputError, match=field):
            validate_resolution(res)


def test_cli_aging_and_reconcile(snapshot: tuple[ApCompany, Build]) -> None:
    company, _snap = snapshot
    runner = CliRunner()
    ws = str(company.workspace.root)
    aging = runner.invoke(app, ["ap", "aging", "-w", ws, "--as-of", "2025-06-30", "--json"])
    assert aging.exit_code == 0, aging.output
    body = json.loads(aging.output)
    assert body["as_of"] == "2025-06-30"
    assert Decimal(body["total_open"]) == sum(Decimal(b["amount"]) for b in body["buckets"])
    table = runner.invoke(app, ["ap", "aging", "-w", ws], env={"COLUMNS": "200"})
    assert table.exit_code == 0 and "Amazon Web Services" in table.output
    rec = runner.invoke(
        app,
        ["bank", "reconcile", "-w", ws, "--from", "2025-01-01", "--to", "2025-03-31"],
        env={"COLUMNS": "200"},
    )
    assert rec.exit_code == 0, rec.output
    assert "matched" in rec.output and "Unmatched bank lines" in rec.output
    # bad input is an InputError (the entry point prints it and exits 2)
    bad = runner.invoke(app, ["bank", "reconcile", "-w", ws, "--from", "2025-13-01"])
    assert isinstance(bad.exception, InputError) and bad.exception.exit_code == 2
    assert "--from" in str(bad.exception)
    wide = runner.invoke(app, ["bank", "reconcile", "-w", ws, "--window-days", "99"])
    assert isinstance(wide.exception, InputError) and "window_days" in str(wide.exception)
