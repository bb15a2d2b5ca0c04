"""ASC 606 / IFRS 15 step 5: recognition schedules of contracts entered by finance.

A contract is split into *segments* at each modification's effective date. In each
segment the consideration not yet recognised is allocated over the obligations still to
be satisfied by relative SSP (`revlake.finance.allocation`), and each obligation
recognises its allocated amount by its pattern:

  - ratable: cumulative rounding by day. Revenue recognised before day d is
    round(allocated × days served before d ÷ days in the period), so any split (calendar
    months, a modification date) sums exactly to the allocated amount and each part is
    within one minor unit of its exact day share: 31.00 over the 31 days from 15 January
    is 17.00 in January and 14.00 in February;
  - point in time: the whole amount on `satisfied_on`;
  - milestones: cumulative rounding over the achieved milestones' percents;
  - progress: cumulative rounding of allocated × percent complete (cumulative catch-up).

Modifications are prospective (ASC 606-10-25-13(a); IFRS 15.21(a)): revenue recognised
before the effective date stays as it is; the remaining consideration (transaction price
so far − recognised + added consideration) is allocated over the remaining obligations.
The standalone selling price of a partly satisfied obligation is its SSP times the part
still to deliver (days left of a ratable period at the original SSP per day, percents of
milestones not yet reached, 100 − percent complete), rounded to the minor unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from revlake.errors import InputError
from revlake.finance.allocation import (
    Allocation,
    PerformanceObligation,
    allocate_transaction_price,
)
from revlake.finance.contracts import (
    HUNDRED,
    Contract,
    Milestone,
    Modification,
    Obligation,
    ProgressMeasure,
    check_modification_order,
)
from revlake.finance.money import Money, money_sum

Cumulative = Callable[[dt.date], Money]
"""Revenue of one obligation in one segment recognised for events strictly before a day."""

_SegmentFunctions = tuple[dt.date, dt.date | None, tuple[tuple[str, Cumulative], ...]]
"""(segment start, exclusive end or None, (obligation name, cumulative function) ...)."""


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _share(total: Money, numerator: Decimal | int, denominator: Decimal | int) -> Money:
    """round_half_up(total × numerator ÷ denominator) in the currency's minor unit."""
    exact = total.amount * Decimal(numerator) / Decimal(denominator)
    return Money(exact, total.currency).rounded(ROUND_HALF_UP)


def cumulative_by_day(total: Money, start: dt.date, end: dt.date, day: dt.date) -> Money:
    """Revenue of `total` spread over [start, end) recognised for the days before `day`."""
    days = (end - start).days
    served = min(max((day - start).days, 0), days)
    return _share(total, served, days)


def ratable_months(total: Money, start: dt.date, end: dt.date) -> list[tuple[dt.date, Money]]:
    """`total` over [start, end) by calendar month with cumulative day rounding."""
    if end <= start:
        raise InputError(
            f"service period dates out of order: end {end.isoformat()} is not after "
            f"start {start.isoformat()} (end is exclusive)"
        )
    months: list[tuple[dt.date, Money]] = []
    month = month_start(start)
    previous = Money.zero(total.currency)
    while month < end:
        upto = cumulative_by_day(total, start, end, next_month(month))
        months.append((month, upto - previous))
        previous = upto
        month = next_month(month)
    return months


