"""docs/RETENTION.md's worked example stays true to what the code computes."""

from __future__ import annotations

from pathlib import Path

from revlake.ml.retention import fit_sbg

DOC = Path(__file__).resolve().parents[2] / "docs" / "RETENTION.md"
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]


def test_worked_example_figures_match_the_fit() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, counts in (("regular", REGULAR), ("high end", HIGH_END)):
        fit = fit_sbg(counts, fit_periods=8)
        params = (
            f"| {fit.alpha:.3f} ± {fit.alpha_se:.3f} | {fit.beta:.3f} ± {fit.beta_se:.3f} "
            f"| −{-fit.log_likelihood:.2f} |"
        )
        assert params in text, (name, params)
        projected = " | ".join(f"{row.expected_survivors:.1f}" for row in fit.projection(5)[8:])
        assert f"| {name}, projected | {projected} |" in text, (name, projected)
    regular = fit_sbg(REGULAR, fit_periods=8)
    assert f"DEL = {regular.discounted_expected_lifetime(0.1):.3f}" in text
    assert f"DERL = {regular.derl(0.1):.3f}" in text
