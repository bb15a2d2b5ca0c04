"""Scored open deals, their drivers, the risk summary, the forecast and the model report.

Reads what `revlake score` and `revlake forecast --publish` wrote into the snapshot
(`gold.ml_deal_scores`, `gold.ml_deal_explanations`, `gold.ml_deal_close_timing`) joined
to the pipeline's own gold tables for names (`fct_pipeline`, `dim_customer`, `dim_rep`,
`dim_product`). The forecast runs the Monte Carlo engine (`revlake.ml.forecast`) on the
snapshot's deal history with the tenant's registered win model, memoised per snapshot,
model version and parameters; nothing is written. The model report reads the registered
version's `evaluation.json` and `reliability.png`, and the backtest table that
`revlake backtest` writes to `tenants/<tenant>/reports/backtest/backtest.csv`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from revlake.errors import InputError, RevlakeError
from revlake.ml.backtest import BacktestRow, BacktestSummary
from revlake.ml.backtest import read_csv as read_backtest_csv
from revlake.ml.deals import DealHistory, day_date, load_deal_history
from revlake.ml.forecast import (
    ForecastBasis,
    Period,
    basis_bytes,
    basis_from_bytes,
    forecast_from_basis,
    period_ends,
)
from revlake.ml.forecast_service import fit_forecast_models, forecast_basis_with
from revlake.ml.registry import (
    RegisteredModel,
    load_model,
    load_model_cached,
    registered_win_version,
)
from revlake.queries.convert import amount, money, num
from revlake.queries.definitions import AT_RISK_REVENUE
from revlake.queries.params import PageParams, order_by, page_of, where
from revlake.queries.revenue import reporting_currency
from revlake.reader import Build
from revlake.reader.answers import stored_input
from revlake.schemas.deals import (
    RISK_CATEGORIES,
    CategoryTotal,
    DealDetail,
    DealExplanation,
    DealFilters,
    DealPage,
    DealRow,
    DealSummary,
    Driver,
    FilterOption,
    ForecastOut,
    ForecastPeriodOut,
)
from revlake.workspace import Workspace

SCORES = "ml_deal_scores"
EXPLANATIONS = "ml_deal_explanations"
TIMING = "ml_deal_close_timing"
FORECAST_SIMULATIONS = 10_000
FORECAST_SEED = 0
BACKTEST_CSV = Path("reports") / "backtest" / "backtest.csv"

DEAL_SORT = {
    "id": "id",
    "name": "name",
    "account": "account",
    "rep": "rep",
    "product": "product",
    "stage": "stage",
    "amount": "amount",
    "win_probability": "win_probability",
    "risk_score": "risk_score",
    "at_risk_amount": "at_risk_amount",
    "expected_close_date": "expected_close_date",
    "close_p10": "close_p10",
    "close_p50": "close_p50",
    "close_p90": "close_p90",
    "days_in_stage": "days_in_stage",
}
"""Sortable fields of GET /deals → column of the `deals` CTE (never request text)."""
DEFAULT_SORT = "-risk_score"


def _deals_cte(snapshot: Build) -> str:
    """One row per scored open deal with names, close-date range and every score column.

    The close-date range comes from `revlake forecast --publish`; without it the columns
    are null (the deal list still works).
    """
    if snapshot.has_table(TIMING):
        timing = (
            "t.close_date_p10 as close_p10, t.close_date_p50 as close_p50, "
            "t.close_date_p90 as close_p90"
        )
        join = f"left join gold.{TIMING} as t on t.opportunity_id = s.opportunity_id"
    else:
        timing = (
            "cast(null as date) as close_p10, cast(null as date) as close_p50, "
            "cast(null as date) as close_p90"
        )
        join = ""
    flags = ", ".join(_flag_columns(snapshot))
    return f"""
