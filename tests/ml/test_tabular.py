"""revlake.ml.tabular and the choice of path: columns, errors, registry round trip."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from revlake.errors import InputError, RevlakeError
from revlake.ml.deals import DealHistory
from revlake.ml.tabular import (
    SPLIT_SCHEME,
    infer_spec,
    load_tabular,
    parse_features,
    save_tabular,
    train_tabular,
)
from revlake.ml.win_tabular import needs_tabular


def _table(n: int, seed: int = 3) -> tuple[dict[str, list[object]], np.ndarray]:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro", "team"], n)
    seats = rng.integers(1, 50, n)
    logit = 1.5 * (plan == "pro") - 1.0 * (plan == "basic") + 0.04 * (seats - 25)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
    table: dict[str, list[object]] = {
        "plan": list(plan),
        "seats": [str(s) if i % 17 else "" for i, s in enumerate(seats)],  # some blanks
        "ref": [f"r{i}" for i in range(n)],  # an identifier
        "source": ["crm"] * n,  # one value
    }
    return table, y


def test_columns_are_typed_and_ids_and_constants_left_out() -> None:
    table, _ = _table(200)
    spec, left_out = infer_spec(table, ["plan", "seats", "ref", "source", "absent"])
    assert [(c.name, c.kind) for c in spec.columns] == [
        ("plan", "categorical"),
        ("seats", "numeric"),
    ]
    assert left_out == {"ref": "an identifier (200 distinct values)", "source": "one value or none"}
    x = spec.encode({"plan": ["pro", "enterprise", None], "seats": ["3", "", "x"]})
    pro = spec.columns[0].vocabulary.index("pro")
    assert x[0].tolist() == [pro, 3.0]
    assert np.isnan(x[1]).all() and np.isnan(x[2]).all()  # unseen value, blank, not a number


def test_features_json_becomes_columns_and_bad_json_names_the_row() -> None:
    assert parse_features(['{"region": "EU", "size": 3}', None, '{"region": "US"}']) == {
        "region": ["EU", None, "US"],
        "size": [3, None, None],
    }
    with pytest.raises(RevlakeError, match="features of row 2: not a JSON object"):
        parse_features(['{"a": 1}', "[1, 2]"])


def test_too_few_labels_for_a_stratified_split_is_said() -> None:
    table, _ = _table(100)
    y = np.zeros(100, dtype=np.int8)
    y[:5] = 1
    with pytest.raises(InputError, match="5 positive and 95 negative"):
        train_tabular(table, y, model_columns=["plan"], baseline_columns=["plan"], what="deals")


def test_train_report_and_registry_round_trip(tmp_path: Path) -> None:
    table, y = _table(1200)
    result = train_tabular(
        table,
        y,
        model_columns=["plan", "seats", "ref", "source"],
        baseline_columns=["plan", "seats", "ref", "source"],
        what="deals",
    )
    evaluation = result.evaluation
    assert evaluation["split"]["scheme"] == SPLIT_SCHEME
    assert evaluation["baseline"]["columns"] == ["plan", "seats", "ref", "source"]
    assert len(evaluation["model"]["fold_roc_auc"]) == len(evaluation["baseline_fold_roc_auc"])
    assert evaluation["auc_gap"] == pytest.approx(
        evaluation["model"]["roc_auc"] - evaluation["baseline"]["roc_auc"]
    )
    assert evaluation["model"]["roc_auc"] > 0.7
    path = save_tabular(tmp_path / "reg", result, {"tenant": "t"}, "Win model")
    model, manifest = load_tabular(tmp_path / "reg")
    assert manifest["version"] == path.name and manifest["split"]["scheme"] == SPLIT_SCHEME
    x = result.model.spec.encode(table)
    assert np.allclose(model.predict(x), result.model.predict(x))
    assert SPLIT_SCHEME in (path / "evaluation.md").read_text(encoding="utf-8")


def _history(dated: bool, n: int = 40) -> DealHistory:
    day = date(2024, 1, 1) if dated else None
    return DealHistory.from_columns(
        opportunity_id=[f"o{i}" for i in range(n)],
        created=[day] * n,
        close=[date(2024, 2, 1) if dated else None] * n,
        is_closed=[True] * n,
        is_won=[i % 3 == 0 for i in range(n)],
        amount=[100.0] * n,
        rep=[None] * n,
        account=[None] * n,
        categoricals={},
        stage_name=["Closed"] * n,
        events=[],
        as_of=date(2024, 3, 1),
    )


def test_the_data_chooses_the_path() -> None:
    assert needs_tabular(_history(dated=False))
    assert not needs_tabular(_history(dated=True))
