"""Canonical JSON and the audit entry hash.

canonical JSON: keys sorted, no whitespace (`,` and `:` separators), UTF-8 without
escaping non-ASCII, timestamps as ISO-8601 UTC with exactly six fractional digits and a
`Z` (`2026-11-21T08:30:00.000000Z`). Two programs that agree on this text agree on the
hash, whatever database or language stored the entry.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

JsonValue = None | bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"]


def format_timestamp(value: datetime) -> str:
    """ISO-8601 UTC with microsecond precision: the only timestamp form that is hashed."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} cannot be hashed: give it a time zone")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_jsonable(value: Any) -> JsonValue:
    """Turn a field value into plain JSON (Decimal → string, datetime → canonical time)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return to_jsonable(value.value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be stored in the audit log (not finite)")
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    raise TypeError(f"{type(value).__name__} value {value!r} cannot be stored in the audit log")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of `value` (see the module docstring)."""
    return json.dumps(
        to_jsonable(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def entry_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    """SHA-256 hex of `prev_hash` (ASCII hex) followed by the canonical JSON of `content`."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_json(content).encode("utf-8"))
    return digest.hexdigest()


class NotCanonicalError(ValueError):
    """Stored JSON text that is not exactly the canonical text of its value."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise NotCanonicalError(f"duplicate key {key!r}")
        seen[key] = value
    return seen


def parse_canonical(text: str) -> Any:
    """The value of canonical JSON `text`; NotCanonicalError unless `text` is exactly canonical.

    A duplicate key is refused outright: JSON readers disagree about which of two values
    wins (Python keeps the last, SQLite's json_extract the first), so a text with
    duplicates could hash as one thing and be read as another. Any other deviation
    (spacing, key order, escapes) is refused too, because the hash covers the value and
    the text must therefore have exactly one form.
    """
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except NotCanonicalError:
        raise
    except ValueError as exc:
        raise NotCanonicalError(f"not JSON ({exc})") from None
    if canonical_json(value) != text:
        raise NotCanonicalError("not in canonical form (key order, spacing or escapes differ)")
    return value