with deals as (
  select
    {flags},
    s.opportunity_id as id, p.opportunity_name as name, s.source_system,
    c.customer_id as account_id,
    coalesce(nullif(c.customer_name, ''), c.customer_id) as account,
    r.rep_id, coalesce(nullif(r.rep_name, ''), r.rep_id) as rep,
    coalesce(nullif(pr.product_name, ''), p.plan_name) as product,
    s.stage_name as stage, s.amount_rc as amount, s.win_probability, s.loss_probability,
    s.risk_score, s.risk_category, s.at_risk_amount_rc as at_risk_amount,
    p.close_date as expected_close_date, {timing},
    s.days_in_stage, s.top_driver, p.created_date, s.typical_days_in_stage_won,
    s.stagnation, s.suggested_action, s.as_of_date, s.model_kind, s.model_version
  from gold.{SCORES} as s
  left join gold.fct_pipeline as p
    on p.opportunity_id = s.opportunity_id and p.source_system = s.source_system
  left join gold.dim_customer as c on c.customer_key = p.customer_key
  left join gold.dim_rep as r on r.rep_key = p.rep_key
  left join gold.dim_product as pr on pr.product_key = p.product_key
  {join}
)
"""


FLAG_COLUMNS = {
    "age_days": "double",
    "age_imputed": "boolean",
    "outside_experience": "varchar",
    "experience_note": "varchar",
    "risk_percentile": "double",
}
"""Score columns added with issue 16 (age imputed, outside the model's experience, rank):
a snapshot scored before them reads them as null."""


def _flag_columns(snapshot: Build) -> list[str]:
    """Select items for FLAG_COLUMNS: the column where the scores have it, else null."""

    def compute() -> list[str]:
        present = {
            str(r["column_name"])
            for r in snapshot.rows(
                "select column_name from information_schema.columns "
                "where table_schema = 'gold' and table_name = ?",
                [SCORES],
            )
        }
        return [
            f"s.{name}" if name in present else f"cast(null as {kind}) as {name}"
            for name, kind in FLAG_COLUMNS.items()
        ]

    return snapshot.memo(("deal-score-columns",), compute)


def _outside(value: object) -> list[str]:
    return [] if not value else str(value).split(",")


def require_scores(snapshot: Build) -> None:
    """404 problem unless `revlake score` has written deal scores into this snapshot."""
    snapshot.require(
        SCORES,
        hint="no deal scores: run `revlake train` and then `revlake score` for this tenant",
    )


def _row(r: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "name": r["name"],
        "source_system": r["source_system"],
        "account_id": r["account_id"],
        "account": r["account"],
        "rep_id": r["rep_id"],
        "rep": r["rep"],
        "product": r["product"],
        "stage": r["stage"],
        "amount": amount(r["amount"]),
        "win_probability": float(r["win_probability"]),
        "risk_score": float(r["risk_score"]),
        "risk_category": r["risk_category"],
        "at_risk_amount": amount(r["at_risk_amount"]),
        "expected_close_date": r["expected_close_date"],
        "close_p10": r["close_p10"],
        "close_p50": r["close_p50"],
        "close_p90": r["close_p90"],
        "days_in_stage": num(r["days_in_stage"]),
        "top_driver": r["top_driver"],
        "age_imputed": bool(r["age_imputed"]),
        "outside_experience": _outside(r["outside_experience"]),
        "risk_percentile": num(r["risk_percentile"]),
    }


AT_RISK_DEFINITION = f"{AT_RISK_REVENUE.sentence}, in the reporting currency"
MAX_FILTER_VALUES = 50
"""How many values one deal-list filter takes (`account=A&account=B…`)."""


def _distinct(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(sorted({v for v in values or () if v}))


@dataclass(frozen=True)
class DealQuery:
    """The filters of the deal list (None / empty = no filter)."""

    account: tuple[str, ...] = ()
    rep: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    risk_category: tuple[str, ...] = ()
    risk_min: float | None = None
    risk_max: float | None = None

    @classmethod
    def of(
        cls,
        *,
        account: Sequence[str] | None = None,
        rep: Sequence[str] | None = None,
        product: Sequence[str] | None = None,
        stage: Sequence[str] | None = None,
        risk_category: Sequence[str] | None = None,
        risk_min: float | None = None,
        risk_max: float | None = None,
    ) -> DealQuery:
        """The query for filters as a request gives them (repeated, possibly empty values):
        each filter's distinct non-empty values in a stable order, so that the same filters
        are one memo and cache key however they were spelled."""
        return cls(
            account=_distinct(account),
            rep=_distinct(rep),
            product=_distinct(product),
            stage=_distinct(stage),
            risk_category=_distinct(risk_category),
            risk_min=risk_min,
            risk_max=risk_max,
        )

    def conditions(self) -> tuple[list[str], list[Any]]:
        """WHERE conditions and their parameters (values are always bound, never inlined)."""
        low, high = self.risk_min, self.risk_max
        if low is not None and high is not None and low > high:
            raise InputError(
                f"query parameters: 'risk_min' ({low:g}) is above 'risk_max' ({high:g})"
            )
        conditions: list[str] = []
        params: list[Any] = []
        # several values of one filter: any of them (OR); different filters: all (AND)
        for name, values, test, arity in (
            ("account", self.account, "(lower(account_id) = ? or contains(lower(account), ?))", 2),
            ("rep", self.rep, "(lower(rep_id) = ? or lower(rep) = ?)", 2),
            ("product", self.product, "lower(product) = ?", 1),
            ("stage", self.stage, "lower(stage) = ?", 1),
        ):
            if not values:
                continue
            if len(values) > MAX_FILTER_VALUES:
                raise InputError(
                    f"query parameter {name!r}: {len(values)} values; at most {MAX_FILTER_VALUES}"
                )
            conditions.append("(" + " or ".join(test for _ in values) + ")")
            for value in values:
                params += [value.lower()] * arity
        if self.risk_category:
            unknown = sorted(set(self.risk_category) - set(RISK_CATEGORIES))
            if unknown:
                raise InputError(
                    f"query parameter 'risk_category': unknown {', '.join(map(repr, unknown))}; "
                    f"categories: {', '.join(RISK_CATEGORIES)}"
                )
            marks = ", ".join("?" for _ in self.risk_category)
            conditions.append(f"risk_category in ({marks})")
            params += list(self.risk_category)
        if self.risk_min is not None:
            conditions.append("risk_score >= ?")
            params.append(self.risk_min)
        if self.risk_max is not None:
            conditions.append("risk_score <= ?")
            params.append(self.risk_max)
        return conditions, params


def deals(snapshot: Build, query: DealQuery, sort: str | None, page: PageParams) -> DealPage:
    """Open deals matching `query`, sorted (allow-listed fields) and paged."""
    require_scores(snapshot)
    ordering = order_by(sort, DEAL_SORT, DEFAULT_SORT, ["id"])
    conditions, params = query.conditions()

    def compute() -> DealPage:
        cte = _deals_cte(snapshot)
        rows = snapshot.rows(
            f"{cte} select *, count(*) over () as total_rows from deals "
            f"{where(conditions)} order by {ordering} limit ? offset ?",
            [*params, page.limit, page.offset],
        )
        if rows:
            total = int(rows[0]["total_rows"])
        else:
            found = snapshot.rows(
                f"{cte} select count(*) as n from deals {where(conditions)}", params
            )
            total = int(found[0]["n"])
        run = snapshot.rows(
            f"select max(as_of_date) as d, max(model_version) as v from gold.{SCORES}"
        )
        return DealPage(
            items=[DealRow(**_row(r)) for r in rows],
            currency=reporting_currency(snapshot),
            as_of_date=run[0]["d"],
            model_version=run[0]["v"],
            **page_of(rows, total, page),
        )

    return snapshot.memo(("deals", query, ordering, page), compute)


def deal_detail(snapshot: Build, deal_id: str) -> DealDetail | None:
    """One scored open deal; None when the snapshot has no open deal with that id."""
    require_scores(snapshot)

    def compute() -> DealDetail | None:
        found = snapshot.rows(f"{_deals_cte(snapshot)} select * from deals where id = ?", [deal_id])
        return _detail(snapshot, found[0]) if found else None

    return snapshot.memo(("deal", deal_id), compute)


def _detail(snapshot: Build, r: dict[str, Any]) -> DealDetail:
    return DealDetail(
        **_row(r),
        currency=reporting_currency(snapshot),
        loss_probability=float(r["loss_probability"]),
        created_date=r["created_date"],
        age_days=num(r["age_days"]),
        experience_note=r["experience_note"],
        typical_days_in_stage_won=num(r["typical_days_in_stage_won"]),
        stagnation=num(r["stagnation"]),
        suggested_action=r["suggested_action"],
        as_of_date=r["as_of_date"],
        model_kind=r["model_kind"],
        model_version=r["model_version"],
    )


def deal_details(snapshot: Build) -> list[DealDetail]:
    """Every scored open deal's detail from one query, by id (the same answers as
    `deal_detail`, which then finds them memoised: the publish-time precompute)."""
    require_scores(snapshot)
    found = snapshot.rows(f"{_deals_cte(snapshot)} select * from deals order by id")
    details = [_detail(snapshot, r) for r in found]
    for detail in details:
        snapshot.memo(("deal", detail.id), lambda d=detail: d)  # type: ignore[misc]
    return details


@dataclass(frozen=True)
class ModelBaseline:
    """What a model's drivers start from: the training win rate and p at the bias."""

    base_rate: float | None
    baseline_probability: float | None


