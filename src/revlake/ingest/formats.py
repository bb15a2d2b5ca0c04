"""File formats revlake reads, recognised by extension (and, for .json, by content)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"
    XLSX = "xlsx"


_BY_SUFFIX = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".psv": FileFormat.CSV,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
    ".json": FileFormat.JSONL,
    ".parquet": FileFormat.PARQUET,
    ".pq": FileFormat.PARQUET,
    ".xlsx": FileFormat.XLSX,
}

SUPPORTED_SUFFIXES = tuple(sorted(_BY_SUFFIX))


def detect_format(path: Path) -> FileFormat | None:
    """The format of a landing file, or None when revlake does not read that kind of file."""
    return _BY_SUFFIX.get(path.suffix.lower())
