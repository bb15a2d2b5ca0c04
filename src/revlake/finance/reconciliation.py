"""Bank reconciliation: match bank statement lines to the payments that explain them.

Inputs are two lists (from gold `fct_bank_transactions` and `fct_cash_payments`, or built
by hand): bank lines with a signed amount in the account currency, and payments signed as
the bank sees them (customer bank transfers and Stripe payouts in, refunds and bill
payments out) with the document number a payer would quote (invoice, bill or payout id).

Rules (docs/FINANCE.md, "Payables and bank reconciliation"):

* a payment is a **candidate** for a bank line when the currency is the same, the amount
  is exactly equal (Decimal, to the cent) and the dates are at most `window_days` apart;
* each candidate gets a **score** in [0, 100]: a reference part plus 20 × date closeness
  (1 on the same day, falling linearly to 1 / (window + 1) at the window's edge). The
  reference part is 80 when the normalised document number (upper case, letters and
  digits only) occurs in the normalised reference or description; 40–60 when rapidfuzz's
  `partial_ratio` of the two is at least `fuzzy_threshold` (40 at the threshold, 60 at
  100); else 0. So an exact reference always beats a fuzzy one, and a fuzzy one always
  beats amount and date alone, whatever the dates;
* the **rule** that matched: `reference` (exact), `reference_fuzzy`, or `amount_date`
  (amount and date only);
* matching is **one-to-one** and greedy by score: pairs are taken best score first; at a
  score level, a bank line with two or more free candidates at that same score, or a
  payment wanted by two or more free bank lines at that score, is **ambiguous**: those
  bank lines are not matched and go to finance with their candidates. Ties are broken
  deterministically (score, then date distance, then ids), so the same input always
  gives the same result.

Everything else is **unmatched** (bank lines no payment explains, payments not on the
statement).

Finance's **resolutions** (revlake.store.bank_matches) are applied first: a line matched
by hand to a payment is matched with rule `manual` (score 100) and both leave the pool; a
dismissed line (a fee, an own-account transfer) is listed as dismissed. A resolution that
names a line or payment the input does not have is ignored.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from revlake.errors import InputError

DEFAULT_WINDOW_DAYS = 5
MAX_WINDOW_DAYS = 60
DEFAULT_FUZZY_THRESHOLD = 85.0
EXACT_POINTS = 80.0
FUZZY_POINTS = (40.0, 60.0)  # at the threshold, at a perfect partial ratio
DATE_WEIGHT = 20.0
_NON_ALNUM = re.compile(r"[^0-9A-Z]+")


@dataclass(frozen=True, slots=True)
class BankLine:
    """One bank statement line; `amount` is signed (money in > 0)."""

    transaction_id: str
    transaction_date: date
    amount: Decimal
    currency: str
    reference: str | None = None
    description: str | None = None
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """A payment expected on the statement, signed as the bank sees it."""

    payment_kind: str  # charge | refund | payout | bill_payment
    payment_id: str
    payment_date: date
    amount: Decimal
    currency: str
    document_number: str | None = None
    counterparty: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A payment that could explain a bank line, with its score and the rule it meets."""

    payment: Payment
    score: float
    rule: str
    days_apart: int


@dataclass(frozen=True, slots=True)
class Match:
    """A bank line matched to one payment."""

    line: BankLine
    payment: Payment
    rule: str
    score: float
    days_apart: int


