"""Streaming CSV files with running row counts and SHA-256, and the text forms of values.

Rows are lists of already formatted strings; free text goes through `text()` so that the
files follow RFC 4180 quoting (quotes only when needed). Bytes are hashed as they are
written, so the manifest never re-reads the files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import BinaryIO

_FLUSH_LINES = 20000
_COPY_BLOCK = 1 << 20


def text(value: str) -> str:
    """A free-text field, quoted only when it contains a comma, quote or line break."""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def money(cents: int) -> str:
    """Minor units as a plain decimal with two places: 123450 → `1234.50`."""
    # A double holds cents / 100 to well under half a cent below 1e13, so "%.2f" is exact.
    return f"{cents / 100:.2f}"


def boolean(value: bool) -> str:
    """`true` / `false`."""
    return "true" if value else "false"


def round_div(num: int, den: int) -> int:
    """num / den rounded half away from zero (den > 0)."""
    if num >= 0:
        return (2 * num + den) // (2 * den)
    return -((2 * -num + den) // (2 * den))


class CsvFile:
    """One output CSV: header written on open, rows buffered, hashed and counted.

    A file opened without a header is a *part* (one chunk's rows, written by a worker
    process) that `append_part` later copies into the real file.
    """

    def __init__(self, path: Path, header: tuple[str, ...] | None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.rows = 0
        self._sha = hashlib.sha256()
        self._fh: BinaryIO = path.open("wb")
        self._buffer: list[str] = []
        if header is not None:
            self._emit(",".join(header) + "\n")

    def add(self, row: list[str]) -> None:
        """Append one row (already formatted fields)."""
        self._buffer.append(",".join(row))
        if len(self._buffer) >= _FLUSH_LINES:
            self.flush()

    def flush(self) -> None:
        """Write buffered rows to disk."""
        if self._buffer:
            self.rows += len(self._buffer)
            self._emit("\n".join(self._buffer) + "\n")
            self._buffer.clear()

    def append_part(self, part: Path, rows: int) -> None:
        """Copy a part file's bytes (`rows` rows) to the end of this file, then delete it."""
        self.flush()
        with part.open("rb") as fh:
            while block := fh.read(_COPY_BLOCK):
                self._sha.update(block)
                self._fh.write(block)
        self.rows += rows
        part.unlink()

    def _emit(self, chunk: str) -> None:
        data = chunk.encode("utf-8")
        self._sha.update(data)
        self._fh.write(data)

    def close(self) -> str:
        """Flush, close and return the file's SHA-256 (hex)."""
        self.flush()
        self._fh.close()
        return self._sha.hexdigest()