def model_baseline(
    snapshot: Build, workspace: Workspace, tenant: str, version: str
) -> ModelBaseline:
    """The baseline of the model version that scored the deals (None when it is gone)."""

    def compute() -> ModelBaseline:
        try:
            registered = load_model(workspace, tenant, version)
        except RevlakeError:  # the version folder was removed: the drivers still stand
            return ModelBaseline(None, None)
        return ModelBaseline(registered.reference.win_rate, registered.baseline_probability())

    return snapshot.memo(("model-baseline", tenant, version), compute)


EXPLANATION_COLUMNS = "driver_rank, feature, feature_value, points, sentence"


def deal_explanation(
    snapshot: Build, workspace: Workspace, tenant: str, deal_id: str
) -> DealExplanation | None:
    """The deal's ranked drivers with points and sentences; None for an unknown deal."""
    detail = deal_detail(snapshot, deal_id)
    if detail is None:
        return None

    def compute() -> DealExplanation:
        rows = snapshot.rows(
            f"select {EXPLANATION_COLUMNS} "
            f"from gold.{EXPLANATIONS} where opportunity_id = ? order by driver_rank",
            [deal_id],
        )
        return _explanation(snapshot, workspace, tenant, detail, rows)

    return snapshot.memo(("deal-explanation", tenant, deal_id), compute)


