"""The data contract: its entities, the generic layouts made from it, mappings onto it."""

from __future__ import annotations

import pytest

from revlake.contract import ENTITIES, FIELD_TYPES
from revlake.contract.docs import DOC_PATH, rendered_document
from revlake.errors import InputError
from revlake.ingest import load_layouts
from revlake.ingest.layouts import parse_layout
from revlake.ingest.matching import Match, match_layout
from revlake.ingest.naming import normalize_column_name
from revlake.transform.entities import entities_var


def test_the_document_shows_the_contract_as_it_is() -> None:
    text = DOC_PATH.read_text(encoding="utf-8")
    assert text == rendered_document(text), "run `python -m revlake.contract.docs --write`"


@pytest.mark.parametrize("name", sorted(ENTITIES))
def test_every_entity_is_well_formed(name: str) -> None:
    entity = ENTITIES[name]
    fields = [f.name for f in entity.fields]
    assert len(fields) == len(set(fields))
    assert entity.required, "an entity needs at least one required field"
    assert set(entity.keys) <= set(fields)
    assert all(f.type in FIELD_TYPES for f in entity.fields)
    spellings: dict[str, str] = {}
    for f in entity.fields:
        for spelling in (f.name, *f.synonyms):
            column = normalize_column_name(spelling)
            assert spellings.setdefault(column, f.name) == f.name, (name, spelling)


def test_each_entity_has_a_generic_layout_with_its_fields_and_synonyms() -> None:
    layouts = {layout.name: layout for layout in load_layouts()}
    for entity in ENTITIES.values():
        layout = layouts[entity.layout_name]
        assert layout.entity == entity.name and layout.source == "generic"
        assert set(layout.required) == {f.name for f in entity.required}
        assert set(layout.columns) == {f.name for f in entity.fields}
        assert all(layout.types[f.name] == f.type for f in entity.fields)


@pytest.mark.parametrize(
    ("headers", "layout"),
    [
        (["account_id", "mrr_amount", "start", "end"], "generic_subscriptions"),
        (["Stripe Customer ID", "Month", "MAU"], "generic_product_usage"),
        (["opportunity_id", "account", "deal_stage", "deal_value", "won"], "generic_opportunities"),
        (["customer_id", "churned", "tenure"], "generic_customers"),
        (["date", "currency", "rate_to_usd"], "fx_rates"),  # a vendor layout beats a generic one
    ],
)
def test_common_spellings_reach_their_entity(headers: list[str], layout: str) -> None:
    found = match_layout(headers, "export.csv", load_layouts())
    assert isinstance(found, Match), found
    assert found.layout.name == layout


MAPPING = """
name = "acme_deals"
entity = "opportunities"
source = "acme"
features = ["Region", "Competitor"]
[columns]
opportunity_id = "Deal"
is_won = "Result"
amount = "Value"
[values.is_won]
Won = "true"
Loss = "false"
[constants]
currency = "EUR"
"""


def test_a_mapping_derives_required_columns_types_and_the_dbt_var() -> None:
    layout = parse_layout(MAPPING, "ws/layouts/acme_deals.toml")
    assert layout.required == ("deal",)
    assert set(layout.optional) == {"result", "value", "region", "competitor"}
    assert layout.types == {"deal": "text", "result": "text", "value": "number"}
    assert layout.field_columns == {"opportunity_id": "deal", "is_won": "result", "amount": "value"}
    assert layout.features == ("region", "competitor")
    [source] = entities_var([layout])["opportunities"]
    assert source == {
        "table": "acme_deals",
        "source": "acme",
        "columns": {"opportunity_id": "deal", "is_won": "result", "amount": "value"},
        "values": {"is_won": {"won": "true", "loss": "false"}},
        "constants": {"currency": "EUR"},
        "features": ["region", "competitor"],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\nentity = "deals"\n', "unknown entity 'deals'"),
        (
            'name = "x"\nentity = "opportunities"\n[columns]\nwon = "Result"\n',
            "[columns]: won not fields of entity 'opportunities'",
        ),
        (
            'name = "x"\nentity = "subscriptions"\n[columns]\nstart_date = "Start"\n',
            "needs customer_id: map each in [columns]",
        ),
        (
            'name = "x"\nentity = "opportunities"\n[columns]\nopportunity_id = "Id"\n'
            '[values.is_won]\nWon = "true"\n',
            "[values]: is_won is not mapped in [columns]",
        ),
        (
            'name = "x"\nentity = "opportunities"\nfeatures = ["Id"]\n[columns]\n'
            'opportunity_id = "Id"\n',
            "features id are already mapped fields",
        ),
    ],
)
def test_mapping_errors_name_the_file_and_the_key(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_layout(text, "ws/layouts/x.toml")
    assert "ws/layouts/x.toml" in str(info.value)
    assert expected in str(info.value)
