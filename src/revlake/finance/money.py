"""Exact money: a Decimal amount in an ISO 4217 currency, and allocations that add up.

Rules (see docs/FINANCE.md):
- Amounts are `decimal.Decimal`, never binary floats: a float passed as an amount is
  refused, because 0.1 + 0.2 != 0.3 in binary and booked numbers must be exact.
- The minor unit of a currency (2 decimals for USD, 0 for JPY, 3 for KWD) comes from
  CLDR through babel (`babel.numbers.get_currency_precision`); a code CLDR does not know
  is refused.
- Arithmetic happens only within one currency; mixing currencies raises
  CurrencyMismatchError. Intermediate results keep full precision.
- Booked amounts are rounded to the minor unit with ROUND_HALF_UP (commercial rounding,
  the rule invoices and tax authorities use); `Money.rounded` also takes ROUND_HALF_EVEN
  (banker's rounding) for callers that need it.
- Splitting an amount (`allocate`, `prorate_by_days`) never rounds parts independently:
  it uses the largest-remainder method so the parts always sum exactly to the whole and
  each part is within one minor unit of its exact proportional share.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision, list_currencies

from revlake.errors import InputError

BOOKING_ROUNDING = ROUND_HALF_UP
"""The rounding mode for booked amounts (decimal module constant)."""

ROUNDING_MODES = frozenset({ROUND_HALF_UP, ROUND_HALF_EVEN})

Number = int | Decimal | str


class CurrencyMismatchError(InputError):
    """Two amounts in different currencies were combined."""


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_code(code: str) -> str:
    """Normalise and check an ISO 4217 code ("usd" -> "USD"); unknown codes are refused."""
    if not isinstance(code, str):
        raise InputError(f"currency must be an ISO 4217 code, got {code!r}")
    return _checked_code(code)


@lru_cache(maxsize=512)
def _checked_code(code: str) -> str:
    normalised = code.strip().upper()
    if len(normalised) != 3 or not normalised.isalpha() or normalised not in _known_currencies():
        raise InputError(f"unknown currency {code!r}: expected an ISO 4217 code such as USD")
    return normalised


def minor_digits(currency: str) -> int:
    """Number of decimals of the currency's minor unit (USD 2, JPY 0, KWD 3)."""
    return _digits(currency_code(currency))


@lru_cache(maxsize=512)
def _digits(code: str) -> int:
    return int(get_currency_precision(code))


def to_decimal(value: object, *, field: str = "amount") -> Decimal:
    """An exact Decimal from an int, Decimal or numeric string; floats are refused."""
    if isinstance(value, (bool, float)):
        raise InputError(
            f"{field} = {value!r}: give money as a Decimal, int or string, never a binary float"
        )
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise InputError(f"{field} = {value!r} is not a number") from None
    else:
        raise InputError(f"{field} = {value!r} is not a number")
    if not number.is_finite():
        raise InputError(f"{field} = {value!r} is not a finite number")
    return number


