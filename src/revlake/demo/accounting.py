"""Payables and cash: vendor bills, bill payments, Stripe payouts and the bank statement.

The accounting side of the synthetic company, written after every chunk has run:

* `Ledger` collects, per chunk, what the customers' money does at the bank: every
  successful bank-transfer charge is one incoming transfer (its invoice number in the
  reference, sometimes missing or mangled), a bank-transfer refund is one outgoing
  transfer, and card charges and card refunds add to the Stripe balance of their day and
  currency. A chunk's bank lines go, sorted, to a part file under `<out>/.ledger/`; its
  card totals and monthly paying-customer counts go to a small JSON file beside it. A
  chunk draws from its own stream (seed, 3, chunk), so the files do not depend on
  `--workers`.
* `write_accounting` (parent process, at the end) turns the Stripe balance into daily
  payouts (`exports/billing/payouts.csv`), draws the vendor bills (hosting scaling with
  the paying customers, one advertising bill per ad platform and month equal to that
  month's spend in the ad reports, contractors) and their payments, then merges the
  chunks' bank lines with the company's own (payouts, bill payments, bank fees, rent,
  interest, transfers to savings) into one statement with a running balance per account.
  Truth: `truth/bill_balance_events.csv` and `truth/bank_matches.csv`.

Layouts (see docs/GENERATOR.md): bills and bill payments follow Xero's invoice export and
payment columns; the bank statement is a business-bank CSV export (Revolut Business style).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from revlake.demo import schema
from revlake.demo.calendar import Calendar
from revlake.demo.sink import CsvFile, money, round_div, text

if TYPE_CHECKING:
    from revlake.demo.billing import CustomerSim
    from revlake.demo.billing_model import Charge
    from revlake.demo.context import Company

LEDGER_DIR = ".ledger"
PAYOUT_DELAY_DAYS = 2  # Stripe pays a day's balance out two days later
REF_EXACT_P = 0.82  # bank reference = the document number
REF_MISSING_P = 0.06  # no reference at all; the rest are mangled
RECEIPT_LAG_P = (0.6, 0.3, 0.1)  # a transfer reaches the bank 0, 1 or 2 days after Stripe
VENDOR_CREDIT_P = 0.08  # a hosting bill gets a service credit (vendor credit note)
BILL_NEVER_PAID_P = 0.03  # disputed: still open at export
BILL_PARTIAL_P = 0.08  # paid in two parts
BILL_LATE_P = 0.20  # paid 1-35 days after the due date
BANK_ACCOUNT_FEE = {"USD": 2500, "EUR": 1500, "GBP": 1200, "CAD": 1500, "AUD": 1500}
OPENING_BALANCE_USD = 25_000_00  # per 1,000 expected customers, other accounts a tenth


@dataclass(frozen=True, slots=True)
class Vendor:
    """A supplier: name, email, Xero account code, payment terms, bill-number style."""

    name: str
    email: str
    account_code: str
    terms_days: int
    number_prefix: str
    kind: str  # hosting | advertising | contractor


AD_VENDORS: tuple[Vendor, ...] = (
    Vendor("Google Ireland Ltd", "billing@google.example", "610", 15, "GADS-", "advertising"),
    Vendor("Meta Platforms Ireland", "ads@meta.example", "610", 15, "FBADS-", "advertising"),
    Vendor("LinkedIn Ireland", "billing@linkedin.example", "610", 30, "LI-", "advertising"),
    Vendor("Microsoft Advertising", "ads@microsoft.example", "610", 30, "MSA-", "advertising"),
)
HOSTING = Vendor("Amazon Web Services", "aws-billing@amazon.example", "485", 30, "AWS-", "hosting")
CONTRACTORS: tuple[Vendor, ...] = (
    Vendor("Jane Doe Design LLC", "jane@janedoe.example", "412", 30, "JDD-", "contractor"),
    Vendor("Northwind Dev Studio", "ap@northwind.example", "412", 45, "NWD-", "contractor"),
    Vendor("Okafor Data Consulting", "billing@okafor.example", "412", 45, "ODC-", "contractor"),
    Vendor("Lindqvist Security AB", "faktura@lindqvist.example", "412", 30, "LSA-", "contractor"),
    Vendor("Bright Copy Co", "hello@brightcopy.example", "412", 15, "BCC-", "contractor"),
)
HOSTING_BASE_CENTS = 2_500_00
HOSTING_PER_CUSTOMER_CENTS = 1_800
CONTRACTOR_MONTHLY_P = 0.35


def _stream(seed: int, *key: int) -> random.Random:
    """A Python RNG seeded from SeedSequence([seed, *key])."""
    state = np.random.SeedSequence([seed, *key]).generate_state(2, dtype=np.uint64)
    return random.Random(int(state[0]) << 64 | int(state[1]))


def mangle(number: str, rng: random.Random) -> str:
    """A bank reference for document `number`: usually exact, sometimes missing or mangled.

    Mangled forms are the ones people type: lower case, no hyphen, a prefix, a dropped or
    swapped character.
    """
    u = rng.random()
    if u < REF_EXACT_P:
        return number
    if u < REF_EXACT_P + REF_MISSING_P:
        return ""
    kind = int(rng.random() * 5)
    if kind == 0:
        return number.lower()
    if kind == 1:
        return number.replace("-", "")
    if kind == 2:
        return f"INV {number}"
    if kind == 3:
        return number[:-1]
    chars = list(number)
    i = 1 + int(rng.random() * max(1, len(chars) - 2))
    if i + 1 < len(chars):
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


# A bank line before the merge: (day, group, order, fields...) where fields are
# type, description, reference, counterparty, currency, amount cents, match kind, match id.
BankLine = tuple[int, int, str, str, str, str, str, str, int, str, str]


class Ledger:
    """Per-process collector of the customers' bank-side events, one chunk at a time."""

    def __init__(self, folder: Path, seed: int, cal: Calendar) -> None:
        self.folder = folder
        self.seed = seed
        self.cal = cal
        self._chunk = -1
        self._rng = random.Random(0)
        self._lines: list[BankLine] = []
        self._card: dict[str, dict[int, int]] = {}
        self._active: dict[int, int] = {}

    def _enter(self, chunk: int) -> None:
        if chunk != self._chunk:
            self._chunk = chunk
            self._rng = _stream(self.seed, 3, chunk)

    def add_customer(self, sim: CustomerSim) -> None:
        """Record a finished customer's successful charges and its paying months."""
        self._enter(sim.cx.chunk)
        c, cal, rng = sim.c, self.cal, self._rng
        card = self._card.setdefault(c.currency, {})
        for ch in sim.charges:
            if ch.status != "succeeded":
                continue
            if ch.method == "card":
                card[ch.day] = card.get(ch.day, 0) + ch.amount
                continue
            u = rng.random()
            lag = 0 if u < RECEIPT_LAG_P[0] else (1 if u < 1 - RECEIPT_LAG_P[2] else 2)
            day = ch.day + lag
            if day > cal.end:
                continue
            number = sim.invoices[ch.invoice].number
            self._lines.append(
                (
                    day,
                    1,
                    ch.id,
                    "TRANSFER",
                    text(f"Transfer from {sim.acct.name}"),
                    text(mangle(number, rng)),
                    text(sim.acct.name),
                    c.currency,
                    ch.amount,
                    "charge",
                    ch.id,
                )
            )
        # paying on a month's last day: the months m0..m1 of each (disjoint) value interval
        # [start, end), kept as a difference array (+1 at m0, −1 after m1)
        for start, end, value in c.intervals:
            if value <= 0:
                continue
            m0 = cal.month(start)
            m1 = min(cal.month(end) - 1, cal.last_full_month)
            if m1 >= m0:
                self._active[m0] = self._active.get(m0, 0) + 1
                self._active[m1 + 1] = self._active.get(m1 + 1, 0) - 1

    def add_refund(
        self, sim: CustomerSim, charge: Charge, refund_id: str, amount: int, day: int
    ) -> None:
        """A refund: off the Stripe balance (card) or an outgoing transfer (bank transfer)."""
        self._enter(sim.cx.chunk)
        c = sim.c
        if charge.method == "card":
            card = self._card.setdefault(c.currency, {})
            card[day] = card.get(day, 0) - amount
            return
        bank_day = day + 1 + int(self._rng.random() * 2)
        if bank_day > self.cal.end:
            return
        number = sim.invoices[charge.invoice].number
        self._lines.append(
            (
                bank_day,
                1,
                refund_id,
                "TRANSFER",
                text(f"Refund to {sim.acct.name}"),
                text(f"Refund {number}"),
                text(sim.acct.name),
                c.currency,
                -amount,
                "refund",
                refund_id,
            )
        )

    def finish_chunk(self, chunk: int) -> None:
        """Write the chunk's sorted bank lines and its aggregates; reset for the next chunk."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lines.sort(key=lambda line: (line[0], line[2]))
        with (self.folder / f"{chunk}.tsv").open("w", encoding="utf-8", newline="\n") as fh:
            for line in self._lines:
                fh.write("\t".join(str(v) for v in line) + "\n")
        aggregates = {
            "card": {cur: {str(d): v for d, v in days.items()} for cur, days in self._card.items()},
            "active_diff": {str(m): n for m, n in self._active.items()},
        }
        (self.folder / f"{chunk}.json").write_text(json.dumps(aggregates), encoding="utf-8")
        self._chunk = -1
        self._lines = []
        self._card = {}
        self._active = {}


def _read_part(path: Path) -> Iterator[BankLine]:
    """The bank lines of one chunk part file, in file order."""
    with path.open(encoding="utf-8") as fh:
        for raw in fh:
            f = raw.rstrip("\n").split("\t")
            yield (int(f[0]), int(f[1]), f[2], f[3], f[4], f[5], f[6], f[7], int(f[8]), f[9], f[10])


@dataclass(slots=True)
class _Bill:
    number: str
    vendor: Vendor
    day: int
    due: int
    description: str
    total: int
    credited: int = 0
    paid: int = 0


def write_accounting(company: Company, seed: int, customers: int, n_chunks: int, out: Path) -> None:
    """Write payouts, bills, bill payments, the bank statement and their truth."""
    cal, files = company.cal, company.files
    folder = out / LEDGER_DIR
    card: dict[str, dict[int, int]] = {}
    diff: dict[int, int] = {}
    for k in range(n_chunks):
        agg = json.loads((folder / f"{k}.json").read_text(encoding="utf-8"))
        for cur, days in agg["card"].items():
            target = card.setdefault(cur, {})
            for d, v in days.items():
                target[int(d)] = target.get(int(d), 0) + int(v)
        for m, n in agg["active_diff"].items():
            diff[int(m)] = diff.get(int(m), 0) + int(n)
    active: dict[int, int] = {}
    running = 0
    for m in range(min(diff, default=0), max(diff, default=-1) + 1):
        running += diff.get(m, 0)
        active[m] = running
    rng = _stream(seed, 4)
    lines: list[BankLine] = []
    _payouts(cal, card, files[schema.PAYOUTS], lines)
    bills = _bills(company, active, customers, rng)
    _write_bills(cal, bills, rng, files, lines)
    _company_lines(cal, customers, rng, lines)
    lines.sort(key=lambda line: (line[0], line[2]))
    parts = [_read_part(folder / f"{k}.tsv") for k in range(n_chunks)]
    merged = heapq.merge(iter(lines), *parts, key=lambda line: (line[0], line[1], line[2]))
    _write_statement(cal, seed, customers, merged, files[schema.BANK], files[schema.BANK_TRUTH])
    shutil.rmtree(folder, ignore_errors=True)


def _payouts(
    cal: Calendar, card: dict[str, dict[int, int]], out: CsvFile, lines: list[BankLine]
) -> None:
    """Daily Stripe payouts per currency: the day's card charges less card refunds.

    A negative day (refunds above charges) is carried to the next day, as Stripe nets it
    against the balance. A payout arriving after the end date is `in_transit` and not on
    the bank statement.
    """
    for cur in sorted(card):
        days = card[cur]
        if not days:
            continue
        balance = 0
        for day in range(min(days), cal.end + 1):
            balance += days.get(day, 0)
            if balance <= 0:
                continue
            arrival = day + PAYOUT_DELAY_DAYS
            po_id = f"po_RL{cur}{cal.day(day).replace('-', '')}"
            status = "paid" if arrival <= cal.end else "in_transit"
            out.add(
                [
                    po_id,
                    money(balance),
                    cur.lower(),
                    cal.ts(arrival, 0),
                    cal.ts(day + 1, 3600),
                    status,
                    "bank_account",
                    "standard",
                    "STRIPE PAYOUT",
                ]
            )
            if status == "paid":
                lines.append(
                    (
                        arrival,
                        0,
                        f"1{po_id}",
                        "TRANSFER",
                        "STRIPE PAYOUT",
                        po_id,
                        "STRIPE",
                        cur,
                        balance,
                        "payout",
                        po_id,
                    )
                )
            balance = 0


def _bills(
    company: Company, active: dict[int, int], customers: int, rng: random.Random
) -> list[_Bill]:
    """Every vendor bill dated on or before the end date, in bill-date order."""
    cal, mk = company.cal, company.marketing
    bills: list[_Bill] = []
    seq: dict[str, int] = {}

    def number(v: Vendor) -> str:
        seq[v.number_prefix] = seq.get(v.number_prefix, 0) + 1
        return f"{v.number_prefix}{seq[v.number_prefix]:05d}"

    def add(v: Vendor, day: int, desc: str, total: int) -> None:
        if day <= cal.end and total > 0:
            bills.append(_Bill(number(v), v, day, day + v.terms_days, desc, total))

    # ad spend per channel and month, from the same cents the ad reports print
    month_of_day = np.array([cal.month(cal.start + i) for i in range(mk.n_days)])
    channel_of = np.array([c.channel for c in mk.campaigns])
    scale = min(10.0, max(0.2, math.sqrt(customers / 10_000)))
    for m in range(cal.month(cal.start), cal.month(cal.end) + 1):
        label = cal.month_text(m)[:7]
        first_next = cal.month_first_day(m + 1)
        hosting = HOSTING_BASE_CENTS + HOSTING_PER_CUSTOMER_CENTS * active.get(m, 0)
        hosting = round(hosting * rng.uniform(0.97, 1.03))
        add(HOSTING, first_next + 1, f"AWS usage {label}", hosting)
        in_month = month_of_day == m
        for ch, vendor in enumerate(AD_VENDORS):
            spend = int(mk.spend_cents[channel_of == ch][:, in_month].sum())
            add(vendor, first_next + 2, f"Advertising {label}", spend)
        for vendor in CONTRACTORS:
            if rng.random() < CONTRACTOR_MONTHLY_P:
                amount = round(rng.uniform(1_500_00, 12_000_00) * scale)
                add(vendor, first_next + int(rng.random() * 10), f"Services {label}", amount)
    bills.sort(key=lambda b: (b.day, b.number))
    return bills


def _write_bills(
    cal: Calendar,
    bills: list[_Bill],
    rng: random.Random,
    files: dict[str, CsvFile],
    lines: list[BankLine],
) -> None:
    """Credits, payments and their bank lines; then the bills file (state at export)."""
    events = files[schema.BILL_TRUTH]
    payments: list[tuple[int, str, _Bill, int]] = []
    credits: list[tuple[int, str, _Bill, int]] = []
    n_pay = 0
    for b in bills:
        balance = b.total
        history: list[tuple[int, str, int]] = [(b.day, "issued", b.total)]
        if b.vendor.kind == "hosting" and rng.random() < VENDOR_CREDIT_P:
            amount = round_div(b.total * (5 + int(rng.random() * 11)), 100)
            day = b.day + 2 + int(rng.random() * 5)
            if day <= cal.end:
                credits.append((day, f"CN-{b.number}", b, amount))
                history.append((day, "credit_note", -amount))
                b.credited = amount
                balance -= amount
        u = rng.random()
        plan: list[tuple[int, int]] = []
        if u < BILL_NEVER_PAID_P:
            pass
        elif u < BILL_NEVER_PAID_P + BILL_PARTIAL_P:
            half = balance // 2
            first = b.due - 3 + int(rng.random() * 9)
            plan = [(first, half), (first + 10 + int(rng.random() * 30), balance - half)]
        elif u < BILL_NEVER_PAID_P + BILL_PARTIAL_P + BILL_LATE_P:
            plan = [(b.due + 1 + int(rng.random() * 35), balance)]
        else:
            plan = [(b.due - int(rng.random() * 8), balance)]
        for day, amount in plan:
            day = max(day, b.day + 1)
            if day > cal.end or amount <= 0:
                continue
            n_pay += 1
            pay_id = f"bp_RL{n_pay:08d}"
            payments.append((day, pay_id, b, amount))
            history.append((day, "payment", -amount))
            b.paid += amount
        history.sort(key=lambda e: (e[0], e[1] != "issued"))
        open_after = 0
        for day, event, amount in history:
            open_after += amount
            events.add([text(b.number), cal.day(day), event, money(amount), money(open_after)])
    out = files[schema.BILLS]
    for b in bills:
        due = b.total - b.credited - b.paid
        out.add(_bill_row(cal, b, "Bill", b.number, "", b.total, b.paid, due))
    for day, cn_number, b, amount in sorted(credits, key=lambda c: (c[0], c[1])):
        credit = _Bill(cn_number, b.vendor, day, day, f"Service credit on {b.number}", amount)
        out.add(_bill_row(cal, credit, "Credit Note", cn_number, b.number, amount, amount, 0))
    pay_out = files[schema.BILL_PAYMENTS]
    for day, pay_id, b, amount in sorted(payments, key=lambda p: (p[0], p[1])):
        pay_out.add(
            [
                pay_id,
                cal.day(day),
                text(b.vendor.name),
                text(b.number),
                money(amount),
                "USD",
                "1.000000",
                "Main USD",
                text(b.number),
                "ACCPAYPAYMENT",
                "AUTHORISED",
            ]
        )
        bank_day = day + (1 if rng.random() < 0.3 else 0)
        if bank_day <= cal.end:
            lines.append(
                (
                    bank_day,
                    0,
                    f"2{pay_id}",
                    "TRANSFER",
                    text(f"Payment to {b.vendor.name}"),
                    text(mangle(b.number, rng)),
                    text(b.vendor.name),
                    "USD",
                    -amount,
                    "bill_payment",
                    pay_id,
                )
            )


def _bill_row(
    cal: Calendar, b: _Bill, kind: str, number: str, reference: str, total: int, paid: int, due: int
) -> list[str]:
    """One row of the Xero-style bills export (one line per bill)."""
    v = b.vendor
    return [
        text(v.name),
        v.email,
        "",
        "",
        "US" if v.kind != "advertising" else "IE",
        number,
        reference,
        cal.day(b.day),
        cal.day(b.due),
        money(total),
        "0.00",
        money(paid),
        money(due),
        text(b.description),
        "1",
        money(total),
        money(total),
        v.account_code,
        "Tax Exempt",
        "0.00",
        "USD",
        kind,
        "Paid" if due == 0 else "Awaiting Payment",
    ]


def _company_lines(
    cal: Calendar, customers: int, rng: random.Random, lines: list[BankLine]
) -> None:
    """Bank lines nobody's payment explains: fees, rent, interest, savings transfers."""
    scale = max(0.1, customers / 10_000)
    n = 0
    for m in range(cal.month(cal.start), cal.month(cal.end) + 1):
        first, last = cal.month_first_day(m), cal.month_last_day(m)
        items: list[tuple[int, str, str, str, str, str, int]] = []
        for cur, fee in BANK_ACCOUNT_FEE.items():
            items.append((last, "FEE", "Monthly account fee", "", "Bank", cur, -fee))
        items.append(
            (
                first + 2,
                "TRANSFER",
                "Office rent",
                f"RENT {cal.month_text(m)[:7]}",
                "Harbour Properties LLC",
                "USD",
                -round(18_000_00 * scale),
            )
        )
        items.append(
            (
                last,
                "INTEREST",
                "Interest earned",
                "",
                "Bank",
                "USD",
                round(rng.uniform(50_00, 400_00) * scale),
            )
        )
        if m % 3 == 2:
            items.append(
                (
                    first + 14,
                    "TRANSFER",
                    "Transfer to savings",
                    "SAVINGS",
                    "Own account",
                    "USD",
                    -round(rng.uniform(20_000_00, 60_000_00) * scale),
                )
            )
        if rng.random() < 0.5:
            items.append(
                (
                    first + int(rng.random() * 27),
                    "CARD_PAYMENT",
                    "Card settlement AMEX",
                    "",
                    "American Express",
                    "USD",
                    -round(rng.uniform(800_00, 5_000_00) * scale),
                )
            )
        for day, kind, desc, ref, party, cur, amount in items:
            if day > cal.end or day < cal.start or amount == 0:
                continue
            n += 1
            lines.append((day, 0, f"3{n:08d}", kind, desc, ref, party, cur, amount, "", ""))


def _write_statement(
    cal: Calendar,
    seed: int,
    customers: int,
    merged: Iterator[BankLine],
    out: CsvFile,
    truth: CsvFile,
) -> None:
    """Number the merged lines, keep a running balance per account, write lines and truth."""
    opening = max(1, round(OPENING_BALANCE_USD * customers / 1000))
    balance: dict[str, int] = {}
    for seq, line in enumerate(merged, start=1):
        day, _g, _o, kind, desc, ref, party, cur, amount, match_kind, match_id = line
        if cur not in balance:
            balance[cur] = opening if cur == "USD" else opening // 10
        balance[cur] += amount
        digest = hashlib.md5(f"{seed}:{seq}".encode(), usedforsecurity=False).hexdigest()
        tx_id = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
        out.add(
            [
                cal.day(day),
                tx_id,
                kind,
                desc,
                ref,
                party,
                cur,
                money(amount),
                money(balance[cur]),
                f"Main {cur}",
            ]
        )
        if match_kind:
            truth.add([tx_id, cal.day(day), cur, money(amount), match_kind, match_id])