def deal_explanations(
    snapshot: Build, workspace: Workspace, tenant: str
) -> list[tuple[DealDetail, DealExplanation]]:
    """Every scored open deal's detail and explanation, by id, from two queries (the same
    answers as `deal_detail` and `deal_explanation`, which then find them memoised: the
    publish-time precompute, where one query per deal took most of its time)."""
    details = deal_details(snapshot)
    rows = snapshot.rows(
        f"select opportunity_id, {EXPLANATION_COLUMNS} from gold.{EXPLANATIONS} "
        "order by opportunity_id, driver_rank"
    )
    by_deal: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_deal.setdefault(str(r["opportunity_id"]), []).append(r)
    out = []
    for detail in details:
        explanation = _explanation(snapshot, workspace, tenant, detail, by_deal.get(detail.id, []))
        key = ("deal-explanation", tenant, detail.id)
        snapshot.memo(key, lambda e=explanation: e)  # type: ignore[misc]
        out.append((detail, explanation))
    return out


def _explanation(
    snapshot: Build,
    workspace: Workspace,
    tenant: str,
    detail: DealDetail,
    rows: list[dict[str, Any]],
) -> DealExplanation:
    """A deal's explanation from its detail and its driver rows (ordered by rank)."""
    drivers = [
        Driver(
            rank=int(r["driver_rank"]),
            feature=r["feature"],
            value=r["feature_value"],
            points=float(r["points"]),
            sentence=r["sentence"],
        )
        for r in rows
    ]
    base = model_baseline(snapshot, workspace, tenant, detail.model_version)
    other = None
    if base.baseline_probability is not None:
        total = 100.0 * (detail.win_probability - base.baseline_probability)
        other = round(total - sum(d.points for d in drivers), 2)
    return DealExplanation(
        id=detail.id,
        win_probability=detail.win_probability,
        base_rate=base.base_rate,
        baseline_probability=base.baseline_probability,
        other_points=other,
        drivers=drivers,
        suggested_action=detail.suggested_action,
        risk_category=detail.risk_category,
        age_imputed=detail.age_imputed,
        outside_experience=detail.outside_experience,
        experience_note=detail.experience_note,
        model_kind=detail.model_kind,
        model_version=detail.model_version,
        as_of_date=detail.as_of_date,
    )


