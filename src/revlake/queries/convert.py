"""Conversions from DuckDB values to the types of the response schemas: amounts of money
as exact `Decimal` (the API's one money representation), ratios and durations as float."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from revlake.schemas.common import exact_amount

ZERO = Decimal("0.00")


def num(value: Any) -> float | None:
    """A ratio, count or duration (DECIMAL/float/int) as float; None stays None."""
    if value is None:
        return None
    if isinstance(value, Decimal | float | int):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def amount(value: Any) -> Decimal | None:
    """An amount of money as an exact Decimal: DECIMAL columns as read, a DOUBLE rounded
    half up to cents; None stays None (no amount is not a zero amount)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | float | int):
        raise TypeError(f"not an amount: {value!r}")
    exact = exact_amount(value)
    return exact if isinstance(exact, Decimal) else Decimal(int(value))


def money(value: Any) -> Decimal:
    """An amount that gold never leaves null (coalesced), as an exact Decimal."""
    result = amount(value)
    return ZERO if result is None else result


def as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None
