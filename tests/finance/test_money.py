"""Money: minor units, rounding, currency rules, and allocations that add up exactly."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revlake.errors import InputError
from revlake.finance.money import (
    CurrencyMismatchError,
    Money,
    allocate,
    minor_digits,
    money_sum,
    prorate_by_days,
)

CURRENCIES = ["USD", "EUR", "JPY", "KWD", "GBP", "CLP", "BHD"]

# ------------------------------------------------------------------------ the type


def test_minor_units_come_from_cldr() -> None:
    assert minor_digits("USD") == 2
    assert minor_digits("jpy") == 0
    assert minor_digits("KWD") == 3
    assert Money("12.5", "usd").currency == "USD"
    assert Money.from_minor(1250, "USD") == Money("12.50", "USD")
    assert Money.from_minor(1250, "JPY") == Money(1250, "JPY")
    assert Money.from_minor(1250, "KWD") == Money("1.250", "KWD")
    assert Money("1.250", "KWD").minor_units == 1250


@pytest.mark.parametrize("code", ["XYZ", "US", "DOLLAR", "", "12$"])
def test_unknown_currency_is_an_input_error(code: str) -> None:
    with pytest.raises(InputError, match="unknown currency"):
        Money(1, code)


def test_floats_are_refused_and_strings_are_exact() -> None:
    with pytest.raises(InputError, match="never a binary float"):
        Money(0.1, "USD")  # type: ignore[arg-type]
    assert Money("0.1", "USD") + Money("0.2", "USD") == Money("0.3", "USD")
    with pytest.raises(InputError, match="is not a number"):
        Money("12,50", "USD")
    with pytest.raises(InputError, match="not a finite number"):
        Money("NaN", "USD")


def test_rounding_is_half_up_for_booking_and_half_even_on_request() -> None:
    assert Money("2.345", "USD").rounded() == Money("2.35", "USD")
    assert Money("2.345", "USD").rounded(ROUND_HALF_EVEN) == Money("2.34", "USD")
    assert Money("-2.345", "USD").rounded() == Money("-2.35", "USD")  # away from zero
    assert Money("1234.5", "JPY").rounded() == Money(1235, "JPY")
    assert Money("1234.5", "JPY").rounded(ROUND_HALF_EVEN) == Money(1234, "JPY")
    assert Money("0.0005", "KWD").rounded() == Money("0.001", "KWD")
    assert not Money("0.0005", "KWD").is_rounded
    with pytest.raises(InputError, match="round it first"):
        _ = Money("0.005", "USD").minor_units


def test_arithmetic_stays_within_one_currency() -> None:
    usd = Money("10.00", "USD")
    assert usd + Money("2.50", "USD") == Money("12.50", "USD")
    assert usd - Money("12.50", "USD") == Money("-2.50", "USD")
    assert usd * 3 == Money("30.00", "USD")
    assert Decimal("0.5") * usd == Money("5.00", "USD")
    assert -usd < usd <= Money("10", "USD")
    assert abs(-usd) == usd
    with pytest.raises(CurrencyMismatchError, match="cannot add USD and EUR"):
        _ = usd + Money(1, "EUR")
    with pytest.raises(CurrencyMismatchError):
        _ = usd < Money(1, "JPY")
    with pytest.raises(InputError, match="never a binary float"):
        _ = usd * 1.5  # type: ignore[operator]
    assert money_sum([usd, usd], "USD") == Money(20, "USD")
    assert money_sum([], "JPY") == Money.zero("JPY")
    with pytest.raises(CurrencyMismatchError):
        money_sum([usd], "EUR")


def test_money_is_immutable_and_hashable() -> None:
    usd = Money("1.0", "USD")
    with pytest.raises(AttributeError):
        usd.amount = Decimal(2)  # type: ignore[misc]
    assert len({usd, Money("1.00", "USD")}) == 1


def test_display() -> None:
    assert str(Money("1234.5", "USD")) == "USD 1,234.50"
    assert str(Money("1234", "JPY")) == "JPY 1,234"
    assert str(Money("1.2345", "KWD")) == "KWD 1.2345"  # unrounded amounts show in full
    assert Money("1234.5", "USD").format() == "$1,234.50"


# ------------------------------------------------------------------------ allocate


def test_allocate_gives_remainders_to_largest_fractions_then_earlier_parts() -> None:
    assert allocate(Money("0.05", "USD"), [1, 1, 1]) == [
        Money("0.02", "USD"),
        Money("0.02", "USD"),
        Money("0.01", "USD"),
    ]
    thirds = [Money(34, "JPY"), Money(33, "JPY"), Money(33, "JPY")]
    assert allocate(Money("100", "JPY"), [1, 1, 1]) == thirds
    # 10 split 1/3 : 2/3 = 3.33 : 6.67 - the larger fraction (the second) gets the unit
    assert allocate(Money("10", "JPY"), [Fraction(1, 3), Fraction(2, 3)]) == [
        Money(3, "JPY"),
        Money(7, "JPY"),
    ]
    assert allocate(Money("-0.05", "USD"), [1, 1, 1]) == [
        Money("-0.02", "USD"),
        Money("-0.02", "USD"),
        Money("-0.01", "USD"),
    ]
    assert allocate(Money("1.000", "KWD"), [0, 3, 0, 3, 3]) == [
        Money("0", "KWD"),
        Money("0.334", "KWD"),
        Money("0", "KWD"),
        Money("0.333", "KWD"),
        Money("0.333", "KWD"),
    ]


def test_allocate_rejects_bad_weights_and_unrounded_totals() -> None:
    total = Money("10.00", "USD")
    with pytest.raises(InputError, match="no weights"):
        allocate(total, [])
    with pytest.raises(InputError, match="sum to zero"):
        allocate(total, [0, 0])
    with pytest.raises(InputError, match=r"weights\[1\] = -1 is negative"):
        allocate(total, [1, -1])
    with pytest.raises(InputError, match="never a binary float"):
        allocate(total, [0.5, 0.5])  # type: ignore[list-item]
    with pytest.raises(InputError, match="round it first"):
        allocate(Money("10.001", "USD"), [1, 1])


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    currency=st.sampled_from(CURRENCIES),
    units=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=12).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocate_sums_to_the_whole_within_one_minor_unit(
    currency: str, units: int, weights: list[int]
) -> None:
    total = Money.from_minor(units, currency)
    parts = allocate(total, weights)
    assert len(parts) == len(weights)
    assert all(part.currency == currency and part.is_rounded for part in parts)
    assert sum(part.minor_units for part in parts) == units
    weight_sum = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(units * weight, weight_sum)
        assert abs(part.minor_units - exact) < 1
        if weight == 0:
            assert part.is_zero


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    units=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(
        st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=8,
    ).filter(lambda ws: sum(ws) > 0),
)
def test_allocate_with_decimal_weights_is_exact(units: int, weights: list[Decimal]) -> None:
    total = Money.from_minor(units, "USD")
    parts = allocate(total, weights)
    assert money_sum(parts, "USD") == total
    weight_sum = sum(Fraction(w) for w in weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part.minor_units - units * Fraction(weight) / weight_sum) < 1


# ------------------------------------------------------------------------ prorate by days


def test_prorate_reproduces_the_reference_example() -> None:
    """REFERENCE-DEFINITIONS: a 31-day line of 31.00 from 15 January: 17.00 + 14.00."""
    shares = prorate_by_days(Money("31.00", "USD"), dt.date(2026, 1, 15), dt.date(2026, 2, 15))
    assert [(s.start, s.end, s.days, s.amount) for s in shares] == [
        (dt.date(2026, 1, 15), dt.date(2026, 2, 1), 17, Money("17.00", "USD")),
        (dt.date(2026, 2, 1), dt.date(2026, 2, 15), 14, Money("14.00", "USD")),
    ]


def test_prorate_an_annual_plan_over_a_leap_year() -> None:
    shares = prorate_by_days(Money("1000.00", "USD"), dt.date(2028, 1, 1), dt.date(2029, 1, 1))
    assert len(shares) == 12
    assert sum(s.days for s in shares) == 366
    assert shares[1].days == 29
    assert money_sum((s.amount for s in shares), "USD") == Money("1000.00", "USD")
    # January: 31/366 of 1000 = 84.699... -> 84.70 within a cent
    assert abs(shares[0].amount.amount - Decimal(1000) * 31 / 366) < Decimal("0.01")


def test_prorate_with_explicit_cuts_and_bad_dates() -> None:
    total = Money(300, "JPY")
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    shares = prorate_by_days(total, start, end, cut_dates=[dt.date(2026, 3, 11)])
    assert [s.amount for s in shares] == [Money(100, "JPY"), Money(200, "JPY")]
    with pytest.raises(InputError, match="dates out of order"):
        prorate_by_days(total, end, start)
    with pytest.raises(InputError, match="dates out of order"):
        prorate_by_days(total, start, start)
    with pytest.raises(InputError, match="not inside the service period"):
        prorate_by_days(total, start, end, cut_dates=[dt.date(2026, 4, 2)])


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    currency=st.sampled_from(CURRENCIES),
    units=st.integers(min_value=-(10**9), max_value=10**9),
    start=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 1, 1)),
    length=st.integers(min_value=1, max_value=800),
)
def test_prorate_sums_exactly_and_is_even_by_day(
    currency: str, units: int, start: dt.date, length: int
) -> None:
    end = start + dt.timedelta(days=length)
    shares = prorate_by_days(Money.from_minor(units, currency), start, end)
    assert sum(s.amount.minor_units for s in shares) == units
    assert sum(s.days for s in shares) == length
    assert shares[0].start == start and shares[-1].end == end
    for share in shares:
        assert share.start.day == 1 or share.start == start
        assert abs(share.amount.minor_units - Fraction(units * share.days, length)) < 1