def deal_summary(snapshot: Build, query: DealQuery | None = None) -> DealSummary:
    """Open pipeline, at-risk revenue, expected value and totals per risk category of the
    open deals matching `query` (every scored open deal without one).

    The figures are the deal list's, summed: a filtered list and its summary always agree.
    The model and as-of date are those of the whole scoring run, even when nothing matches.
    """
    require_scores(snapshot)
    query = query or DealQuery()
    conditions, params = query.conditions()

    def compute() -> DealSummary:
        matching = f"{_deals_cte(snapshot)}, matching as (select * from deals {where(conditions)})"
        per = snapshot.rows(
            f"{matching} select risk_category, count(*) as n, "
            "coalesce(sum(amount), 0) as amount, coalesce(sum(at_risk_amount), 0) as at_risk "
            "from matching group by risk_category",
            params,
        )
        by_category = {str(r["risk_category"]): r for r in per}
        totals = snapshot.rows(
            f"{matching} select count(*) as n, coalesce(sum(amount), 0) as amount, "
            "coalesce(sum(at_risk_amount), 0) as at_risk, "
            "coalesce(sum(cast(amount as double) * win_probability), 0) as expected, "
            "avg(win_probability) as avg_p, "
            "count(*) filter (where risk_category in ('high', 'critical')) as high_risk "
            "from matching",
            params,
        )[0]
        run = snapshot.rows(
            "select max(as_of_date) as as_of, max(model_kind) as kind, "
            f"max(model_version) as version from gold.{SCORES}"
        )[0]
        categories = []
        for name in RISK_CATEGORIES:
            r = by_category.get(name)
            categories.append(
                CategoryTotal(
                    category=name,
                    deals=int(r["n"]) if r else 0,
                    amount=money(r["amount"] if r else None),
                    at_risk_amount=money(r["at_risk"] if r else None),
                )
            )
        as_of = run["as_of"] if isinstance(run["as_of"], date) else date.min
        return DealSummary(
            currency=reporting_currency(snapshot),
            as_of_date=as_of,
            open_deals=int(totals["n"]),
            open_pipeline=money(totals["amount"]),
            at_risk_amount=money(totals["at_risk"]),
            expected_value=money(totals["expected"]),
            average_win_probability=(
                round(float(totals["avg_p"]), 4) if totals["avg_p"] is not None else None
            ),
            high_risk_deals=int(totals["high_risk"]),
            at_risk_definition=AT_RISK_DEFINITION,
            categories=categories,
            model_kind=str(run["kind"] or ""),
            model_version=str(run["version"] or ""),
        )

    return snapshot.memo(("deal-summary", query), compute)