@dataclass(frozen=True, slots=True)
class _Plan:
    """What is left of an obligation at the start of a segment."""

    obligation: Obligation
    start: dt.date | None  # ratable: first day still to serve
    end: dt.date | None  # ratable: exclusive end (after extensions)
    milestones: tuple[Milestone, ...]
    progress_base: Decimal  # progress: percent complete at the segment start
    progress: tuple[ProgressMeasure, ...]

    def remaining_ssp(self, original_days: dict[str, int]) -> Money:
        o = self.obligation
        if o.pattern == "ratable":
            assert self.start is not None and self.end is not None
            left = max((self.end - self.start).days, 0)
            return _share(o.ssp, left, original_days[o.name])
        if o.pattern == "point_in_time":
            return o.ssp if self.start is not None else Money.zero(o.ssp.currency)
        if o.pattern == "milestones":
            return _share(o.ssp, sum((m.percent for m in self.milestones), Decimal(0)), HUNDRED)
        return _share(o.ssp, HUNDRED - self.progress_base, HUNDRED)

    def cumulative(self, allocated: Money) -> Cumulative:
        o = self.obligation
        zero = Money.zero(allocated.currency)
        if o.pattern == "ratable":
            start, end = self.start, self.end
            assert start is not None and end is not None
            return lambda day: cumulative_by_day(allocated, start, end, day)
        if o.pattern == "point_in_time":
            satisfied = o.satisfied_on
            assert satisfied is not None
            return lambda day: allocated if satisfied < day else zero
        if o.pattern == "milestones":
            weights = self.milestones
            total = sum((m.percent for m in weights), Decimal(0))

            def milestone_cum(day: dt.date) -> Money:
                reached = sum((m.percent for m in weights if m.on < day), Decimal(0))
                return _share(allocated, reached, total) if total else zero

            return milestone_cum
        base, measures = self.progress_base, self.progress

        def progress_cum(day: dt.date) -> Money:
            known = [p.percent for p in measures if p.on < day]
            if not known or base >= HUNDRED:
                return zero
            return _share(allocated, known[-1] - base, HUNDRED - base)

        return progress_cum


def _initial_plan(obligation: Obligation, segment_start: dt.date) -> _Plan:
    return _Plan(
        obligation=obligation,
        start=obligation.start if obligation.pattern == "ratable" else segment_start,
        end=obligation.end,
        milestones=obligation.milestones,
        progress_base=Decimal(0),
        progress=obligation.progress,
    )


def _advance(plan: _Plan, effective: dt.date, new_end: dt.date | None) -> _Plan | None:
    """The plan of an obligation from `effective` on; None when nothing is left to deliver."""
    o = plan.obligation
    if o.pattern == "ratable":
        assert plan.start is not None and plan.end is not None
        end = new_end or plan.end
        start = max(plan.start, effective)
        if start >= end:
            return None
        return _Plan(o, start, end, (), Decimal(0), ())
    if o.pattern == "point_in_time":
        assert o.satisfied_on is not None
        return None if o.satisfied_on < effective else plan
    if o.pattern == "milestones":
        left = tuple(m for m in plan.milestones if m.on >= effective)
        return _Plan(o, None, None, left, Decimal(0), ()) if left else None
    done = [p.percent for p in plan.progress if p.on < effective]
    base = done[-1] if done else plan.progress_base
    if base >= HUNDRED:
        return None
    later = tuple(p for p in plan.progress if p.on >= effective)
    return _Plan(o, None, None, (), base, later)


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of the contract between modifications and its allocation."""

    start: dt.date
    end: dt.date | None  # exclusive; None for the last segment
    consideration: Money
    allocation: Allocation
    modification: Modification | None


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """Revenue of one obligation recognised in one calendar month."""

    obligation: str
    month: dt.date
    amount: Money


@dataclass(frozen=True, slots=True)
class ContractSchedule:
    """A contract's allocation(s) and its recognition schedule by obligation and month."""

    contract: Contract
    segments: tuple[Segment, ...]
    rows: tuple[ScheduleRow, ...]
    _cumulative: tuple[_SegmentFunctions, ...]

    @property
    def currency(self) -> str:
        return self.contract.currency

    @property
    def total_consideration(self) -> Money:
        """Transaction price plus the consideration every modification added."""
        added = money_sum(
            (s.modification.added_consideration for s in self.segments if s.modification),
            self.currency,
        )
        return self.contract.transaction_price + added

    @property
    def obligations(self) -> tuple[str, ...]:
        names: list[str] = []
        for segment in self.segments:
            for line in segment.allocation.lines:
                if line.name not in names:
                    names.append(line.name)
        return tuple(names)

    def recognised_before(self, day: dt.date) -> Money:
        """Revenue recognised for events strictly before `day`."""
        total = Money.zero(self.currency)
        for start, end, functions in self._cumulative:
            if day <= start:
                continue
            cut = day if end is None else min(day, end)
            for _, cum in functions:
                total = total + cum(cut)
        return total

    def recognised_through(self, as_of: dt.date) -> Money:
        """Revenue recognised up to and including `as_of`."""
        return self.recognised_before(as_of + dt.timedelta(days=1))

    def unrecognised_at(self, as_of: dt.date) -> Money:
        """Consideration allocated but not yet recognised at the end of `as_of`.

        Modifications effective after `as_of` are not counted: they were not known yet.
        """
        known = self.contract.transaction_price + money_sum(
            (
                s.modification.added_consideration
                for s in self.segments
                if s.modification and s.start <= as_of
            ),
            self.currency,
        )
        return known - self.recognised_through(as_of)

    def by_month(self) -> list[tuple[dt.date, Money]]:
        """Total revenue per calendar month."""
        totals: dict[dt.date, Money] = {}
        for row in self.rows:
            totals[row.month] = totals.get(row.month, Money.zero(self.currency)) + row.amount
        return sorted(totals.items())

    def by_obligation(self) -> dict[str, Money]:
        totals = {name: Money.zero(self.currency) for name in self.obligations}
        for row in self.rows:
            totals[row.obligation] = totals[row.obligation] + row.amount
        return totals