@dataclass(frozen=True, slots=True)
class Ambiguous:
    """A bank line with several equally good candidates: finance decides."""

    line: BankLine
    score: float
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Resolution:
    """Finance's decision about one bank line: match it to a payment, or dismiss it."""

    transaction_id: str
    action: str  # match | dismiss
    payment_kind: str | None = None
    payment_id: str | None = None


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The result: matched pairs, ambiguous lines, unmatched lines and payments."""

    window_days: int
    matched: tuple[Match, ...]
    ambiguous: tuple[Ambiguous, ...]
    unmatched_lines: tuple[BankLine, ...]
    unmatched_payments: tuple[Payment, ...]
    rules: dict[str, int] = field(default_factory=dict)
    dismissed: tuple[BankLine, ...] = ()

    def counts(self) -> dict[str, int]:
        """Sizes of the lists (for summaries)."""
        return {
            "matched": len(self.matched),
            "ambiguous": len(self.ambiguous),
            "unmatched_bank_lines": len(self.unmatched_lines),
            "unmatched_payments": len(self.unmatched_payments),
            "dismissed": len(self.dismissed),
        }


def normalise(text: str | None) -> str:
    """Upper case, letters and digits only (`inv 0003-a1` → `INV0003A1`)."""
    return _NON_ALNUM.sub("", (text or "").upper())


def reference_points(
    document: str | None, line: BankLine, fuzzy_threshold: float
) -> tuple[float, str]:
    """The reference part of the score and its rule: exact, fuzzy or none."""
    doc = normalise(document)
    if len(doc) < 3:
        return 0.0, "amount_date"
    best = -1.0
    for text in (line.reference, line.description):
        hay = normalise(text)
        if not hay:
            continue
        if doc in hay:
            return EXACT_POINTS, "reference"
        best = max(best, float(fuzz.partial_ratio(doc, hay)))
    if best < fuzzy_threshold:
        return 0.0, "amount_date"
    lo, hi = FUZZY_POINTS
    span = 100.0 - fuzzy_threshold
    fraction = (best - fuzzy_threshold) / span if span > 0 else 1.0
    return lo + (hi - lo) * fraction, "reference_fuzzy"


def _validate(window_days: int, fuzzy_threshold: float) -> None:
    if not 0 <= window_days <= MAX_WINDOW_DAYS:
        raise InputError(f"window_days must be between 0 and {MAX_WINDOW_DAYS}, got {window_days}")
    if not 0 < fuzzy_threshold <= 100:
        raise InputError(f"fuzzy_threshold must be in (0, 100], got {fuzzy_threshold}")


@dataclass
class PaymentsByAmount:
    """Unmatched payments grouped by (currency, amount), each group in payment-date order,
    so that the payments within a date window are found by bisection: a bank line used to
    be compared with every payment of its amount (15.6M comparisons at 100k customers,
    where plans make a few amounts very common)."""

    groups: dict[tuple[str, Decimal], list[Payment]] = field(default_factory=dict)
    dates: dict[tuple[str, Decimal], list[date]] = field(default_factory=dict)

    def add(self, payment: Payment) -> None:
        """Add payments in (payment_date, …) order (as `reconcile` sorts them)."""
        key = (payment.currency, payment.amount)
        self.groups.setdefault(key, []).append(payment)
        self.dates.setdefault(key, []).append(payment.payment_date)

    def within(self, line: BankLine, window_days: int) -> list[Payment]:
        """The payments of the line's currency and amount at most `window_days` away."""
        key = (line.currency, line.amount)
        dates = self.dates.get(key)
        if not dates:
            return []
        span = timedelta(days=window_days)
        first = bisect_left(dates, line.transaction_date - span)
        last = bisect_right(dates, line.transaction_date + span)
        return self.groups[key][first:last]


def candidates(
    line: BankLine,
    by_amount: PaymentsByAmount,
    window_days: int,
    fuzzy_threshold: float,
) -> list[Candidate]:
    """The payments that could explain `line`, best first (deterministic order)."""
    found: list[Candidate] = []
    for p in by_amount.within(line, window_days):
        days = abs((p.payment_date - line.transaction_date).days)
        points, rule = reference_points(p.document_number, line, fuzzy_threshold)
        closeness = (window_days + 1 - days) / (window_days + 1)
        score = round(points + DATE_WEIGHT * closeness, 6)
        found.append(Candidate(p, score, rule, days))
    found.sort(key=lambda c: (-c.score, c.days_apart, c.payment.payment_kind, c.payment.payment_id))
    return found


