"""The deal history the pipeline models learn from, as column arrays.

One `DealHistory` holds every opportunity of a tenant (one row per deal) and every open
stage entry (one row per deal per stage entered, sorted by deal then date). Dates are
integer days since 1970-01-01; a missing date is `NO_DATE`. Features are computed from
these arrays as of any date (revlake.ml.features), so one load serves training snapshots
at many past dates and scoring at the snapshot's as-of date.

`load_deal_history` reads the gold layer of a published build (`gold.fct_pipeline`,
`gold.fct_opportunity_stage_history`, `gold.dim_customer` for the segment); tests and the
benchmark build a history directly with `DealHistory.from_columns`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from revlake.errors import InputError, RevlakeError

NO_DATE = np.int64(-(10**9))
EPOCH = date(1970, 1, 1)

CATEGORICAL_COLUMNS = ("source", "product", "plan", "segment", "channel")

ObjArray = NDArray[np.object_]
IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def day_number(value: date | None) -> int:
    """Days since 1970-01-01 (NO_DATE for None)."""
    return int(NO_DATE) if value is None else (value - EPOCH).days


def day_date(day: int) -> date:
    """The calendar date of a day number."""
    return date.fromordinal(EPOCH.toordinal() + int(day))


@dataclass(frozen=True)
class DealHistory:
    """Deals (one row each) and their open-stage entries (sorted by deal, then date)."""

    opportunity_id: ObjArray
    created: IntArray
    close: IntArray
    is_closed: BoolArray
    is_won: BoolArray
    amount: FloatArray  # reporting currency; NaN when unknown
    rep: ObjArray
    account: ObjArray
    categoricals: Mapping[str, ObjArray]
    stage_name: ObjArray  # the stage now (for open deals: the stage at the as-of date)
    ev_deal: IntArray  # stage entries: deal index
    ev_day: IntArray  # stage entries: day entered (a missing date → the deal's creation)
    ev_stage: ObjArray  # stage entries: stage name
    as_of: int  # the day the data describes (the build's as-of date)

    @property
    def n(self) -> int:
        return int(self.opportunity_id.size)

    @classmethod
    def from_columns(
        cls,
        *,
        opportunity_id: Sequence[str],
        created: Sequence[date | None],
        close: Sequence[date | None],
        is_closed: Sequence[bool],
        is_won: Sequence[bool],
        amount: Sequence[float | None],
        rep: Sequence[str | None],
        account: Sequence[str | None],
        categoricals: Mapping[str, Sequence[str | None]],
        stage_name: Sequence[str | None],
        events: Sequence[tuple[str, date | None, str]],
        as_of: date,
    ) -> DealHistory:
        """Build a history from Python values; `events` are (opportunity id, entered, stage)."""
        ids = np.asarray(list(opportunity_id), dtype=object)
        n = ids.size
        if len(set(ids.tolist())) != n:
            raise InputError("opportunity ids must be unique")
        for name, column in {
            "created": created,
            "close": close,
            "is_closed": is_closed,
            "is_won": is_won,
            "amount": amount,
            "rep": rep,
            "account": account,
            "stage_name": stage_name,
        }.items():
            if len(column) != n:
                raise InputError(f"column {name!r} has {len(column)} values, expected {n}")
        cats: dict[str, ObjArray] = {}
        for name in CATEGORICAL_COLUMNS:
            values = categoricals.get(name, [None] * n)
            if len(values) != n:
                raise InputError(f"column {name!r} has {len(values)} values, expected {n}")
            cats[name] = np.asarray(list(values), dtype=object)
        created_days = np.array([day_number(d) for d in created], dtype=np.int64)
        index = {opp: i for i, opp in enumerate(ids.tolist())}
        ev_deal: list[int] = []
        ev_day: list[int] = []
        ev_stage: list[str] = []
        for line, (opp, entered, stage) in enumerate(events, start=1):
            if opp not in index:
                raise InputError(f"stage entry {line}: unknown opportunity id {opp!r}")
            i = index[opp]
            ev_deal.append(i)
            ev_day.append(int(created_days[i]) if entered is None else day_number(entered))
            ev_stage.append(stage)
        return cls.build(
            opportunity_id=ids,
            created=created_days,
            close=np.array([day_number(d) for d in close], dtype=np.int64),
            is_closed=np.asarray(is_closed, dtype=bool),
            is_won=np.asarray(is_won, dtype=bool),
            amount=np.array([np.nan if a is None else float(a) for a in amount]),
            rep=np.asarray(list(rep), dtype=object),
            account=np.asarray(list(account), dtype=object),
            categoricals=cats,
            stage_name=np.asarray(list(stage_name), dtype=object),
            ev_deal=np.asarray(ev_deal, dtype=np.int64),
            ev_day=np.asarray(ev_day, dtype=np.int64),
            ev_stage=np.asarray(ev_stage, dtype=object),
            as_of=day_number(as_of),
        )

    @classmethod
    def build(
        cls,
        *,
        opportunity_id: ObjArray,
        created: IntArray,
        close: IntArray,
        is_closed: BoolArray,
        is_won: BoolArray,
        amount: FloatArray,
        rep: ObjArray,
        account: ObjArray,
        categoricals: Mapping[str, ObjArray],
        stage_name: ObjArray,
        ev_deal: IntArray,
        ev_day: IntArray,
        ev_stage: ObjArray,
        as_of: int,
    ) -> DealHistory:
        """Check shapes and sort the stage entries by (deal, day)."""
        n = opportunity_id.size
        for name, arr in (("created", created), ("close", close), ("amount", amount)):
            if arr.shape != (n,):
                raise InputError(f"{name} must have one value per deal")
        if (is_won & ~is_closed).any():
            raise InputError("a deal cannot be won without being closed")
        order = np.lexsort((np.arange(ev_deal.size), ev_day, ev_deal))
        return cls(
            opportunity_id=opportunity_id,
            created=created,
            close=close,
            is_closed=is_closed,
            is_won=is_won,
            amount=amount,
            rep=rep,
            account=account,
            categoricals=dict(categoricals),
            stage_name=stage_name,
            ev_deal=ev_deal[order],
            ev_day=ev_day[order],
            ev_stage=ev_stage[order],
            as_of=int(as_of),
        )


def open_deal_indices(history: DealHistory) -> IntArray:
    """THE open deals: every deal not closed at the as-of date, with or without a created
    date. Scoring, the forecast and the summaries all count these (a deal without a
    created date gets an imputed age: revlake.ml.open_deals)."""
    return np.flatnonzero(~history.is_closed).astype(np.int64)


MODEL_AMOUNT_SQL = """case
    -- an open deal: the amount every open-pipeline figure counts (fct_pipeline)
    when not p.is_closed then cast(p.pipeline_amount_rc as double)
    -- MavenTech records a value only at close (lost deals: none), so a closed deal's amount
    -- would give the outcome away: its product's list price, as for its open deals
    when p.source_system = 'maven' then cast(p.list_price as double)
    else cast(p.amount_rc as double) end"""
"""The amount the models learn from and score (reporting currency), as SQL over
gold.fct_pipeline aliased `p`."""

_DEALS_SQL = f"""
select
  p.opportunity_id, p.source_system, p.created_date, p.close_date, p.is_closed, p.is_won,
  {MODEL_AMOUNT_SQL} as amount_rc,
  p.rep_key, p.customer_key, p.product_key,
  p.plan_name, c.segment, p.channel_key, p.stage_name, p.as_of_date