def _last_event(plans: Sequence[_Plan], fallback: dt.date) -> dt.date:
    days = [fallback]
    for plan in plans:
        o = plan.obligation
        if plan.end is not None:
            days.append(plan.end)
        if o.satisfied_on is not None:
            days.append(o.satisfied_on + dt.timedelta(days=1))
        days.extend(m.on + dt.timedelta(days=1) for m in plan.milestones)
        days.extend(p.on + dt.timedelta(days=1) for p in plan.progress)
    return max(days)


def build_schedule(
    contract: Contract, modifications: Sequence[Modification] = ()
) -> ContractSchedule:
    """The allocation and monthly recognition schedule of a contract and its modifications."""
    check_modification_order(modifications)
    original_days: dict[str, int] = {}
    plans: list[_Plan] = []
    for obligation in contract.obligations:
        if obligation.pattern == "ratable":
            assert obligation.start is not None and obligation.end is not None
            original_days[obligation.name] = (obligation.end - obligation.start).days
        plans.append(_initial_plan(obligation, contract.start))
    allocation = allocate_transaction_price(
        contract.transaction_price,
        [PerformanceObligation(o.name, o.ssp) for o in contract.obligations],
        discount_to=list(contract.discount_to) or None,
    )
    segment_start = contract.start
    consideration = contract.transaction_price
    segments: list[Segment] = []
    cumulative: list[_SegmentFunctions] = []
    all_plans: list[_Plan] = list(plans)
    current: tuple[Allocation, list[_Plan], Modification | None] = (allocation, plans, None)
    recognised_total = Money.zero(contract.currency)
    total_so_far = contract.transaction_price

    for modification in [*modifications, None]:
        seg_allocation, seg_plans, seg_modification = current
        allocated = {line.name: line.allocated for line in seg_allocation.lines}
        functions = tuple(
            (plan.obligation.name, plan.cumulative(allocated[plan.obligation.name]))
            for plan in seg_plans
        )
        seg_end = modification.effective if modification else None
        segments.append(
            Segment(segment_start, seg_end, consideration, seg_allocation, seg_modification)
        )
        cumulative.append((segment_start, seg_end, functions))
        if modification is None:
            break
        effective = modification.effective
        if effective < segment_start:
            raise InputError(
                f"modification effective {effective.isoformat()} is before "
                f"{segment_start.isoformat()}"
            )
        recognised_total = recognised_total + money_sum(
            (cum(effective) for _, cum in functions), contract.currency
        )
        total_so_far = total_so_far + modification.added_consideration
        remaining = total_so_far - recognised_total
        next_plans: list[_Plan] = []
        known = {p.obligation.name for p in seg_plans}
        for name in modification.extend:
            if name not in known:
                raise InputError(
                    f"extend.{name}: the obligation is already fully satisfied or unknown "
                    f"at {effective.isoformat()}"
                )
        for plan in seg_plans:
            advanced = _advance(plan, effective, modification.extend.get(plan.obligation.name))
            if advanced is not None:
                next_plans.append(advanced)
        for obligation in modification.add_obligations:
            if obligation.pattern == "ratable":
                assert obligation.start is not None and obligation.end is not None
                original_days[obligation.name] = (obligation.end - obligation.start).days
            next_plans.append(_initial_plan(obligation, effective))
        all_plans.extend(next_plans)
        weighted = [(plan, plan.remaining_ssp(original_days)) for plan in next_plans]
        weighted = [(plan, ssp) for plan, ssp in weighted if ssp.is_positive]
        if not weighted:
            raise InputError(
                f"modification effective {effective.isoformat()}: no obligation is left to "
                "satisfy, so there is nothing to reallocate the consideration to"
            )
        if not remaining.is_positive:
            raise InputError(
                f"modification effective {effective.isoformat()}: the remaining consideration "
                f"would be {remaining}, which cannot be allocated to remaining obligations"
            )
        seg_alloc = allocate_transaction_price(
            remaining, [PerformanceObligation(p.obligation.name, ssp) for p, ssp in weighted]
        )
        current = (seg_alloc, [p for p, _ in weighted], modification)
        segment_start = effective
        consideration = remaining

    last = _last_event(all_plans, contract.end)
    rows: list[ScheduleRow] = []
    month = month_start(contract.start)
    names: list[str] = []
    for segment in segments:
        for line in segment.allocation.lines:
            if line.name not in names:
                names.append(line.name)
    while month < last:
        following = next_month(month)
        amounts: dict[str, Money] = {}
        for start, end, functions in cumulative:
            lo = max(month, start)
            hi = following if end is None else min(following, end)
            if hi <= lo:
                continue
            for name, cum in functions:
                part = cum(hi) - cum(lo)
                amounts[name] = amounts.get(name, Money.zero(contract.currency)) + part
        for name in names:
            if name in amounts and not amounts[name].is_zero:
                rows.append(ScheduleRow(name, month, amounts[name]))
        month = following
    return ContractSchedule(contract, tuple(segments), tuple(rows), tuple(cumulative))


