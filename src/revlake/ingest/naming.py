"""How source headers become bronze column names (shared by ingest, dbt models and tests).

Rule: split camelCase (`CampaignId` → `Campaign_Id`), lowercase, turn every run of
characters other than a-z/0-9 into one `_`, and strip `_` at both ends. Examples:
`Created (UTC)` → `created_utc`, `IsWon` → `is_won`, `Segment__c` → `segment_c`,
`Amount spent (USD)` → `amount_spent_usd`, `CID` → `cid`, `cst_id` → `cst_id`.
A header that normalises to nothing (or starts with a digit) gets a `col_` prefix.
"""

from __future__ import annotations

import re

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def normalize_column_name(header: str) -> str:
    """The bronze column name for a source header."""
    split = _CAMEL_BOUNDARY.sub("_", header.strip())
    name = _NON_ALNUM.sub("_", split.lower()).strip("_")
    if not name or name[0].isdigit():
        name = f"col_{name}" if name else "col"
    return name
