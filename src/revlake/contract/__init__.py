"""The data contract: canonical entities every source maps onto (docs/DATA-CONTRACT.md)."""

from revlake.contract.entities import ENTITIES, entity
from revlake.contract.spec import FIELD_TYPES, Entity, Field

__all__ = ["ENTITIES", "FIELD_TYPES", "Entity", "Field", "entity"]