@dataclass(frozen=True, slots=True)
class Money:
    """An immutable amount of one currency. `Money("12.50", "usd")` is USD 12.50."""

    amount: Decimal
    currency: str

    def __init__(self, amount: Number, currency: str) -> None:
        object.__setattr__(self, "amount", to_decimal(amount))
        object.__setattr__(self, "currency", currency_code(currency))

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """From an integer count of minor units: from_minor(1250, "USD") is USD 12.50."""
        if isinstance(units, bool) or not isinstance(units, int):
            raise InputError(f"minor units must be an integer, got {units!r}")
        return cls(Decimal(units).scaleb(-minor_digits(currency)), currency)

    @classmethod
    def checked(cls, amount: Decimal, currency: str) -> Money:
        """From a finite Decimal (as DuckDB returns DECIMAL columns) and a code that
        `currency_code` already returned: the bulk readers' constructor (no re-parsing)."""
        if not isinstance(amount, Decimal) or not amount.is_finite():
            return cls(amount, currency)  # the full checks, and their error
        return cls._trusted(amount, currency)

    @classmethod
    def _trusted(cls, amount: Decimal, currency: str) -> Money:
        """Internal constructor for values already checked (a Decimal, a known code)."""
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money

    # -- the minor unit -----------------------------------------------------------------

    @property
    def digits(self) -> int:
        """Decimals of this currency's minor unit."""
        return minor_digits(self.currency)

    @property
    def quantum(self) -> Decimal:
        """The minor unit as a Decimal exponent: Decimal('0.01') for USD."""
        return Decimal(1).scaleb(-self.digits)

    def rounded(self, rounding: str = BOOKING_ROUNDING) -> Money:
        """Rounded to the minor unit (half-up by default, half-even on request)."""
        if rounding not in ROUNDING_MODES:
            raise InputError(f"rounding must be ROUND_HALF_UP or ROUND_HALF_EVEN, not {rounding}")
        return Money._trusted(self.amount.quantize(self.quantum, rounding=rounding), self.currency)

    @property
    def is_rounded(self) -> bool:
        """Whether the amount is a whole number of minor units (bookable as is)."""
        return self.amount == self.amount.quantize(self.quantum, rounding=ROUND_HALF_UP)

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units; it must already be rounded."""
        if not self.is_rounded:
            raise InputError(
                f"{self} is not a whole number of {self.currency} minor units "
                f"({self.digits} decimals): round it first"
            )
        return int(self.amount.scaleb(self.digits))

    # -- arithmetic within one currency -------------------------------------------------

    def _same(self, other: object, operation: str) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot {operation} Money and {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatchError(
                f"cannot {operation} {self.currency} and {other.currency} amounts"
            )
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other, "add").amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other, "subtract").amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        return Money(self.amount * to_decimal(factor, field="factor"), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other, "compare").amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other, "compare").amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other, "compare").amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other, "compare").amount

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    # -- display ------------------------------------------------------------------------

    def __str__(self) -> str:
        shown = self.amount if not self.is_rounded else self.amount.quantize(self.quantum)
        return f"{self.currency} {shown:,}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"

    def format(self, locale: str = "en_US") -> str:
        """Localised display, e.g. '$1,234.50' or '¥1,235' (display only, never booked)."""
        return str(format_currency(self.amount, self.currency, locale=locale))


def money_sum(items: Iterable[Money], currency: str) -> Money:
    """Sum of amounts of one currency (zero for none); any other currency is an error."""
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


# ------------------------------------------------------------------------------ splitting


def _as_weight(value: object, position: int) -> Fraction | int:
    if isinstance(value, int) and not isinstance(value, bool):
        weight: Fraction | int = value
    elif isinstance(value, Fraction):
        weight = value
    elif isinstance(value, Money):
        weight = Fraction(value.amount)
    else:
        weight = Fraction(to_decimal(value, field=f"weights[{position}]"))
    if weight < 0:
        raise InputError(f"weights[{position}] = {value} is negative")
    return weight


def allocate(total: Money, weights: Sequence[int | Decimal | Fraction | Money]) -> list[Money]:
    """Split `total` in proportion to `weights` so that the parts sum exactly to it.

    Largest-remainder (Hamilton) method on minor units: each part first gets the floor of
    its exact share; the few minor units left go one each to the parts with the largest
    fractional remainders, ties going to the earlier part. Every part is therefore within
    one minor unit of its exact share; a zero weight always gets zero. A negative total
    (a credit) is split as its absolute value and negated, so the rule is symmetric.
    """
    if not weights:
        raise InputError("allocate: no weights given")
    exact_weights = [_as_weight(w, i) for i, w in enumerate(weights)]
    if not any(exact_weights):
        raise InputError("allocate: the weights sum to zero")
    # scale the weights to integers over a common denominator: all-integer arithmetic
    common = math.lcm(*(w.denominator for w in exact_weights))
    int_weights = [w.numerator * (common // w.denominator) for w in exact_weights]
    int_sum = sum(int_weights)
    units = total.minor_units
    sign = -1 if units < 0 else 1
    magnitude = abs(units)
    floors: list[int] = []
    remainders: list[int] = []
    for weight in int_weights:
        whole, rest = divmod(magnitude * weight, int_sum)
        floors.append(whole)
        remainders.append(rest)
    left = magnitude - sum(floors)
    if left:
        order = sorted(range(len(floors)), key=lambda i: (-remainders[i], i))
        for i in order[:left]:
            floors[i] += 1
    digits = total.digits
    return [Money._trusted(Decimal(sign * part).scaleb(-digits), total.currency) for part in floors]


@dataclass(frozen=True, slots=True)
class DayShare:
    """One slice of a prorated amount: [start, end) with its day count and amount."""

    start: dt.date
    end: dt.date
    days: int
    amount: Money


def month_cuts(start: dt.date, end: dt.date) -> list[dt.date]:
    """First days of the calendar months strictly inside (start, end)."""
    cuts: list[dt.date] = []
    year, month = start.year, start.month
    while True:
        month += 1
        if month == 13:
            year, month = year + 1, 1
        first = dt.date(year, month, 1)
        if first >= end:
            return cuts
        cuts.append(first)


def prorate_by_days(
    total: Money,
    start: dt.date,
    end: dt.date,
    *,
    cut_dates: Sequence[dt.date] | None = None,
) -> list[DayShare]:
    """Spread `total` evenly by day over the service period [start, end), end exclusive.

    The period is cut at the first day of every calendar month (or at `cut_dates`), and
    the amount is allocated by days with `allocate`, so the slices sum exactly to the
    total. Example: 31.00 over 15 Jan - 15 Feb (31 days) is 17.00 for January and 14.00
    for February.
    """
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise InputError("prorate_by_days: start and end must be dates")
    if end <= start:
        raise InputError(
            f"service period dates out of order: end {end.isoformat()} is not after "
            f"start {start.isoformat()} (end is exclusive)"
        )
    if cut_dates is None:
        cuts = month_cuts(start, end)
    else:
        cuts = sorted(set(cut_dates))
        outside = [c for c in cuts if not start < c < end]
        if outside:
            raise InputError(
                f"cut date {outside[0].isoformat()} is not inside the service period "
                f"{start.isoformat()} - {end.isoformat()}"
            )
    edges = [start, *cuts, end]
    spans = list(itertools.pairwise(edges))
    days = [(b - a).days for a, b in spans]
    parts = allocate(total, days)
    return [DayShare(a, b, n, part) for (a, b), n, part in zip(spans, days, parts, strict=True)]
