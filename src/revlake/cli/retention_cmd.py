"""`revlake retention fit`: fit the shifted-beta-geometric model to survivor counts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from revlake.cli.common import console
from revlake.errors import InputError

if TYPE_CHECKING:
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
    survivors: Annotated[
        str,
        typer.Option(
            "--survivors",
            help="Survivor counts per period, starting with the cohort size: 1000,631,468,382",
        ),
    ],
    periods_ahead: Annotated[
        int, typer.Option("--periods-ahead", help="Periods to project past the fitted data.")
    ] = 12,
    discount_rate: Annotated[
        float,
        typer.Option("--discount-rate", help="Discount rate per period for DEL and DERL."),
    ] = 0.1,
    fit_periods: Annotated[
        int | None,
        typer.Option(
            "--fit-periods",
            help="Fit on the first N counts only; later counts are shown as a hold-out.",
        ),
    ] = None,
) -> None:
    """Fit alpha and beta by maximum likelihood and print the projection."""
    if periods_ahead < 0:
        raise InputError(f"--periods-ahead must be 0 or more, got {periods_ahead}")
    if not (discount_rate > 0 and math.isfinite(discount_rate)):
        raise InputError(f"--discount-rate must be positive, got {discount_rate}")
    # imported here so that other commands do not pay for loading SciPy
    from revlake.ml.retention import fit_sbg, parse_survivors

    counts = parse_survivors(survivors)
    result = fit_sbg(counts, fit_periods=fit_periods)
    render_fit(result, periods_ahead, discount_rate)


def register(app: typer.Typer) -> None:
    retention_app.command("fit")(fit)
    app.add_typer(retention_app, name="retention")
