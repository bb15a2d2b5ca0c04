"""The churn model from a customer snapshot: one row per customer with a churn label.

A customer table with a churn flag and attributes (a telco export: `Churn` = Yes/No,
tenure, contract, monthly charges …) has no customer-month history, so the monthly
churn model (revlake.ml.churn) has nothing to learn from. `revlake churn train` then
trains this model (revlake.ml.tabular) when gold.fct_mrr has no paying customer-months:
one row per labelled customer of gold.dim_customer, the standard attributes that carry
information (source, segment, industry, employees, country, currency) plus every feature
column the workspace layout declared (`features`), stratified 5-fold cross-validation
beside the same-run baseline. The churn date is left out: it records the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from revlake.errors import InputError, RevlakeError
from revlake.ml.tabular import TabularResult, parse_features, train_tabular
from revlake.reader import open_build

MODEL_FAMILY = "churn_snapshot"
STANDARD_COLUMNS = ("source", "segment", "industry", "employees", "country", "currency")

_SQL = """
select
  customer_id, source_system as source, segment, industry, employees,
  location_key as country, currency, is_churned, features
from gold.dim_customer
where is_churned is not null and not is_inferred
order by customer_key
"""


@dataclass(frozen=True)
class CustomerTable:
    """Labelled customers, one row each: columns by model name and the churn label."""

    customer_id: list[str]
    columns: dict[str, list[object]]
    feature_names: tuple[str, ...]
    churned: np.ndarray[tuple[int], np.dtype[np.int8]]


def read_customer_table(path: Path) -> CustomerTable | None:
    """The labelled customers of a build file (None when no customer has a churn label)."""
    with open_build(path) as build, build.cursor() as con:
        try:
            data = con.sql(_SQL).to_arrow_table().to_pydict()
        except duckdb.Error as exc:
            raise RevlakeError(f"cannot read gold.dim_customer from the build: {exc}") from exc
    if not data["customer_id"]:
        return None
    columns: dict[str, list[object]] = {name: list(data[name]) for name in STANDARD_COLUMNS}
    names: list[str] = []
    for key, values in parse_features(data["features"]).items():
        name = key if key not in columns else f"feature_{key}"
        columns[name] = values
        names.append(name)
    return CustomerTable(
        customer_id=[str(v) for v in data["customer_id"]],
        columns=columns,
        feature_names=tuple(names),
        churned=np.array([1 if v else 0 for v in data["is_churned"]], dtype=np.int8),
    )


def train_churn_snapshot(customers: CustomerTable) -> TabularResult:
    """revlake's churn model and the baseline on the labelled customers (churned = 1)."""
    if customers.churned.size == 0:
        raise InputError("no customer has a churn label")
    model_columns = (*STANDARD_COLUMNS, *customers.feature_names)
    return train_tabular(
        customers.columns,
        customers.churned,
        model_columns=model_columns,
        baseline_columns=model_columns,
        what="customers",
    )
