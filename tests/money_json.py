"""Reading an API answer in a test as a client should: every amount of money is exact
decimal text ("1234.50", docs/API.md "Money"), parsed here into `Decimal`, so a test can
compare it with the numbers it computed (Decimal("80.00") == 80.0 holds exactly)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

DECIMAL_TEXT = re.compile(r"-?[0-9]+\.[0-9]+")


def with_amounts(body: Any) -> Any:
    """`body` with every decimal-text string (digits, a point, digits) as a `Decimal`;
    identifiers, dates and names are left as they are."""
    if isinstance(body, dict):
        return {key: with_amounts(value) for key, value in body.items()}
    if isinstance(body, list):
        return [with_amounts(value) for value in body]
    if isinstance(body, str) and DECIMAL_TEXT.fullmatch(body):
        return Decimal(body)
    return body
