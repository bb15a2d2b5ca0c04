"""The shapes the data contract is written in: a field, an entity.

An entity is a canonical kind of record every source maps onto (customers, subscription
periods, invoices, opportunities …). Its fields have a contract type, so whatever a source
writes (`02/03/24`, `1.234,50`, `Yes`) is parsed into one typed column; required fields
must be mapped for a file to feed the entity; synonyms are the spellings a generic layout
recognises without any mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FIELD_TYPES = ("text", "date", "timestamp", "number", "integer", "boolean")


@dataclass(frozen=True)
class Field:
    """One column of a canonical entity."""

    name: str
    type: str
    description: str
    required: bool = False
    synonyms: tuple[str, ...] = ()
    # A date that stands for its calendar month ("the month, any day of it"): as a key it
    # is compared by its month, so `2024-03-01` and `2024-03-15` are the same record and
    # the later row wins once, where the record is mapped (not again downstream).
    as_month: bool = False

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name}: unknown type {self.type!r}")
        if self.as_month and self.type != "date":
            raise ValueError(f"field {self.name}: as_month needs type 'date', not {self.type!r}")


@dataclass(frozen=True)
class Entity:
    """A canonical entity: grain, keys, fields, and what it feeds."""

    name: str
    title: str
    grain: str
    keys: tuple[str, ...]
    fields: tuple[Field, ...]
    feeds: tuple[str, ...]  # gold tables and models it reaches
    description: str = ""
    builtin_sources: tuple[str, ...] = ()  # layouts shipped with revlake that feed it
    # Fields a file must carry at least one of (besides the required ones) to be taken
    # for this entity by its generic layout: where the required fields are only a key,
    # which every kind of export has (an `opportunity_id` alone is not a deal table).
    distinctive: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def required(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        known = ", ".join(f.name for f in self.fields)
        raise KeyError(f"entity {self.name!r} has no field {name!r}; fields: {known}")

    @property
    def layout_name(self) -> str:
        """The built-in generic layout of this entity (`generic_<entity>`)."""
        return f"generic_{self.name}"
