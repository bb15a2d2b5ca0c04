"""Conversions from DuckDB values to JSON-friendly numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def num(value: Any) -> float | None:
    """A DECIMAL/float/int as float (money has two decimals: exact as JSON text)."""
    if value is None:
        return None
    if isinstance(value, Decimal | float | int):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def money(value: Any) -> float:
    """An amount that gold never leaves null (coalesced), as float."""
    result = num(value)
    return 0.0 if result is None else result


def as_date(value: Any) -> date | None:
    return value if isinstance(value, date) else None