from gold.fct_pipeline as p
left join gold.dim_customer as c on c.customer_key = p.customer_key
order by p.opportunity_id
"""

# closing entries (won / lost) are left out: a deal is by definition open at any date it
# is scored at, so only the open stages it passed through describe it
_EVENTS_SQL = """
select opportunity_id, entered_date, stage_name
from gold.fct_opportunity_stage_history
where stage_category = 'open' and stage_name is not null
"""


def load_deal_history(con: duckdb.DuckDBPyConnection) -> DealHistory:
    """Read the deals and their stage entries from a build's gold layer."""
    try:
        deals = con.execute(_DEALS_SQL).fetchall()
        events = con.sql(_EVENTS_SQL).to_arrow_table()
    except duckdb.Error as exc:
        raise RevlakeError(
            f"cannot read the pipeline from the build (gold.fct_pipeline, "
            f"gold.fct_opportunity_stage_history): {exc}"
        ) from exc
    if not deals:
        raise InputError("the build has no opportunities (gold.fct_pipeline is empty)")
    as_of = max((row[14] for row in deals if row[14] is not None), default=None)
    if as_of is None:
        raise InputError("gold.fct_pipeline has no as_of_date")
    columns = list(zip(*deals, strict=True))
    del deals
    deals_only = DealHistory.from_columns(
        opportunity_id=[str(v) for v in columns[0]],
        created=columns[2],
        close=columns[3],
        is_closed=[bool(v) for v in columns[4]],
        is_won=[bool(v) for v in columns[5]],
        amount=columns[6],
        rep=columns[7],
        account=columns[8],
        categoricals={
            "source": columns[1],
            "product": columns[9],
            "plan": columns[10],
            "segment": columns[11],
            "channel": columns[12],
        },
        stage_name=columns[13],
        events=(),
        as_of=as_of,
    )
    return with_events(deals_only, *_event_arrays(events, deals_only))


