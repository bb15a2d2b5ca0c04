"""Models from data without dates: revlake's AUC beside the same-run baseline, several seeds.

The synthetic win/loss table and telco snapshot of tests/ml/contract_data.py (the test
builds them through ingest and dbt once, with one seed); here each seed's file is read
as the columns a layout would map (headers normalised as bronze does) and trained with
`revlake.ml.tabular.train_tabular` — the function `revlake train` / `revlake churn
train` reach — so the gap to the baseline is seen over several draws, with its time.

    python -m benchmarks.bench_contract_models [--rows 4000] [--seeds 1,2,3]
"""

from __future__ import annotations

import argparse
import csv
import io
import time

import numpy as np
from tests.ml.contract_data import telco_file, win_loss_file

from revlake.ingest.naming import normalize_column_name
from revlake.ml.tabular import train_tabular


def _columns(
    text: str, label: str, positive: str, ignore: set[str]
) -> tuple[dict[str, list[object]], np.ndarray[tuple[int], np.dtype[np.int8]]]:
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r[label]]
    y = np.array([1 if r[label] == positive else 0 for r in rows], dtype=np.int8)
    keep = [h for h in rows[0] if h != label and h not in ignore]
    return {normalize_column_name(h): [r[h] for r in rows] for h in keep}, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    print("| data | seed | rows | revlake AUC | baseline AUC | gap | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for seed in (int(s) for s in args.seeds.split(",")):
        files = (
            ("win/loss", win_loss_file(args.rows, seed=seed), "Outcome", "Won", {"Status"}),
            ("telco churn", telco_file(args.rows, seed=seed), "Churn", "Yes", set()),
        )
        for name, text, label, positive, ignore in files:
            columns, y = _columns(text, label, positive, ignore)
            ids = {"opportunity_number", "customer_id"}  # the keys: never a model input
            names = [c for c in columns if c not in ids]
            start = time.perf_counter()
            result = train_tabular(
                columns, y, model_columns=names, baseline_columns=names, what="rows"
            )
            seconds = time.perf_counter() - start
            e = result.evaluation
            print(
                f"| {name} | {seed} | {y.size:,} | {e['model']['roc_auc']:.4f} | "
                f"{e['baseline']['roc_auc']:.4f} | {e['auc_gap']:+.4f} | {seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
