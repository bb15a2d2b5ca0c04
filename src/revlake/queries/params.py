"""Pagination, allow-listed sorting and month filters shared by the list endpoints.

Only names from a route's allow-list ever reach SQL (mapped to column expressions written
here, never taken from the request), so a `sort` or filter value cannot inject SQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from revlake.errors import InputError

MONTH_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)
DATE_PATTERN = r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
_DATE = re.compile(DATE_PATTERN)


def _iso_date(value: object) -> object:
    """Only `YYYY-MM-DD` text (years 1900-2199) is a date here; pydantic alone would also
    read a number as a Unix time (`as_of=0` = 1970-01-01) or a datetime as its day."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("expected a date YYYY-MM-DD between 1900-01-01 and 2199-12-31")
    return value  # pydantic checks the day exists (2026-02-30 is refused)


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A date query parameter: `YYYY-MM-DD` only, anything else is a 422 naming it."""
MAX_LIMIT = 500
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse_month(value: str | None, field: str) -> date | None:
    """`YYYY-MM` as the first day of that month (None stays None)."""
    if value is None:
        return None
    if not _MONTH.match(value):
        raise InputError(f"query parameter {field!r}: expected YYYY-MM, got {value!r}")
    return date(int(value[:4]), int(value[5:7]), 1)


def order_by(
    sort: str | None, allowed: Mapping[str, str], default: str, unique: Sequence[str] = ()
) -> str:
    """An ORDER BY list for `sort` ("field,-other"; '-' = descending) from `allowed` only.

    `unique` (columns that identify a row) is appended so that ties, and hence pages,
    come out in the same order every time.
    """
    spec = sort if sort else default
    parts: list[str] = []
    for raw in spec.split(","):
        name = raw.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-").removeprefix("+")
        if name not in allowed:
            names = ", ".join(sorted(allowed))
            raise InputError(
                f"query parameter 'sort': cannot sort by {name!r}; sortable fields: {names} "
                "(prefix '-' for descending, separate several with ',')"
            )
        parts.append(f"{allowed[name]} {'desc' if descending else 'asc'} nulls last")
    parts += [f"{column} asc" for column in unique]
    return ", ".join(parts)


def page_of(rows: Sequence[dict[str, Any]], total: int, page: PageParams) -> dict[str, Any]:
    """The fields of a `Page` for `rows` fetched with LIMIT/OFFSET `page`."""
    end = page.offset + len(rows)
    return {
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": end if end < total else None,
    }


def month_range_sql(
    column: str, start: date | None, end: date | None
) -> tuple[list[str], list[Any]]:
    """WHERE conditions (and their parameters) for `start <= column <= end`."""
    conditions: list[str] = []
    params: list[Any] = []
    if start is not None:
        conditions.append(f"{column} >= ?")
        params.append(start)
    if end is not None:
        conditions.append(f"{column} <= ?")
        params.append(end)
    if start is not None and end is not None and start > end:
        raise InputError(f"query parameters: 'from' ({start:%Y-%m}) is after 'to' ({end:%Y-%m})")
    return conditions, params


def where(conditions: Sequence[str]) -> str:
    return ("where " + " and ".join(conditions)) if conditions else ""