# ------------------------------------------------------------ billing-driven recognition


@dataclass(frozen=True, slots=True)
class LineMonth:
    """One month of an invoice line's schedule (see `invoice_line_schedule`)."""

    month: dt.date
    recognised: Money
    credited: Money
    recognised_to_date: Money
    credited_to_date: Money

    def deferred(self, billed: Money) -> Money:
        """billed − credited to date − recognised to date, at the month's end."""
        return billed - self.credited_to_date - self.recognised_to_date


def invoice_line_schedule(
    net: Money,
    start: dt.date | None,
    end: dt.date | None,
    invoice_date: dt.date,
    credits: Sequence[tuple[dt.date, Money]] = (),
) -> list[LineMonth]:
    """The monthly schedule of one invoice line: the rule `fct_revenue_schedule` applies.

    Recognised through the end of month m, before credits:
        Rorig(m) = round(net × days of [start, end) before the first of m+1 ÷ days), half-up.
    A line with no period, or a zero-length or reversed one, is recognised at a point in
    time: in full in the month of `invoice_date`. Credits (the revenue part of credit
    notes against the line, dated) first consume the unrecognised balance:
        R(m) = Rorig(m) for a non-negative line capped at net − credits to date
    so a refund of the unused part stops recognition, and a credit larger than the
    unrecognised balance reverses revenue already recognised in the month it is issued
    (a negative `recognised`). Months run from the first month of service (or of the
    invoice date for a point-in-time line) to the later of its last service month and
    its last credit's month.
    """
    point_in_time = start is None or end is None or end <= start
    first = month_start(invoice_date if point_in_time or start is None else start)
    last = month_start(invoice_date if point_in_time or end is None else end - dt.timedelta(1))
    for day, _ in credits:
        first = min(first, month_start(day))
        last = max(last, month_start(day))
    zero = Money.zero(net.currency)
    months: list[LineMonth] = []
    month = first
    previous = zero
    while month <= last:
        following = next_month(month)
        if point_in_time:
            scheduled = net if invoice_date < following else zero
        else:
            assert start is not None and end is not None
            scheduled = cumulative_by_day(net, start, end, following)
        credited_to_date = money_sum((c for d, c in credits if d < following), net.currency)
        credited = money_sum((c for d, c in credits if month <= d < following), net.currency)
        cap = net - credited_to_date
        upto = scheduled if net.is_negative or scheduled <= cap else cap
        months.append(LineMonth(month, upto - previous, credited, upto, credited_to_date))
        previous = upto
        month = following
    return months