def _event_arrays(events: pa.Table, history: DealHistory) -> tuple[IntArray, IntArray, ObjArray]:
    """(deal index, day entered, stage) of each stage entry of `_EVENTS_SQL`, as
    `DealHistory.from_columns` makes them from Python tuples, but column by column: a
    company of 1M customers has about 11M stage entries, which as Python tuples of
    Python values took gigabytes. Each stage name is one shared str object."""
    ids = pa.array(history.opportunity_id.tolist(), pa.string())
    opportunity = events.column("opportunity_id").cast(pa.string()).combine_chunks()
    found = pc.index_in(opportunity, value_set=ids)
    if found.null_count:
        line = int(np.flatnonzero(found.is_null().to_numpy(zero_copy_only=False))[0])
        raise InputError(
            f"stage entry {line + 1}: unknown opportunity id {opportunity[line].as_py()!r}"
        )
    deal = found.to_numpy().astype(np.int64)
    entered = events.column("entered_date").cast(pa.int32()).combine_chunks()
    day = entered.fill_null(0).to_numpy().astype(np.int64)
    missing = entered.is_null().to_numpy(zero_copy_only=False)
    day[missing] = history.created[deal[missing]]  # no date: the deal's creation
    stages = pc.dictionary_encode(events.column("stage_name").combine_chunks())
    names = np.asarray([str(v) for v in stages.dictionary.to_pylist()], dtype=object)
    return deal, day, names[stages.indices.to_numpy().astype(np.int64)]


def with_events(
    history: DealHistory, ev_deal: IntArray, ev_day: IntArray, ev_stage: ObjArray
) -> DealHistory:
    """`history` with these stage entries (sorted as `DealHistory.build` sorts them)."""
    return DealHistory.build(
        opportunity_id=history.opportunity_id,
        created=history.created,
        close=history.close,
        is_closed=history.is_closed,
        is_won=history.is_won,
        amount=history.amount,
        rep=history.rep,
        account=history.account,
        categoricals=history.categoricals,
        stage_name=history.stage_name,
        ev_deal=ev_deal,
        ev_day=ev_day,
        ev_stage=ev_stage,
        as_of=history.as_of,
    )
