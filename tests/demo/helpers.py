"""Readers for the generated CSVs (plain csv module: the tests read what a user would)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

CENT = Decimal("0.01")


def rows(folder: Path, rel: str) -> Iterator[dict[str, str]]:
    """The rows of one generated file as dicts keyed by header."""
    with (folder / rel).open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def dec(text: str) -> Decimal:
    """A money or rate field."""
    return Decimal(text) if text else Decimal(0)


def round2(value: Decimal) -> Decimal:
    """Round half away from zero to cents."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def day(text: str) -> date:
    """The date part of a date or timestamp field."""
    return date.fromisoformat(text[:10])
