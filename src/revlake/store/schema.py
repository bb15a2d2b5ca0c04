"""The whole operational store schema: every ORM module's tables on one `MetaData`.

Each product area keeps its ORM classes in its own module (subclassing
`revlake.store.models.Base`); `ORM_MODULES` names them so that Alembic and the schema
test see every table, not only those of modules someone happened to import.
"""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from revlake.store.models import Base

ORM_MODULES: tuple[str, ...] = (
    "revlake.store.models",
    "revlake.store.contracts",
    "revlake.store.collections",
    "revlake.store.bank_matches",
)
"""Modules that declare ORM tables; add yours here with its Alembic migration."""


def store_metadata() -> MetaData:
    """`Base.metadata` after importing every module in `ORM_MODULES`."""
    for name in ORM_MODULES:
        importlib.import_module(name)
    return Base.metadata
