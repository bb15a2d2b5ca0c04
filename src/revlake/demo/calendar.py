"""Day arithmetic and the text forms the exports use.

Days are proleptic ordinals (`date.toordinal()`), months are `year * 12 + month - 1`.
Formatting goes through precomputed tables because the generator prints tens of millions
of dates.
"""

from __future__ import annotations

from datetime import date

_TIMES: list[str] = [
    f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
]
_MARGIN_BEFORE = 3700  # users were hired up to ten years before the history starts
_MARGIN_AFTER = 1200  # expected close dates and period ends run past the end


class Calendar:
    """Formatting and month arithmetic over the generator's day range."""

    def __init__(self, start: date, end: date) -> None:
        self.start = start.toordinal()
        self.end = end.toordinal()
        self._lo = self.start - _MARGIN_BEFORE
        hi = self.end + _MARGIN_AFTER
        days = [date.fromordinal(o) for o in range(self._lo, hi)]
        self._text = [d.isoformat() for d in days]
        self._n = len(days)
        self._month = [d.year * 12 + d.month - 1 for d in days]
        self._dom = [d.day for d in days]
        self.first_month = self.month(self.start)
        self._m0 = self._month[0]
        self._month_first = [
            date(mi // 12, mi % 12 + 1, 1).toordinal()
            for mi in range(self._m0, self._month[-1] + 2)
        ]
        self._month_text = [
            f"{mi // 12:04d}-{mi % 12 + 1:02d}-01" for mi in range(self._m0, self._month[-1] + 2)
        ]
        # The last month whose last day is on or before the end date.
        last = self.month(self.end)
        self.last_full_month = last if self.month_last_day(last) <= self.end else last - 1

    def day(self, o: int) -> str:
        """`YYYY-MM-DD` of ordinal `o`."""
        i = o - self._lo
        if 0 <= i < self._n:
            return self._text[i]
        return date.fromordinal(o).isoformat()

    def ts(self, o: int, sec: int) -> str:
        """`YYYY-MM-DD HH:MM:SS` of ordinal `o` at second-of-day `sec`."""
        i = o - self._lo
        if 0 <= i < self._n:
            return self._text[i] + " " + _TIMES[sec]
        return date.fromordinal(o).isoformat() + " " + _TIMES[sec]

    def month(self, o: int) -> int:
        """Month index of ordinal `o`."""
        if self._lo <= o < self._lo + len(self._month):
            return self._month[o - self._lo]
        d = date.fromordinal(o)
        return d.year * 12 + d.month - 1

    def dom(self, o: int) -> int:
        """Day of month of ordinal `o`."""
        if self._lo <= o < self._lo + len(self._dom):
            return self._dom[o - self._lo]
        return date.fromordinal(o).day

    def month_first_day(self, mi: int) -> int:
        """Ordinal of the first day of month index `mi`."""
        i = mi - self._m0
        if 0 <= i < len(self._month_first):
            return self._month_first[i]
        return date(mi // 12, mi % 12 + 1, 1).toordinal()

    def month_last_day(self, mi: int) -> int:
        """Ordinal of the last day of month index `mi`."""
        return self.month_first_day(mi + 1) - 1

    def month_text(self, mi: int) -> str:
        """`YYYY-MM-01` of month index `mi`."""
        i = mi - self._m0
        if 0 <= i < len(self._month_text):
            return self._month_text[i]
        return f"{mi // 12:04d}-{mi % 12 + 1:02d}-01"

    def add_months(self, anchor: int, k: int) -> int:
        """Stripe billing-cycle arithmetic: the anchor's day of month, clamped to month end."""
        mi = self.month(anchor) + k
        first = self.month_first_day(mi)
        length = self.month_first_day(mi + 1) - first
        return first + min(self.dom(anchor), length) - 1