def deal_filters(snapshot: Build) -> DealFilters:
    """Distinct accounts, reps, products and stages of the scored deals."""
    require_scores(snapshot)

    def compute() -> DealFilters:
        cte = _deals_cte(snapshot)

        def options(id_column: str, name_column: str) -> list[FilterOption]:
            rows = snapshot.rows(
                f"{cte} select distinct {id_column} as i, {name_column} as n from deals "
                f"where {id_column} is not null order by n, i"
            )
            return [FilterOption(id=str(r["i"]), name=str(r["n"] or r["i"])) for r in rows]

        def values(column: str) -> list[str]:
            rows = snapshot.rows(
                f"{cte} select distinct {column} as v from deals where {column} is not null "
                "order by 1"
            )
            return [str(r["v"]) for r in rows]

        return DealFilters(
            accounts=options("account_id", "account"),
            reps=options("rep_id", "rep"),
            products=values("product"),
            stages=values("stage"),
            risk_categories=list(RISK_CATEGORIES),
        )

    return snapshot.memo(("deal-filters",), compute)


# ---------------------------------------------------------------- forecast


def registered_win_model(snapshot: Build, workspace: Workspace, tenant: str) -> RegisteredModel:
    """The tenant's latest win model (loaded once per snapshot and version; a version
    loaded for an earlier build is reused: a registered version never changes)."""
    version = registered_win_version(workspace, tenant)
    return snapshot.memo(
        ("win-model", tenant, version), lambda: load_model_cached(workspace, tenant, version)
    )


def deal_history(snapshot: Build) -> DealHistory:
    """The snapshot's deal history (read once per snapshot, on its own read-only cursor)."""

    def compute() -> DealHistory:
        with snapshot.cursor() as con:
            return load_deal_history(con)

    return snapshot.memo(("deal-history",), compute)


def forecast_basis_key(version: str) -> tuple[str, str, int, int]:
    """The name of the forecast basis of a model version (memo and `serving.inputs`)."""
    return ("forecast-basis", version, FORECAST_SIMULATIONS, FORECAST_SEED)


def forecast_basis(snapshot: Build, registered: RegisteredModel) -> ForecastBasis:
    """What every forecast of the snapshot with `registered` starts from (the model fits
    and the open-deal simulation, `revlake.ml.forecast.ForecastBasis`): the one a scored
    publish stored in the build, else computed (seconds), once per snapshot and version."""
    version = registered.version
    key = forecast_basis_key(version)

    def compute() -> ForecastBasis:
        stored = stored_input(snapshot, key)
        if stored is not None:
            return basis_from_bytes(stored)
        history = deal_history(snapshot)
        fitted = snapshot.memo(
            ("forecast-models", version), lambda: fit_forecast_models(history, registered)
        )
        return forecast_basis_with(
            history, registered, n_sims=FORECAST_SIMULATIONS, seed=FORECAST_SEED, fitted=fitted
        )

    return snapshot.memo(key, compute)


def forecast_basis_body(snapshot: Build, registered: RegisteredModel) -> bytes:
    """The snapshot's forecast basis as stored in a published build."""
    return basis_bytes(forecast_basis(snapshot, registered))