def reconcile(
    lines: Iterable[BankLine],
    payments: Iterable[Payment],
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    resolutions: Iterable[Resolution] = (),
) -> Reconciliation:
    """Match bank lines to payments one-to-one (rules in the module docstring)."""
    _validate(window_days, fuzzy_threshold)
    line_list = sorted(lines, key=lambda ln: (ln.transaction_date, ln.transaction_id))
    pay_list = sorted(payments, key=lambda p: (p.payment_date, p.payment_kind, p.payment_id))
    line_by_id = {ln.transaction_id: ln for ln in line_list}
    pay_by_key = {(p.payment_kind, p.payment_id): p for p in pay_list}
    used_lines: set[str] = set()
    used_payments: set[tuple[str, str]] = set()
    matched: list[Match] = []
    dismissed: list[BankLine] = []
    for res in sorted(resolutions, key=lambda r: r.transaction_id):
        ln = line_by_id.get(res.transaction_id)
        if ln is None or res.transaction_id in used_lines:
            continue
        if res.action == "dismiss":
            dismissed.append(ln)
            used_lines.add(ln.transaction_id)
            continue
        key = (res.payment_kind or "", res.payment_id or "")
        chosen = pay_by_key.get(key)
        if res.action != "match" or chosen is None or key in used_payments:
            continue
        days = abs((chosen.payment_date - ln.transaction_date).days)
        matched.append(Match(ln, chosen, "manual", 100.0, days))
        used_lines.add(ln.transaction_id)
        used_payments.add(key)
    by_amount = PaymentsByAmount()
    for p in pay_list:
        if (p.payment_kind, p.payment_id) not in used_payments:
            by_amount.add(p)
    options = {
        ln.transaction_id: candidates(ln, by_amount, window_days, fuzzy_threshold)
        for ln in line_list
        if ln.transaction_id not in used_lines
    }
    levels: dict[float, list[tuple[str, Candidate]]] = defaultdict(list)
    for tx_id, opts in options.items():
        for cand in opts:
            levels[cand.score].append((tx_id, cand))
    ambiguous: list[Ambiguous] = []
    for score in sorted(levels, reverse=True):
        free = [
            (tx, c)
            for tx, c in levels[score]
            if tx not in used_lines
            and (c.payment.payment_kind, c.payment.payment_id) not in used_payments
        ]
        per_line: dict[str, list[Candidate]] = defaultdict(list)
        per_payment: dict[tuple[str, str], list[str]] = defaultdict(list)
        for tx, c in free:
            per_line[tx].append(c)
            per_payment[(c.payment.payment_kind, c.payment.payment_id)].append(tx)
        contested = {tx for txs in per_payment.values() if len(txs) > 1 for tx in txs}
        for tx in sorted(per_line, key=lambda t: (line_by_id[t].transaction_date, t)):
            cands = per_line[tx]
            if len(cands) > 1 or tx in contested:
                every = tuple(c for c in options[tx] if c.score == score)
                ambiguous.append(Ambiguous(line_by_id[tx], score, every))
                used_lines.add(tx)
                continue
            c = cands[0]
            matched.append(Match(line_by_id[tx], c.payment, c.rule, c.score, c.days_apart))
            used_lines.add(tx)
            used_payments.add((c.payment.payment_kind, c.payment.payment_id))
    unmatched_lines = tuple(ln for ln in line_list if ln.transaction_id not in used_lines)
    unmatched_payments = tuple(
        p for p in pay_list if (p.payment_kind, p.payment_id) not in used_payments
    )
    rules: dict[str, int] = defaultdict(int)
    for m in matched:
        rules[m.rule] += 1
    matched.sort(key=lambda m: (m.line.transaction_date, m.line.transaction_id))
    ambiguous.sort(key=lambda a: (a.line.transaction_date, a.line.transaction_id))
    return Reconciliation(
        window_days=window_days,
        matched=tuple(matched),
        ambiguous=tuple(ambiguous),
        unmatched_lines=unmatched_lines,
        unmatched_payments=unmatched_payments,
        rules=dict(sorted(rules.items())),
        dismissed=tuple(dismissed),
    )


