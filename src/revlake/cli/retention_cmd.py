"""`revlake retention fit`: fit the shifted-beta-geometric model to survivor counts, or to
the cohorts of a tenant's published build (`--workspace`, revlake.ml.cohort_fit)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from revlake.cli.common import TenantOption, console, open_workspace, resolve_tenant
from revlake.errors import InputError

if TYPE_CHECKING:
    from revlake.ml.cohort_fit import CohortFitReport
    from revlake.ml.retention import SbgFit

retention_app = typer.Typer(
    name="retention",
    help="Retention projection with the shifted-beta-geometric model (Fader & Hardie 2007).",
    no_args_is_help=True,
)


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _count(value: float | None) -> str:
    return "" if value is None else f"{value:,.1f}"


def _se(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4f}"


def _lifetime(value: float) -> str:
    return "infinite (alpha <= 1)" if math.isinf(value) else f"{value:.2f} periods"


def render_fit(fit: SbgFit, periods_ahead: int, discount_rate: float) -> None:
    """Print the parameters, fit figures, lifetimes and the observed-vs-model table."""
    gof = fit.goodness_of_fit()
    console.print(
        f"[bold]sBG fit[/] on {fit.fitted_periods + 1} counts "
        f"({fit.fitted_periods} renewal periods, cohort of {fit.cohort_size:,})"
    )
    console.print(f"  alpha = {fit.alpha:.4f} ± {_se(fit.alpha_se)}   (± one standard error)")
    console.print(f"  beta  = {fit.beta:.4f} ± {_se(fit.beta_se)}")
    console.print(
        f"  mean churn probability per period E\\[theta] = {fit.mean_churn_probability:.4f}"
    )
    console.print(f"  log-likelihood = {fit.log_likelihood:.4f}")
    p_value = "n/a (no degrees of freedom)" if gof.p_value is None else f"{gof.p_value:.4f}"
    console.print(
        f"  chi-square = {gof.chi_square:.3f} on {gof.degrees_of_freedom} df, p = {p_value}"
    )
    console.print(
        f"  RMSE of survivors = {gof.rmse_survivors:.2f}, "
        f"MAPE of survival = {100 * gof.mape_survival:.2f}%"
    )
    console.print(
        "  expected remaining lifetime of a current survivor: "
        f"{_lifetime(fit.expected_remaining_lifetime())}"
    )
    console.print(
        f"  discounted (d = {discount_rate:g} per period): DEL at acquisition = "
        f"{fit.discounted_expected_lifetime(discount_rate):.3f}, DERL of a current "
        f"survivor = {fit.derl(discount_rate):.3f} periods"
    )
    if not fit.converged or fit.degenerate:
        console.print(f"[yellow]warning:[/] {fit.message}")

    table = Table(
        title="Observed vs sBG: survivors, survival S(t) and retention r(t)",
        caption="fit: periods used for the fit; proj: projected (observed = held-back data)",
    )
    for name in ("t", "data", "observed", "model", "obs S(t)", "model S(t)", "obs r(t)"):
        table.add_column(name, justify="right")
    table.add_column("model r(t)", justify="right")
    for row in fit.projection(periods_ahead):
        table.add_row(
            str(row.period),
            "fit" if row.in_fit else "proj",
            "" if row.observed_survivors is None else f"{row.observed_survivors:,}",
            _count(row.expected_survivors),
            _pct(row.observed_survival),
            _pct(row.expected_survival),
            _pct(row.observed_retention),
            _pct(row.expected_retention),
        )
    console.print(table)


def fit(
    ctx: typer.Context,
    survivors: Annotated[
        str | None,
        typer.Option(
            "--survivors",
            help="Survivor counts per period, starting with the cohort size: 1000,631,468,382",
        ),
    ] = None,
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="REVLAKE_WORKSPACE",
            help="Fit the cohorts of this workspace's published build (gold "
            "fct_cohort_retention) instead of --survivors.",
            show_default=False,
        ),
    ] = None,
    tenant: TenantOption = None,
    cohort: Annotated[
        str | None,
        typer.Option("--cohort", help="Workspace mode: fit this one cohort (YYYY-MM)."),
    ] = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="Workspace mode: cohort (small cohorts pooled by quarter, then year), "
            "quarter, year, segment or all.",
        ),
    ] = "cohort",
    periods_ahead: Annotated[
        int, typer.Option("--periods-ahead", help="Periods to project past the fitted data.")
    ] = 12,
    discount_rate: Annotated[
        float | None,
        typer.Option(
            "--discount-rate",
            help="Discount rate per period for DEL and DERL (default 0.1; in workspace mode "
            "periods are months and the default is 10% a year as a monthly rate).",
            show_default=False,
        ),
    ] = None,
    fit_periods: Annotated[
        int | None,
        typer.Option(
            "--fit-periods",
            help="Fit on the first N counts only; later counts are shown as a hold-out.",
        ),
    ] = None,
) -> None:
    """Fit alpha and beta by maximum likelihood and print the projection.

    Two modes, mutually exclusive: --survivors (counts given on the command line) or
    --workspace (the cohorts of a tenant's published build).
    """
    if periods_ahead < 0:
        raise InputError(f"--periods-ahead must be 0 or more, got {periods_ahead}")
    if discount_rate is not None and not (discount_rate > 0 and math.isfinite(discount_rate)):
        raise InputError(f"--discount-rate must be positive, got {discount_rate}")
    workspace_flags = [
        name
        for name, given in (
            ("--tenant", tenant is not None),
            ("--cohort", cohort is not None),
            ("--by", by != "cohort"),
            (
                "--workspace",
                getattr(ctx.get_parameter_source("workspace"), "name", None) == "COMMANDLINE",
            ),
        )
        if given
    ]
    if survivors is not None:
        if workspace_flags:
            raise InputError(
                f"--survivors cannot be combined with {', '.join(workspace_flags)}: give "
                "either survivor counts or a workspace (--workspace/--tenant/--cohort/--by)"
            )
        # imported here so that other commands do not pay for loading SciPy
        from revlake.ml.retention import fit_sbg, parse_survivors

        counts = parse_survivors(survivors)
        result = fit_sbg(counts, fit_periods=fit_periods)
        render_fit(result, periods_ahead, 0.1 if discount_rate is None else discount_rate)
        return
    if workspace is None:
        raise InputError(
            "give --survivors 1000,631,468,… or --workspace W (with --tenant T) to fit a "
            "build's cohorts"
        )
    if fit_periods is not None:
        raise InputError("--fit-periods works with --survivors only")
    fit_workspace(workspace, tenant, cohort, by, periods_ahead, discount_rate)


def fit_workspace(
    workspace: Path,
    tenant: str | None,
    cohort: str | None,
    by: str,
    periods_ahead: int,
    discount_rate: float | None,
) -> CohortFitReport:
    """Workspace mode of `retention fit`: fit the tenant's cohorts and print them."""
    from revlake.ml.cohort_fit import MAX_PERIODS_AHEAD, fit_workspace_cohorts
    from revlake.queries.params import parse_month
    from revlake.reader import open_published

    if periods_ahead > MAX_PERIODS_AHEAD:
        raise InputError(f"--periods-ahead must be 0..{MAX_PERIODS_AHEAD}, got {periods_ahead}")
    opened = open_workspace(workspace)
    tenant_id = resolve_tenant(opened, tenant)
    month = parse_month(cohort, "--cohort")
    with open_published(opened, tenant_id) as build:
        report = fit_workspace_cohorts(
            build,
            grouping=by,
            cohort=month,
            periods_ahead=periods_ahead,
            discount_rate=discount_rate,
        )
    render_cohort_report(report, tenant_id, detail=month is not None)
    return report


def render_cohort_report(report: CohortFitReport, tenant: str, *, detail: bool) -> None:
    """Print the groups' fits, one line per cohort and (for one cohort) every age."""
    counts = report.counts
    partial = (
        f"{counts.as_of_month:%Y-%m} is partial and excluded"
        if counts.partial_month_excluded
        else f"{counts.as_of_month:%Y-%m} is complete"
    )
    console.print(
        f"[bold]sBG fit of tenant {tenant}'s cohorts[/] · grouping {report.grouping} · "
        f"data complete through {counts.last_complete_month:%Y-%m} ({partial}) · "
        f"{len(counts.cohorts)} cohorts · reactivation cells held: {counts.held_cells} · "
        f"discount rate {report.discount_rate:.5f} per month",
        highlight=False,
    )
    groups = Table(title="fits (one per group of cohorts)", title_justify="left")
    for name in ("group", "cohorts", "customers", "alpha ± se", "beta ± se", "E\\[theta]"):
        groups.add_column(name, justify="left" if name == "group" else "right")
    for name in ("chi² (df)", "p", "MAPE S(t)", "note"):
        groups.add_column(name, justify="right" if name != "note" else "left")
    for g in report.groups:
        gof = g.goodness
        groups.add_row(
            g.label,
            str(len(g.cohorts)),
            f"{g.customers:,}",
            f"{g.fit.alpha:.4g} ± {_se(math.nan if g.fit.degenerate else g.fit.alpha_se)}",
            f"{g.fit.beta:.4g} ± {_se(math.nan if g.fit.degenerate else g.fit.beta_se)}",
            f"{g.fit.alpha / (g.fit.alpha + g.fit.beta):.4f}",
            f"{gof.chi_square:.1f} ({gof.degrees_of_freedom})",
            "n/a" if gof.p_value is None else f"{gof.p_value:.3f}",
            _pct(gof.mape_survival) if math.isfinite(gof.mape_survival) else "n/a",
            "degenerate: only alpha/beta known" if g.fit.degenerate else "",
        )
    console.print(groups)
    table = Table(title="cohorts: observed vs model survival", title_justify="left")
    for name in ("cohort", "size", "age", "survivors", "obs S", "model S"):
        table.add_column(name, justify="right")
    table.add_column(f"S(+{report.periods_ahead})", justify="right")
    table.add_column("DERL (months)", justify="right")
    table.add_column("fitted with", justify="left")
    for p in report.cohorts:
        last = p.points[p.cohort.last_age]
        end = p.points[-1]
        table.add_row(
            p.cohort.label,
            f"{p.cohort.customers:,}",
            str(p.cohort.last_age),
            f"{p.cohort.survivors[-1]:,}",
            _pct(last.observed_survival),
            _pct(last.expected_survival),
            _pct(end.expected_survival),
            f"{p.derl_months:.1f}",
            p.group.label,
        )
    console.print(table)
    if detail:
        for p in report.cohorts:
            ages = Table(title=f"cohort {p.cohort.label} by age", title_justify="left")
            for name in ("age", "observed", "obs S(t)", "model S(t)", "model survivors"):
                ages.add_column(name, justify="right")
            ages.add_column("projected from last", justify="right")
            for point in p.points:
                ages.add_row(
                    str(point.age_months),
                    "" if point.observed_survivors is None else f"{point.observed_survivors:,}",
                    _pct(point.observed_survival),
                    _pct(point.expected_survival),
                    _count(point.expected_survivors),
                    _count(point.conditional_survivors),
                )
            console.print(ages)


def register(app: typer.Typer) -> None:
    retention_app.command("fit")(fit)
    app.add_typer(retention_app, name="retention")
