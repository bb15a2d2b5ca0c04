"""The ingest manifest (checkpoint): which file contents were loaded, when, into what.

Keyed by content hash (SHA-256, streamed: hardware-accelerated, so hashing costs a
fraction of the load), so a re-dropped file loads nothing and a file
replaced by a changed version loads as a new version of its path. A cheap pre-check on
(path, size, mtime) skips hashing files that have not been touched since they were recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

_CHUNK = 1 << 20


@dataclass(frozen=True)
class FileFacts:
    """What one pass over a file tells us: its digest, quotes, and its line endings."""

    content_hash: str
    has_quotes: bool
    crlf: int = 0  # line breaks written as CR LF
    lf: int = 0  # line breaks written as a bare LF

    @property
    def mixed_newlines(self) -> bool:
        return self.crlf > 0 and self.lf > 0


def hash_file(path: Path) -> FileFacts:
    """Hash a file in one streaming pass, counting its CR LF and bare LF line breaks."""
    digest = hashlib.sha256()
    has_quotes = False
    newlines = crlf = 0
    previous_cr = False
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            has_quotes = has_quotes or b'"' in chunk
            newlines += chunk.count(b"\n")
            crlf += chunk.count(b"\r\n") + (1 if previous_cr and chunk[:1] == b"\n" else 0)
            previous_cr = chunk[-1:] == b"\r"
    return FileFacts(
        content_hash=digest.hexdigest(), has_quotes=has_quotes, crlf=crlf, lf=newlines - crlf
    )


def normalize_newlines(source: Path, target: Path) -> None:
    """Copy a file with every CR LF turned into LF (streaming; a CR alone is kept)."""
    with source.open("rb") as reader, target.open("wb") as writer:
        carry = b""
        while chunk := reader.read(_CHUNK):
            data = carry + chunk
            carry = b"\r" if data.endswith(b"\r") else b""
            if carry:
                data = data[:-1]
            writer.write(data.replace(b"\r\n", b"\n"))
        writer.write(carry)


@dataclass(frozen=True)
class ManifestRecord:
    content_hash: str
    path: str
    size: int
    mtime_ns: int
    version: int
    status: str


class ManifestIndex:
    """The manifest as read at the start of a run, plus what this run adds."""

    def __init__(self, records: list[ManifestRecord]) -> None:
        self._by_path: dict[str, list[ManifestRecord]] = {}
        self._paths_by_hash: dict[str, str] = {}
        for record in records:
            self.add(record)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> ManifestIndex:
        rows = con.execute(
            "SELECT content_hash, path, size, mtime_ns, version, status FROM main._manifest "
            "ORDER BY loaded_at, version"
        ).fetchall()
        return cls([ManifestRecord(str(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows])

    def add(self, record: ManifestRecord) -> None:
        self._by_path.setdefault(record.path, []).append(record)
        if record.status != "failed":
            self._paths_by_hash.setdefault(record.content_hash, record.path)

    def unchanged(self, path: str, size: int, mtime_ns: int) -> bool:
        """True when the path's latest record has this size and mtime (no need to hash)."""
        records = self._by_path.get(path)
        if not records:
            return False
        return records[-1].size == size and records[-1].mtime_ns == mtime_ns

    def known(self, path: str, content_hash: str) -> bool:
        return any(r.content_hash == content_hash for r in self._by_path.get(path, []))

    def path_with_content(self, content_hash: str) -> str | None:
        return self._paths_by_hash.get(content_hash)

    def next_version(self, path: str) -> int:
        return max((r.version for r in self._by_path.get(path, [])), default=0) + 1


def mtime_timestamp(mtime_ns: int) -> dt.datetime:
    """A file's mtime as a naive UTC timestamp (how the manifest stores times)."""
    return dt.datetime.fromtimestamp(mtime_ns / 1e9, tz=dt.UTC).replace(tzinfo=None)
