"""The one reader of published builds (gold): find, open, query, memoise.

- `published_path` / `open_published`: a tenant's published build, or `NoPublishedBuild`.
- `Build`: `rows`, `has_table`, `require` (`MissingTable`), `memo` per build.
- `BuildRegistry`: the server's per-tenant current build, pinned per request.
- `tables`: the gold table names, in one place.
"""

from revlake.errors import MissingTable, NoPublishedBuild
from revlake.reader import tables
from revlake.reader.build import Build, Rows, open_build
from revlake.reader.published import (
    BuildRegistry,
    no_published_build,
    open_published,
    published_path,
    tenant_snapshots_dir,
)

__all__ = [
    "Build",
    "BuildRegistry",
    "MissingTable",
    "NoPublishedBuild",
    "Rows",
    "no_published_build",
    "open_build",
    "open_published",
    "published_path",
    "tables",
    "tenant_snapshots_dir",
]