@dataclass(frozen=True, slots=True)
class Accuracy:
    """Matches compared with known true matches (bank line → payment)."""

    true_positives: int
    predicted: int
    actual: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.actual if self.actual else 1.0


def accuracy(result: Reconciliation, truth: dict[str, tuple[str, str]]) -> Accuracy:
    """Precision and recall of `result.matched` against truth {bank line id: (kind, id)}."""
    hits = sum(
        1
        for m in result.matched
        if truth.get(m.line.transaction_id) == (m.payment.payment_kind, m.payment.payment_id)
    )
    return Accuracy(hits, len(result.matched), len(truth))


# --------------------------------------------------------------------------- snapshot
def _day(value: Any, what: str) -> date:
    if isinstance(value, date):
        return value
    raise InputError(f"{what}: not a date: {value!r}")


def load_inputs(
    rows: Any, date_from: date | None, date_to: date | None, window_days: int
) -> tuple[list[BankLine], list[Payment]]:
    """Bank lines dated in [date_from, date_to] and payments within the window around it.

    `rows(sql, params)` runs a query on a snapshot (gold schema) and returns dicts: the
    API's `Snapshot.rows` or `snapshot_rows` below.
    """
    if date_from is not None and date_to is not None and date_to < date_from:
        raise InputError(f"--to ({date_to}) is before --from ({date_from})")
    lo = date_from or date(1900, 1, 1)
    hi = date_to or date(9999, 12, 31)
    line_rows = rows(
        "select transaction_id, transaction_date, amount, currency, reference, description, "
        "counterparty from gold.fct_bank_transactions "
        "where transaction_date between ? and ? order by transaction_date, transaction_id",
        [lo, hi],
    )
    pay_rows = rows(
        "select payment_kind, payment_id, payment_date, amount, currency, document_number, "
        "counterparty from gold.fct_cash_payments "
        "where payment_date between ? and ? order by payment_date, payment_kind, payment_id",
        [_shift(lo, -window_days), _shift(hi, window_days)],
    )
    lines = [
        BankLine(
            str(r["transaction_id"]),
            _day(r["transaction_date"], "transaction_date"),
            Decimal(r["amount"]),
            str(r["currency"]),
            r["reference"],
            r["description"],
            r["counterparty"],
        )
        for r in line_rows
    ]
    payments = [
        Payment(
            str(r["payment_kind"]),
            str(r["payment_id"]),
            _day(r["payment_date"], "payment_date"),
            Decimal(r["amount"]),
            str(r["currency"]),
            r["document_number"],
            r["counterparty"],
        )
        for r in pay_rows
    ]
    return lines, payments


def _shift(d: date, days: int) -> date:
    try:
        return date.fromordinal(d.toordinal() + days)
    except (ValueError, OverflowError):
        return d


def outside_period(
    result: Reconciliation, date_from: date | None, date_to: date | None
) -> Reconciliation:
    """Drop unmatched payments dated outside [date_from, date_to] (loaded only as
    candidates for lines near the period's edges)."""
    lo = date_from or date.min
    hi = date_to or date.max
    kept = tuple(p for p in result.unmatched_payments if lo <= p.payment_date <= hi)
    return Reconciliation(
        result.window_days,
        result.matched,
        result.ambiguous,
        result.unmatched_lines,
        kept,
        result.rules,
        result.dismissed,
    )


def reconcile_rows(
    rows: Any,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
    fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD,
    resolutions: Iterable[Resolution] = (),
) -> Reconciliation:
    """Load the period's lines and payments through `rows` and reconcile them."""
    _validate(window_days, fuzzy_threshold)
    lines, payments = load_inputs(rows, date_from, date_to, window_days)
    result = reconcile(
        lines,
        payments,
        window_days=window_days,
        fuzzy_threshold=fuzzy_threshold,
        resolutions=resolutions,
    )
    return outside_period(result, date_from, date_to)
