"""One published build, opened read-only: the only way revlake reads gold.

`Build.rows` runs a read-only query on a private cursor and returns dicts keyed by column;
`has_table` / `require` answer whether gold has a table (older or partial builds may lack
newer models) with one error, `MissingTable`. Builds are immutable once published, which
makes it safe to memoise any answer per build (`Build.memo`): repeat requests cost a
dictionary lookup. The API, the dashboard, the CLI, finance/ and ml/ all read through it.

The server opens builds lazily (`open_build(path, lazy=True)`): the DuckDB connection
is made by the first query, not when a request pins the build, because opening a build
file costs tens to a couple of hundred ms and an answer stored beside the build
(`revlake.reader.answers`) needs no connection at all.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import duckdb

from revlake.errors import MissingTable, RevlakeError
from revlake.reader.tables import GOLD

T = TypeVar("T")
MEMO_ENTRIES = 2048


class Rows(Protocol):
    """What a reader of gold needs: read-only rows and which tables exist.

    `Build` is the implementation; the protocol lets finance/ and ml/ code name the
    calls they use without depending on how the build was opened.
    """

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...

    def has_table(self, table: str) -> bool: ...

    def require(self, *tables: str, hint: str = ...) -> None: ...


@dataclass(eq=False)
class Build:
    """One published build (or any DuckDB database with a gold schema), read-only."""

    path: Path
    published_at: datetime
    _con: duckdb.DuckDBPyConnection | None
    _memo: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _running: dict[Any, threading.Event] = field(default_factory=dict)
    _users: int = 0
    _tables: frozenset[str] | None = None
    _owned: bool = True
    _connecting: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    @classmethod
    def over(cls, con: duckdb.DuckDBPyConnection, path: Path | None = None) -> Build:
        """A reader over an open connection (tests, in-memory databases); not closed by us."""
        return cls(
            path=path or Path(":memory:"), published_at=datetime.now(UTC), _con=con, _owned=False
        )

    @property
    def name(self) -> str:
        return self.path.stem

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.published_at).total_seconds()

    @property
    def connected(self) -> bool:
        """Whether the DuckDB connection is open (a lazy build opens it on first query)."""
        return self._con is not None

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The build's read-only connection, opened now if the build was opened lazily."""
        con = self._con
        if con is not None:
            return con
        with self._connecting:
            if self._con is None:
                if self._closed:
                    raise RevlakeError(f"snapshot {self.path} is closed")
                self._con = _connect(self.path)
            return self._con

    def rows(
        self, sql: str, params: Sequence[Any] = (), *, views: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Run a read-only query on a private cursor; rows as dicts keyed by column.

        `views`: Arrow tables (or other objects DuckDB can scan) the query may read by
        these names, on its cursor only (e.g. a list worked out once per build)."""
        cursor = self.connection().cursor()
        try:
            for name, table in (views or {}).items():
                cursor.register(name, table)
            result = cursor.execute(sql, list(params))
            names = [d[0] for d in result.description or ()]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
        finally:
            cursor.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A private cursor for readers that need DuckDB itself (arrays, bulk reads)."""
        cursor = self.connection().cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def has_table(self, table: str) -> bool:
        """Whether gold has `table`."""
        if self._tables is None:
            found = self.rows(
                "select table_name from information_schema.tables where table_schema = ?",
                [GOLD],
            )
            self._tables = frozenset(str(r["table_name"]) for r in found)
        return table in self._tables

    def require(self, *tables: str, hint: str = "run `revlake build` to rebuild it") -> None:
        """`MissingTable` naming every table of `tables` gold lacks, and what makes them."""
        missing = [t for t in tables if not self.has_table(t)]
        if missing:
            names = ", ".join(f"{GOLD}.{t}" for t in missing)
            raise MissingTable(f"the published build {self.name} has no {names}: {hint}")

    def cached(self, key: Any) -> Any | None:
        """The answer memoised under `key`, or None (never computes)."""
        with self._lock:
            return self._memo.get(key)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """The answer cached under `key` for this build, computing it on first use.

        One computation per key at a time: callers that ask for a key while another
        thread computes it wait for that answer instead of computing it again (50
        clients asking for the same new forecast run one forecast, not 50). When the
        computation fails, each waiter tries once itself (and gets its own error).
        """
        while True:
            with self._lock:
                if key in self._memo:
                    self._memo.move_to_end(key)
                    return self._memo[key]  # type: ignore[no-any-return]
                running = self._running.get(key)
                if running is None:
                    done = self._running[key] = threading.Event()
                    break
            running.wait()
            with self._lock:
                if key not in self._memo:  # it failed (or was evicted at once): compute
                    done = threading.Event()
                    break
        try:
            value = compute()
            with self._lock:
                self._memo[key] = value
                while len(self._memo) > MEMO_ENTRIES:
                    self._memo.popitem(last=False)
            return value
        finally:
            with self._lock:
                if self._running.get(key) is done:
                    del self._running[key]
            done.set()

    def close(self) -> None:
        with self._connecting:
            self._closed = True
            if self._owned and self._con is not None:
                self._con.close()

    def __enter__(self) -> Build:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise RevlakeError(f"cannot open snapshot {path}: {exc}") from exc


def open_build(path: Path, *, lazy: bool = False) -> Build:
    """Open a build file read-only (use as a context manager to close it).

    `lazy`: connect on the first query instead (the server: see the module docstring).
    """
    con = None if lazy else _connect(path)
    try:
        stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as exc:
        if con is not None:
            con.close()
        raise RevlakeError(f"cannot open snapshot {path}: {exc.strerror}") from exc
    return Build(path=path, published_at=stamp, _con=con)
