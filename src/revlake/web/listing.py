"""Long lists on dashboard pages: paging controls over the query layer's `PageParams`,
and the "Download CSV" answer of a whole list.

Every list page takes `page` (from 1) and `per_page` (one of `PAGE_SIZES`), asks the query
layer for that window (the same functions and paging the API uses) and shows a `Pager`:
"Rows 51–100 of 1,234", previous/next links, the page sizes and the CSV link, all marked
`data-inplace` (`_pager.html`) so static/inplace.js swaps them without a reload. A page
number that is not a whole number from 1, or lies past the last page, renders the page in
its layout with the problem named (400 / 404) instead of a bare error page. A page with
several lists (the Bank page) pages each on its own: the first list takes `page` and
`per_page` (`PagingDep`), each other one `<list>_page` and `<list>_per_page`
(`ListPaging("<list>_")`); each list's links keep the other lists' pages.

The CSV routes fetch every row through the same query function, page by page
(`all_rows`), and answer them with `csv_response`: one header row with units, money as
plain decimals, a filename naming the tenant, the list and its date.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Generic, Protocol, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse

from revlake.queries.params import MAX_LIMIT, PageParams

PAGE_SIZES: tuple[int, ...] = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000
MAX_PARAM_LENGTH = 20
LIST_PARAMS = frozenset({"page", "per_page", "partial"})
"""Query parameters of the paging itself (left out of the CSV link; replaced in the pager's)."""
_LIST_PAGING = re.compile(r"[a-z][a-z0-9]*_(page|per_page)")
"""The paging parameters of a page's other lists (`ambiguous_page`, `payments_per_page`):
left out of every CSV link too."""

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
Row = TypeVar("Row")


@dataclass(frozen=True)
class Paging:
    """The requested window of a list: page number, rows per page, or what was wrong."""

    page: int = 1
    per_page: int = DEFAULT_PAGE_SIZE
    error: str | None = None
    prefix: str = ""
    """The list's part of its parameter names: "" (`page`, `per_page`) or e.g. "ambiguous_"
    (`ambiguous_page`, `ambiguous_per_page`) on a page with several lists."""

    @property
    def names(self) -> tuple[str, str]:
        """This list's query parameters: its page number's and its page size's."""
        return f"{self.prefix}page", f"{self.prefix}per_page"

    @property
    def params(self) -> PageParams:
        """The query layer's LIMIT/OFFSET for this page."""
        return PageParams(limit=self.per_page, offset=(self.page - 1) * self.per_page)


def paging(
    page: Annotated[str | None, Query(max_length=MAX_PARAM_LENGTH)] = None,
    per_page: Annotated[str | None, Query(max_length=MAX_PARAM_LENGTH)] = None,
) -> Paging:
    """`page` and `per_page` from the query; a bad value keeps the default and names the
    problem (the page shows it in its layout, see `Pager.status`)."""
    return parse_paging(page, per_page)


def parse_paging(page: str | None, per_page: str | None, prefix: str = "") -> Paging:
    """A list's window from its two query values (`paging`, `ListPaging`); a bad value keeps
    the default and names the problem."""
    number, size = 1, DEFAULT_PAGE_SIZE
    problems: list[str] = []
    if page:
        if page.isdigit() and 1 <= int(page) <= MAX_PAGE:
            number = int(page)
        else:
            problems.append(f"page {page!r} is not a page number (a whole number from 1)")
    if per_page:
        if per_page.isdigit() and int(per_page) in PAGE_SIZES:
            size = int(per_page)
        else:
            sizes = ", ".join(str(s) for s in PAGE_SIZES)
            problems.append(f"{per_page!r} rows per page is not offered (choose {sizes})")
    return Paging(number, size, "; ".join(problems) or None, prefix)


PagingDep = Annotated[Paging, Depends(paging)]


class ListPaging:
    """The dependency of one more list on a page: its window from `<prefix>page` and
    `<prefix>per_page`, so that each list of the page pages on its own. A value longer
    than `MAX_PARAM_LENGTH` is a bad value like any other (400 in the page's layout)."""

    def __init__(self, prefix: str) -> None:
        if not _LIST_PAGING.fullmatch(prefix + "page"):
            raise ValueError(f"list prefix {prefix!r} must be lower-case letters/digits and '_'")
        self.prefix = prefix

    def __call__(self, request: Request) -> Paging:
        page, per_page = (
            request.query_params.get(name)
            for name in (f"{self.prefix}page", f"{self.prefix}per_page")
        )
        return parse_paging(_short(page), _short(per_page), self.prefix)


def _short(value: str | None) -> str | None:
    """A query value as `parse_paging` names it: cut after `MAX_PARAM_LENGTH` characters
    (still not a number, so still refused)."""
    if value is None or len(value) <= MAX_PARAM_LENGTH:
        return value
    return value[:MAX_PARAM_LENGTH] + "…"


def _good_paging_value(name: str, value: str) -> bool:
    """Whether another list's paging value is one `parse_paging` takes."""
    if not value.isdigit() or len(value) > MAX_PARAM_LENGTH:
        return False
    if name.endswith("per_page"):
        return int(value) in PAGE_SIZES
    return 1 <= int(value) <= MAX_PAGE


def paging_param(name: str) -> bool:
    """Whether a query parameter pages one of a page's lists (not a filter of them)."""
    return name in LIST_PARAMS or _LIST_PAGING.fullmatch(name) is not None


@dataclass(frozen=True)
class SizeLink:
    size: int
    href: str
    current: bool


@dataclass(frozen=True)
class Pager:
    """What `_pager.html` shows under a list."""

    label: str
    total: int
    page: int
    pages: int
    prev_href: str | None
    next_href: str | None
    sizes: tuple[SizeLink, ...]
    csv_href: str
    error: str | None
    status: int
    """HTTP status of the page: 200, 400 for a bad `page`/`per_page`, 404 past the end."""


def _href(
    path: str, kept: list[tuple[str, str]], names: tuple[str, str], page: int, per_page: int
) -> str:
    query = list(kept)
    if page > 1:
        query.append((names[0], str(page)))
    if per_page != DEFAULT_PAGE_SIZE:
        query.append((names[1], str(per_page)))
    return f"{path}?{urlencode(query)}" if query else path


def csv_link(request: Request, csv_path: str) -> str:
    """The link to a list's CSV download: `csv_path` with the request's query parameters
    that are not any list's paging (the list's filters), so the file holds what the page
    lists."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if not paging_param(k)]
    return f"{csv_path}?{urlencode(kept)}" if kept else csv_path


def pager(request: Request, paging: Paging, total: int, shown: int, csv_path: str) -> Pager:
    """The pager of a list of `total` rows whose page `paging` holds `shown` rows; links
    keep the request's other query parameters (the list's filters, and the pages of the
    page's other lists, less any that is not a page: a bad one is named once, not kept)."""
    own = {*paging.names, "partial"}
    kept = [
        (k, v)
        for k, v in request.query_params.multi_items()
        if k not in own and (not paging_param(k) or _good_paging_value(k, v))
    ]
    names = paging.names
    path = request.url.path
    size = paging.per_page
    pages = max(1, -(-total // size))
    page = paging.page
    error, status = paging.error, 400 if paging.error else 200
    if error is None and page > pages:
        error, status = f"page {page} is past the last page ({pages:,} of {size} rows)", 404
    first = (page - 1) * size + 1
    if shown:
        label = f"Rows {first:,}–{first + shown - 1:,} of {total:,}"
    else:
        label = f"{total:,} rows" if total else "No rows"
    return Pager(
        label=label,
        total=total,
        page=page,
        pages=pages,
        prev_href=_href(path, kept, names, min(page, pages + 1) - 1, size) if page > 1 else None,
        next_href=_href(path, kept, names, page + 1, size) if page < pages else None,
        sizes=tuple(SizeLink(s, _href(path, kept, names, 1, s), s == size) for s in PAGE_SIZES),
        csv_href=csv_link(request, csv_path),
        error=error,
        status=status,
    )


class _Window(Protocol[T_co]):
    """A page of the query layer (`Page[...]` and its kin)."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_offset(self) -> int | None: ...


def all_rows(fetch: Callable[[PageParams], _Window[T]]) -> list[T]:
    """Every row of a list, read through its query function a page of `MAX_LIMIT` at a
    time (the same paging and order as the API's `limit`/`offset`)."""
    rows: list[T] = []
    offset: int | None = 0
    while offset is not None:
        window = fetch(PageParams(limit=MAX_LIMIT, offset=offset))
        rows.extend(window.items)
        offset = window.next_offset
    return rows


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One CSV column: its heading (with the unit: "Open balance (USD)") and its value."""

    heading: str
    value: Callable[[Row], object]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A CSV cell: money and numbers as plain decimals ("1234.50", no grouping or symbol),
    dates ISO, yes/no; text that a spreadsheet would run as a formula gets a leading "'"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def unit(currencies: Iterable[str | None]) -> str:
    """The money unit of a CSV heading: the one currency of the rows, or "currency"
    (each row's own, in its Currency column) when they mix."""
    found = {c for c in currencies if c}
    return found.pop() if len(found) == 1 else "currency"


def csv_response(
    rows: Sequence[Row],
    columns: Sequence[Column[Row]],
    *,
    tenant: str,
    build: str,
    name: str,
    day: date,
) -> StreamingResponse:
    """`rows` as a CSV download named `<tenant>-<name>-<day>.csv`, streamed in chunks.

    `X-Revlake-Build` names the published build the rows were read from (provenance for
    whoever keeps the file); not `X-Revlake-Snapshot`, which marks answers the API's
    response cache may replay, and these lists also read notes, resolutions or settings."""

    def chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c.heading for c in columns])
        for index, row in enumerate(rows, 1):
            writer.writerow([cell(c.value(row)) for c in columns])
            if index % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    filename = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in tenant)
    filename = f"{filename}-{name}-{day.isoformat()}.csv"
    return StreamingResponse(
        chunks(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Revlake-Rows": str(len(rows)),
            "X-Revlake-Build": build,
        },
    )
