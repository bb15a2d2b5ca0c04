"""The entity reference of docs/DATA-CONTRACT.md, rendered from the contract itself.

The part of the document between the markers below is this module's output (`python -m
revlake.contract.docs --write`); a test keeps the two equal, so the document cannot drift
from what the generic layouts and the dbt models actually accept.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from revlake.contract.entities import ENTITIES
from revlake.contract.spec import Entity, Field

DOC_PATH = Path(__file__).resolve().parents[3] / "docs" / "DATA-CONTRACT.md"
BEGIN = "<!-- BEGIN ENTITY REFERENCE (generated: python -m revlake.contract.docs --write) -->"
END = "<!-- END ENTITY REFERENCE -->"

_SAMPLES = {
    "text": "A-1001",
    "date": "2024-03-01",
    "timestamp": "2024-03-01 09:30:00",
    "number": "1250.00",
    "integer": "3",
    "boolean": "true",
}
_NAMED_SAMPLES = {
    "currency": "USD",
    "interval": "month",
    "country": "Germany",
    "status": "paid",
    "stage": "Negotiation",
    "channel": "paid_search",
    "lead_source": "Web",
    "email": "ap@acme.example",
    "customer_name": "Acme GmbH",
    "vendor": "Amazon Web Services",
    "description": "Transfer INV-1001",
    "reason": "too expensive",
    "priority": "high",
    "probability": "60",
}


def _sample(field: Field) -> str:
    if field.name in _NAMED_SAMPLES:
        return _NAMED_SAMPLES[field.name]
    if field.name.endswith("_id") and field.type == "text":
        return f"{field.name.removesuffix('_id')[:4]}_001"
    return _SAMPLES[field.type]


def _key(field: Field) -> str:
    """A key field as the reference names it; a month key says it compares months."""
    return f"`{field.name}` (by month: any day of it)" if field.as_month else f"`{field.name}`"


def entity_section(entity: Entity) -> str:
    """The reference section of one entity."""
    lines = [
        f"### `{entity.name}` — {entity.title}",
        "",
        f"Grain: {entity.grain}. Keys: {', '.join(_key(entity.field(k)) for k in entity.keys)}.",
    ]
    if entity.description:
        lines += ["", entity.description]
    lines += [
        "",
        "| field | type | required | also recognised as | meaning |",
        "| --- | --- | --- | --- | --- |",
    ]
    for f in entity.fields:
        synonyms = ", ".join(f"`{s}`" for s in f.synonyms) or "–"
        lines.append(
            f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {synonyms} | "
            f"{f.description} |"
        )
    lines += [
        "",
        f"Feeds: {', '.join(f'`{t}`' for t in entity.feeds)}.",
    ]
    if entity.builtin_sources:
        lines.append(
            f"Built-in sources: {', '.join(f'`{s}`' for s in entity.builtin_sources)}; "
            f"any file: `{entity.layout_name}`."
        )
    else:
        lines.append(f"Any file: `{entity.layout_name}`.")
    header = ",".join(f.name for f in entity.fields)
    row = ",".join(_sample(f) for f in entity.fields)
    lines += ["", "```csv", header, row, "```", ""]
    return "\n".join(lines)


def render_reference() -> str:
    """Every entity's section, in the registry's order."""
    return "\n".join(entity_section(e) for e in ENTITIES.values())


def rendered_document(text: str) -> str:
    """`text` with the part between the markers replaced by the current reference."""
    head, found, rest = text.partition(BEGIN)
    if not found:
        raise ValueError(f"{DOC_PATH}: marker {BEGIN!r} is missing")
    _, found, tail = rest.partition(END)
    if not found:
        raise ValueError(f"{DOC_PATH}: marker {END!r} is missing")
    return f"{head}{BEGIN}\n\n{render_reference()}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"update {DOC_PATH}")
    args = parser.parse_args(argv)
    current = DOC_PATH.read_text(encoding="utf-8")
    updated = rendered_document(current)
    if args.write:
        DOC_PATH.write_text(updated, encoding="utf-8")
    else:
        print(render_reference())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
