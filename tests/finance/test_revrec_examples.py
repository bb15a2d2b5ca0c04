"""Worked examples of revenue recognition with their published numbers.

- Reference definitions (docs: REFERENCE-DEFINITIONS, "Subscription invoices"): a 31-day
  line of 31.00 from 15 January recognises 17.00 in January and 14.00 in February.
- IFRS 15 Illustrative Examples, Example 34, Case A (bundle discount allocated to B and
  C), carried on to recognition.
- IFRS 15 Illustrative Examples, Example 7 "Modification of a services contract"
  (IFRS 15.21(a); the same example is in ASC 606-10-55): three years of cleaning at
  100,000 a year; after two years the third year's fee is cut to 80,000 and the contract
  is extended by three years for 200,000. The 280,000 left is recognised over the four
  remaining years: 70,000 a year; the 200,000 of the first two years stays as it is.
- A refund of the unused part of an annual line, and a full refund.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from revlake.finance.contracts import parse_contract, parse_modification
from revlake.finance.money import Money
from revlake.finance.recognition import (
    build_schedule,
    invoice_line_schedule,
    ratable_months,
)

D = dt.date


def usd(value: str) -> Money:
    return Money(value, "USD")


def test_reference_31_day_line_from_15_january() -> None:
    months = ratable_months(usd("31.00"), D(2026, 1, 15), D(2026, 2, 15))
    assert months == [(D(2026, 1, 1), usd("17.00")), (D(2026, 2, 1), usd("14.00"))]
    # the same through the billing-line rule
    line = invoice_line_schedule(usd("31.00"), D(2026, 1, 15), D(2026, 2, 15), D(2026, 1, 15))
    assert [m.recognised for m in line] == [usd("17.00"), usd("14.00")]
    assert line[-1].deferred(usd("31.00")).is_zero


def test_twelve_month_contract_starting_mid_month() -> None:
    """12,000.00 from 15 March 2026 to 15 March 2027 (365 days), by calendar month."""
    start, end = D(2026, 3, 15), D(2027, 3, 15)
    months = ratable_months(usd("12000.00"), start, end)
    assert len(months) == 13
    assert sum((m for _, m in months), usd("0")) == usd("12000.00")
    # March: 17 days of 365 = 558.90; April (30 days) 1,545.21 − 558.90 = 986.31; May
    # 2,564.38 − 1,545.21 = 1,019.17 (cumulative rounding: a 31-day month is 1,019.17 or
    # 1,019.18); February 2027: 920.55; the last half-month (14 days) 460.27.
    by_month = dict(months)
    assert by_month[D(2026, 3, 1)] == usd("558.90")
    assert by_month[D(2026, 4, 1)] == usd("986.31")
    assert by_month[D(2026, 5, 1)] == usd("1019.17")
    assert by_month[D(2026, 7, 1)] == usd("1019.18")
    assert by_month[D(2027, 2, 1)] == usd("920.55")
    assert by_month[D(2027, 3, 1)] == usd("460.27")
    # every month within one cent of its exact day share
    for month, amount in months:
        nxt = D(month.year + (month.month == 12), month.month % 12 + 1, 1)
        days = (min(nxt, end) - max(month, start)).days
        exact = Fraction(12000) * days / 365
        assert abs(Fraction(amount.amount) - exact) <= Fraction(1, 100)


def test_ifrs15_example_34_bundle_discount_then_recognition() -> None:
    """A 40 (point in time), B 55 and C 45 (ratable) for 100; the discount goes to B and C."""
    contract = parse_contract(
        {
            "reference": "IE-34A",
            "currency": "USD",
            "start": "2026-01-01",
            "end": "2027-01-01",
            "price": "100",
            "discount_to": ["B", "C"],
            "obligations": [
                {
                    "name": "A",
                    "ssp": "40",
                    "pattern": "point_in_time",
                    "satisfied_on": "2026-01-01",
                },
                {"name": "B", "ssp": "55", "pattern": "ratable"},
                {"name": "C", "ssp": "45", "pattern": "ratable", "end": "2026-07-01"},
            ],
        }
    )
    schedule = build_schedule(contract)
    allocation = {line.name: line.allocated for line in schedule.segments[0].allocation.lines}
    assert allocation == {"A": usd("40.00"), "B": usd("33.00"), "C": usd("27.00")}
    assert schedule.by_obligation() == allocation
    by_month = dict(schedule.by_month())
    # January: A's 40 + B 33 × 31/365 (2.80) + C 27 × 31/181 (4.62)
    assert by_month[D(2026, 1, 1)] == usd("47.42")
    assert schedule.recognised_through(D(2026, 6, 30)) == usd("40") + usd("16.36") + usd("27")
    assert schedule.unrecognised_at(D(2026, 6, 30)) == usd("16.64")
    assert schedule.recognised_through(D(2026, 12, 31)) == usd("100.00")


CLEANING = {
    # 2098-2103 have no 29 February, so day-exact recognition equals the example's
    # per-year figures (100,000 and 70,000 a year).
    "reference": "IE-7",
    "currency": "USD",
    "start": "2098-01-01",
    "end": "2101-01-01",
    "price": "300000",
    "obligations": [{"name": "cleaning", "ssp": "300000", "pattern": "ratable"}],
}


def _yearly(schedule_rows: list[tuple[dt.date, Money]]) -> dict[int, Money]:
    years: dict[int, Money] = {}
    for month, amount in schedule_rows:
        years[month.year] = years.get(month.year, usd("0")) + amount
    return years


def test_ifrs15_example_7_modification_of_a_services_contract() -> None:
    contract = parse_contract(CLEANING)
    before = build_schedule(contract)
    assert _yearly(before.by_month()) == {
        2098: usd("100000.00"),
        2099: usd("100000.00"),
        2100: usd("100000.00"),
    }
    modification = parse_modification(
        {
            "effective": "2100-01-01",
            # third-year fee 100,000 → 80,000 (−20,000) plus 200,000 for three more years
            "added_consideration": "180000",
            "extend": {"cleaning": "2104-01-01"},
            "description": "IFRS 15 IE Example 7",
        },
        contract,
    )
    after = build_schedule(contract, [modification])
    assert after.segments[1].consideration == usd("280000.00")
    assert _yearly(after.by_month()) == {
        2098: usd("100000.00"),
        2099: usd("100000.00"),
        2100: usd("70000.00"),
        2101: usd("70000.00"),
        2102: usd("70000.00"),
        2103: usd("70000.00"),
    }
    # previously recognised revenue untouched, month by month
    assert after.by_month()[:24] == before.by_month()[:24]
    assert after.total_consideration == usd("480000.00")
    # known at the end of 2099 (before the modification): 100,000 left
    assert after.unrecognised_at(D(2099, 12, 31)) == usd("100000.00")


def test_modification_adding_a_distinct_obligation_reallocates_by_relative_ssp() -> None:
    contract = parse_contract(
        {
            "reference": "ADD-1",
            "currency": "EUR",
            "start": "2026-01-01",
            "end": "2026-12-31",
            "price": "1200",
            "obligations": [
                {"name": "support", "ssp": "1200", "pattern": "ratable", "end": "2026-12-31"}
            ],
        }
    )
    modification = parse_modification(
        {
            "effective": "2026-07-01",
            "added_consideration": "300",
            "add_obligations": [
                {
                    "name": "training",
                    "ssp": "400",
                    "pattern": "milestones",
                    "milestones": [
                        {"name": "day 1", "date": "2026-08-10", "percent": "50"},
                        {"name": "day 2", "date": "2026-09-10", "percent": "50"},
                    ],
                }
            ],
        },
        contract,
    )
    schedule = build_schedule(contract, [modification])
    recognised_before = schedule.recognised_before(D(2026, 7, 1))
    assert recognised_before == Money("596.70", "EUR")  # 1,200 × 181/364 days
    remaining = schedule.segments[1].consideration
    assert remaining == Money("1500", "EUR") - recognised_before
    lines = {line.name: line for line in schedule.segments[1].allocation.lines}
    # remaining SSP of support: 1200 × 183/364 = 603.30; training 400
    assert lines["support"].ssp == Money("603.30", "EUR")
    assert sum((line.allocated for line in lines.values()), Money("0", "EUR")) == remaining
    assert schedule.recognised_through(D(2026, 12, 31)) == Money("1500.00", "EUR")
    assert dict(schedule.by_month())[D(2026, 8, 1)] > dict(schedule.by_month())[D(2026, 10, 1)]


def test_refund_of_the_unused_part_stops_recognition() -> None:
    """An annual line of 1,200.00 from 1 January; on 1 July 604.93 (the unused part) is
    refunded: revenue stops at the 595.07 recognised for January-June; nothing is deferred."""
    net = usd("1200.00")
    refund = [(D(2026, 7, 1), usd("604.93"))]
    months = invoice_line_schedule(net, D(2026, 1, 1), D(2027, 1, 1), D(2026, 1, 1), refund)
    june, july = months[5], months[6]
    assert june.recognised_to_date == usd("595.07")
    assert july.recognised == usd("0.00") and july.credited == usd("604.93")
    assert all(m.recognised.is_zero for m in months[6:])
    assert all(m.deferred(net).is_zero for m in months[6:])
    assert months[-1].recognised_to_date + months[-1].credited_to_date == net


def test_full_refund_reverses_recognised_revenue_in_the_month_issued() -> None:
    net = usd("1200.00")
    refund = [(D(2026, 4, 10), usd("1200.00"))]
    months = invoice_line_schedule(net, D(2026, 1, 1), D(2027, 1, 1), D(2026, 1, 1), refund)
    march, april = months[2], months[3]
    assert march.recognised_to_date == usd("295.89")  # 90 of 365 days
    assert april.recognised == usd("-295.89")  # contra-revenue in April
    assert april.deferred(net).is_zero
    assert sum((m.recognised for m in months), usd("0")) == usd("0.00")


def test_credit_after_the_service_period_is_booked_in_its_month() -> None:
    net = usd("100.00")
    months = invoice_line_schedule(
        net, D(2026, 1, 1), D(2026, 2, 1), D(2026, 1, 1), [(D(2026, 3, 5), usd("40.00"))]
    )
    assert [m.month for m in months] == [D(2026, 1, 1), D(2026, 2, 1), D(2026, 3, 1)]
    assert [m.recognised for m in months] == [usd("100.00"), usd("0.00"), usd("-40.00")]


def test_zero_length_period_is_point_in_time_on_the_invoice_date() -> None:
    months = invoice_line_schedule(usd("50.00"), D(2026, 5, 3), D(2026, 5, 3), D(2026, 5, 20))
    assert [(m.month, m.recognised) for m in months] == [(D(2026, 5, 1), usd("50.00"))]


def test_variable_consideration_expected_value_and_constraint() -> None:
    base = {
        "reference": "VC-1",
        "currency": "USD",
        "start": "2026-01-01",
        "end": "2027-01-01",
        "price": "10000",
        "discount": "500",
        "obligations": [{"name": "service", "ssp": "12000", "pattern": "ratable"}],
    }
    scenarios = [
        {"amount": "0", "probability": "0.2"},
        {"amount": "1000", "probability": "0.5"},
        {"amount": "3000", "probability": "0.3"},
    ]
    expected = parse_contract(
        base | {"variable": {"method": "expected_value", "scenarios": scenarios}}
    )
    assert expected.variable is not None
    assert expected.variable.estimate() == usd("1400")
    assert expected.transaction_price == usd("10900.00")
    likely = parse_contract(base | {"variable": {"method": "most_likely", "scenarios": scenarios}})
    assert likely.transaction_price == usd("10500.00")
    constrained = parse_contract(
        base
        | {"variable": {"method": "expected_value", "scenarios": scenarios, "constraint": "800"}}
    )
    assert constrained.transaction_price == usd("10300.00")
    assert Decimal(
        build_schedule(constrained).recognised_through(D(2026, 12, 31)).amount
    ) == Decimal("10300.00")


def test_progress_measurements_with_cumulative_catch_up() -> None:
    contract = parse_contract(
        {
            "reference": "POC-1",
            "currency": "JPY",
            "start": "2026-01-01",
            "end": "2027-01-01",
            "price": "1000000",
            "obligations": [
                {
                    "name": "build",
                    "ssp": "1000000",
                    "pattern": "progress",
                    "progress": [
                        {"date": "2026-02-28", "percent": "12.5"},
                        {"date": "2026-05-31", "percent": "40"},
                        {"date": "2026-06-30", "percent": "35"},
                        {"date": "2026-11-30", "percent": "100"},
                    ],
                }
            ],
        }
    )
    by_month = dict(build_schedule(contract).by_month())
    yen = lambda v: Money(v, "JPY")  # noqa: E731
    assert by_month == {
        D(2026, 2, 1): yen(125000),
        D(2026, 5, 1): yen(275000),
        D(2026, 6, 1): yen(-50000),
        D(2026, 11, 1): yen(650000),
    }
