"""The win model's evaluation report as Markdown (the JSON is the evaluation dict itself)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MODELS = (
    ("model", "win model (calibrated)"),
    ("model_uncalibrated", "win model (raw, before calibration)"),
    ("stage_rates", "stage win rates (baseline)"),
    ("base_rate", "base rate (baseline)"),
    ("oracle", "oracle: true probabilities (synthetic data only)"),
)


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(results: Mapping[str, Any]) -> list[str]:
    lines = [
        "| model | n | won | ROC-AUC | Brier | log loss | ECE |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in _MODELS:
        m = results.get(key)
        if not m:
            continue
        lines.append(
            f"| {label} | {m['n']:,} | {m['positives']:,} | {_fmt(m['roc_auc'])} | "
            f"{_fmt(m['brier'])} | {_fmt(m['log_loss'])} | {_fmt(m['ece'])} |"
        )
    return lines


def render_markdown(tenant: str, manifest: Mapping[str, Any], evaluation: Mapping[str, Any]) -> str:
    """A human-readable report of one trained version."""
    split = evaluation.get("split", {})
    lines = [
        f"# Win model — tenant `{tenant}`",
        "",
        f"- kind: `{manifest.get('kind')}`",
        "- training data fingerprint (SHA-256 of the training rows): "
        f"`{manifest.get('fingerprint')}`",
        f"- split: {split.get('scheme', '')}; validation from {split.get('validation_start')}, "
        f"test from {split.get('test_start')}",
        f"- deals (train / validation / test): {split.get('deals')}; snapshots: "
        f"{split.get('snapshots')}",
        f"- closed deals: {split.get('closed_deals')}",
    ]
    if manifest.get("message"):
        lines += ["", f"> {manifest['message']}"]
    lines += [
        "",
        "## Test split: every snapshot (each open deal at creation and each month end)",
        "",
        *_table(evaluation.get("test_snapshots", {})),
        "",
        "## Test split: one row per deal, at its creation",
        "",
        *_table(evaluation.get("test_at_creation", {})),
        "",
        "Lower is better for Brier, log loss and ECE (expected calibration error, 10 equal-width"
        " bins); ROC-AUC: 0.5 is chance.",
        "",
        "![reliability diagram](reliability.png)",
    ]
    importance = evaluation.get("global_importance")
    if importance:
        lines += [
            "",
            "## Global importance (mean |TreeSHAP| in logit, test snapshots)",
            "",
            "| feature | mean abs contribution |",
            "| --- | ---: |",
        ]
        lines += [f"| {name} | {value:.4f} |" for name, value in importance.items()]
    return "\n".join(lines) + "\n"