def forecast(
    snapshot: Build, registered: RegisteredModel, horizon: int, period: Period
) -> ForecastOut:
    """Monte Carlo forecast (10,000 simulations) of the snapshot's pipeline.

    Every horizon and period folds the same basis (`forecast_basis`: stored at publish,
    else computed once per snapshot and model version); only the pipeline not yet created
    is simulated per horizon (tens of ms). Memoised per parameters.
    """
    version = registered.version
    period_ends(0, horizon, period)  # a bad horizon or period fails before any work

    def compute() -> ForecastOut:
        fc = forecast_from_basis(
            forecast_basis(snapshot, registered), horizon=horizon, period=period
        )
        b = fc.bands
        starts = np.concatenate(([fc.as_of], fc.period_ends[:-1])) + 1
        periods = [
            ForecastPeriodOut(
                index=k + 1,
                start=day_date(int(starts[k])),
                end=day_date(int(fc.period_ends[k])),
                p10=money(float(b.per_period[0, k])),
                p50=money(float(b.per_period[1, k])),
                p90=money(float(b.per_period[2, k])),
                mean=money(float(b.mean_per_period[k])),
                cumulative_p10=money(float(b.cumulative[0, k])),
                cumulative_p50=money(float(b.cumulative[1, k])),
                cumulative_p90=money(float(b.cumulative[2, k])),
                open_pipeline_mean=money(float(fc.open_bands.mean_per_period[k])),
                new_pipeline_mean=money(float(fc.new_mean_per_period[k])),
                baseline=money(float(fc.baseline_per_period[k])),
            )
            for k in range(fc.period_ends.size)
        ]
        return ForecastOut(
            currency=reporting_currency(snapshot),
            as_of_date=day_date(fc.as_of),
            period=period,
            horizon=horizon,
            simulations=fc.n_sims,
            open_deals=int(fc.deals.deal_idx.size),
            model_kind=registered.model.kind,
            model_version=version,
            total_p10=periods[-1].cumulative_p10,
            total_p50=periods[-1].cumulative_p50,
            total_p90=periods[-1].cumulative_p90,
            # the periods' baselines as shown add up to the total, to the cent
            total_baseline=sum((p.baseline for p in periods), Decimal(0)),
            periods=periods,
        )

    return snapshot.memo(("forecast", version, horizon, period), compute)


# ---------------------------------------------------------------- model report


@dataclass(frozen=True)
class ModelReport:
    """The registered win model's evaluation and the latest backtest, for the /models page."""

    version: str
    kind: str
    created_at: str | None
    message: str | None
    evaluation: dict[str, Any]
    reliability_png: str | None  # base64 of reliability.png, when the version has one
    backtest: list[BacktestRow]
    backtest_path: Path

    def metrics(self, view: str) -> list[tuple[str, dict[str, Any]]]:
        """(model key, metrics) of one evaluation view, in the report's order."""
        results = self.evaluation.get(view, {})
        order = ("model", "model_uncalibrated", "stage_rates", "base_rate", "oracle")
        return [(k, results[k]) for k in order if isinstance(results.get(k), dict)]


def read_backtest(path: Path) -> list[BacktestRow]:
    """The cut-offs of a backtest.csv written by `revlake backtest` ([] when absent)."""
    try:
        return read_backtest_csv(path)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise RevlakeError(f"cannot read {path}: {exc.strerror}") from exc


def model_report(workspace: Workspace, tenant: str) -> ModelReport:
    """The latest registered win model's report (409 problem when none is registered)."""
    registered = load_model(workspace, tenant, registered_win_version(workspace, tenant))
    path = registered.path
    try:
        evaluation = json.loads((path / "evaluation.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        evaluation = {}
    except (OSError, json.JSONDecodeError) as exc:
        raise RevlakeError(f"cannot read {path / 'evaluation.json'}: {exc}") from exc
    png = path / "reliability.png"
    reliability = base64.b64encode(png.read_bytes()).decode("ascii") if png.is_file() else None
    backtest_path = workspace.tenant_dir(tenant) / BACKTEST_CSV
    return ModelReport(
        version=registered.version,
        kind=str(registered.manifest.get("kind", "")),
        created_at=registered.manifest.get("created_at"),
        message=registered.manifest.get("message"),
        evaluation=evaluation if isinstance(evaluation, dict) else {},
        reliability_png=reliability,
        backtest=read_backtest(backtest_path),
        backtest_path=backtest_path,
    )


def backtest_summary(rows: Sequence[BacktestRow]) -> dict[str, float]:
    """Mean absolute error of P50 and baseline, and P10–P90 coverage, over the cut-offs."""
    if not rows:
        return {}
    summary = BacktestSummary(list(rows))
    return {
        "mae": summary.mae,
        "baseline_mae": summary.baseline_mae,
        "coverage": summary.coverage,
    }
