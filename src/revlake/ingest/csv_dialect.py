"""Read a delimited file's header row and guess its delimiter (`,` `;` tab `|`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from revlake.errors import InputError

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16


@dataclass(frozen=True)
class CsvDialect:
    """What DuckDB needs to read the file: delimiter, header names, newline style."""

    delimiter: str
    headers: tuple[str, ...]
    newline: str


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def sniff_dialect(utf8_path: Path, display_name: str) -> CsvDialect | None:
    """Header and delimiter of a UTF-8 file; None when the file has no header line.

    The delimiter is the candidate that occurs most often (outside quotes) in the header
    line; ties go to the one that also splits the next lines into the same field count.
    """
    with utf8_path.open("rb") as handle:
        raw = handle.read(_SAMPLE_BYTES)
    text = raw.decode("utf-8-sig", errors="replace")
    if not text.strip():
        return None
    newline = "\r\n" if "\r\n" in text else ("\r" if "\r" in text and "\n" not in text else "\n")
    lines = text.split(newline)
    header_line = lines[0]
    if not header_line.strip():
        raise InputError(f"{display_name}, line 1: the first line is empty; expected a header row")
    scores = []
    for delimiter in DELIMITERS:
        count = _count_outside_quotes(header_line, delimiter)
        consistent = sum(
            1 for line in lines[1:6] if line and _count_outside_quotes(line, delimiter) == count
        )
        scores.append((count, consistent, -DELIMITERS.index(delimiter), delimiter))
    best = max(scores)
    delimiter = best[3] if best[0] > 0 else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    headers = tuple(next(reader))
    return CsvDialect(delimiter=delimiter, headers=headers, newline=newline)
