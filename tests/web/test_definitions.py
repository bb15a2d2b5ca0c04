"""One name and one definition per pipeline figure (revlake.queries.definitions)."""

from __future__ import annotations

import re
from pathlib import Path

from revlake.queries import definitions
from revlake.queries.deals import AT_RISK_DEFINITION

TEMPLATES = Path(definitions.__file__).parents[1] / "web" / "templates"


def test_each_figure_has_its_own_name() -> None:
    names = [figure.name.lower() for figure in definitions.ALL]
    assert len(set(names)) == len(names)
    formulas = [figure.formula for figure in definitions.ALL]
    assert len(set(formulas)) == len(formulas)


def test_pages_take_formulas_from_the_definitions_not_their_own_text() -> None:
    """A formula written into a template (a Σ, "× win probability") is a second
    definition that can drift; pages print `defs.<FIGURE>` instead. (The planted check:
    the deal page wrote "Σ amount × win probability" before.)"""
    own = {
        path.name: re.findall(r"Σ|× \(?1? ?−? ?win probability", text)
        for path in TEMPLATES.glob("*.html")
        if (text := path.read_text(encoding="utf-8"))
    }
    assert {name: found for name, found in own.items() if found} == {}
    used = "".join(p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html"))
    for attribute in ("EXPECTED_VALUE", "AT_RISK_REVENUE", "CRM_WEIGHTED_PIPELINE"):
        assert f"defs.{attribute}" in used


def test_the_api_states_the_same_at_risk_definition() -> None:
    assert AT_RISK_DEFINITION.startswith(definitions.AT_RISK_REVENUE.sentence)
    assert "1 − calibrated win probability" in AT_RISK_DEFINITION
