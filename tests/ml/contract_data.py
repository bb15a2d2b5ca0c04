"""Synthetic files in their users' own words, with a known signal (fixed seeds).

A win/loss export without dates (`Outcome` Won/Loss, `Route To Market`, `Competitor` …)
and a telco customer snapshot (`Churn` Yes/No, `tenure`, `Contract`, `MonthlyCharges`
…): the outcome is drawn from a logistic model of the columns, so a model can find it.
Used by tests/ml/test_models_from_contract.py and benchmarks/bench_contract_models.py.
"""

from __future__ import annotations

import csv
import io

import numpy as np


def _csv(header: list[str], rows: list[list[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def win_loss_file(closed: int, open_deals: int = 0, seed: int = 13) -> str:
    """Closed deals with an outcome driven by route, competitor, size, region and amount."""
    rng = np.random.default_rng(seed)
    n = closed + open_deals
    region = rng.choice(["Pacific", "Northwest", "Midwest", "Southwest", "Mid-Atlantic"], n)
    route = rng.choice(
        ["Fields Sales", "Reseller", "Telesales", "Other"], n, p=[0.5, 0.3, 0.15, 0.05]
    )
    competitor = rng.choice(["Known", "Unknown", "None"], n, p=[0.4, 0.4, 0.2])
    size = rng.integers(1, 6, n)
    amount = np.round(np.exp(rng.normal(10.5, 1.0, n)), 0)
    days = rng.integers(0, 120, n)
    group = rng.choice(["Car Accessories", "Performance & Non-auto", "Tires & Wheels"], n)
    logit = (
        -0.8
        + 1.1 * (route == "Reseller")
        - 0.7 * (route == "Telesales")
        - 0.9 * (competitor == "Known")
        + 0.6 * (competitor == "None")
        + 0.35 * (size - 3)
        - 0.5 * (np.log(amount) - 10.5)
        - 0.012 * (days - 60)
        + 0.4 * (region == "Pacific")
    )
    won = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows: list[list[object]] = []
    for i in range(n):
        is_open = i >= closed
        rows.append(
            [
                f"OPP-{i:06d}",
                group[i],
                region[i],
                route[i],
                competitor[i],
                f"{amount[i]:.0f}",
                f"{size[i]}",
                f"{days[i]}",
                "Open" if is_open else "Closed",
                "" if is_open else ("Won" if won[i] else "Loss"),
            ]
        )
    header = [
        "Opportunity Number",
        "Supplies Group",
        "Region",
        "Route To Market",
        "Competitor",
        "Opportunity Amount USD",
        "Client Size By Revenue",
        "Elapsed Days",
        "Status",
        "Outcome",
    ]
    return _csv(header, rows)


def telco_file(n: int, seed: int = 21) -> str:
    """A telco customer snapshot whose churn depends on contract, tenure, charges, service."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.2])
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.35, 0.45, 0.2])
    payment = rng.choice(
        ["Electronic check", "Mailed check", "Bank transfer (automatic)", "Credit card"], n
    )
    tenure = rng.integers(0, 73, n)
    monthly = np.round(rng.uniform(18, 118, n), 2)
    senior = rng.integers(0, 2, n)
    logit = (
        -1.6
        + 1.3 * (contract == "Month-to-month")
        - 0.9 * (contract == "Two year")
        + 0.7 * (internet == "Fiber optic")
        + 0.5 * (payment == "Electronic check")
        - 0.035 * (tenure - 30)
        + 0.012 * (monthly - 65)
        + 0.3 * senior
    )
    churn = rng.random(n) < 1 / (1 + np.exp(-logit))
    rows: list[list[object]] = []
    for i in range(n):
        total = "" if tenure[i] == 0 else f"{monthly[i] * tenure[i]:.2f}"  # blank, as in telco
        rows.append(
            [
                f"{1000 + i}-TLC",
                rng.choice(["Female", "Male"]),
                f"{senior[i]}",
                rng.choice(["Yes", "No"]),
                f"{tenure[i]}",
                contract[i],
                internet[i],
                payment[i],
                f"{monthly[i]:.2f}",
                total,
                "Yes" if churn[i] else "No",
            ]
        )
    header = [
        "customerID",
        "gender",
        "SeniorCitizen",
        "Partner",
        "tenure",
        "Contract",
        "InternetService",
        "PaymentMethod",
        "MonthlyCharges",
        "TotalCharges",
        "Churn",
    ]
    return _csv(header, rows)
