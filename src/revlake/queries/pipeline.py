"""Sales pipeline summary per CRM source from gold (kpi_pipeline)."""

from __future__ import annotations

from typing import Any

from revlake.queries.convert import money, num
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.schemas.common import PipelineMonth, PipelineSource, PipelineSummary


def _month(r: dict[str, Any]) -> PipelineMonth:
    return PipelineMonth(
        month=r["month_start_date"],
        opportunities_created=int(r["opportunities_created"]),
        opportunities_won=int(r["opportunities_won"]),
        opportunities_lost=int(r["opportunities_lost"]),
        win_rate=num(r["win_rate"]),
        won_amount=money(r["won_amount_rc"]),
        avg_cycle_days_won=num(r["avg_cycle_days_won"]),
        open_opportunities=int(r["open_opportunities"]),
        open_pipeline=money(r["open_pipeline_amount_rc"]),
        weighted_pipeline=money(r["weighted_pipeline_amount_rc"]),
        pipeline_coverage=num(r["pipeline_coverage"]),
    )


def pipeline_summary(snapshot: Build, source_system: str | None, months: int) -> PipelineSummary:
    """Each source's latest month and its last `months` months, oldest first."""

    def compute() -> PipelineSummary:
        params: list[Any] = [months]
        condition = ""
        if source_system is not None:
            condition = "where source_system = ?"
            params.insert(0, source_system)
        rows = snapshot.rows(
            "select * from (select *, row_number() over (partition by source_system "
            f"order by month_start_date desc) as rn from gold.kpi_pipeline {condition}) "
            "where rn <= ? order by source_system, month_start_date",
            params,
        )
        grouped: dict[str, list[PipelineMonth]] = {}
        for r in rows:
            grouped.setdefault(str(r["source_system"]), []).append(_month(r))
        sources = [
            PipelineSource(source_system=name, latest=trend[-1], trend=trend)
            for name, trend in grouped.items()
        ]
        return PipelineSummary(currency=reporting_currency(snapshot), sources=sources)

    return snapshot.memo(("pipeline", source_system, months), compute)
