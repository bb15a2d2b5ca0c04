"""The dashboard's static files under /static, at versioned URLs a browser keeps.

`static_url("style.css")` is `/static/style.css?v=<first 12 hex of the file's SHA-256>`:
a new version of a file is a new URL, so a response to a URL with the current `v` may
be cached for a year without revalidation (`Cache-Control: ... immutable`). A warm page
load then takes its stylesheets and script from the browser's cache without a request.
A URL without `v`, or with another file's version, is served as before (no
Cache-Control header: the browser revalidates it).

Everything is shipped inside the package (never a CDN): the stylesheets and `inplace.js`
(in-place updates). Charts need no script: they are drawn on the server
(`revlake.web.figures.render`).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    """The version of a file's content (recomputed when the file changes)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def file_version(name: str) -> str:
    """The version `v` of the static file `name` (a path under the static folder)."""
    path = STATIC_DIR / name
    stat = path.stat()
    return _digest(str(path), stat.st_mtime_ns, stat.st_size)


def static_url(name: str) -> str:
    """The versioned URL of the static file `name` (a Jinja global of the templates)."""
    return f"/static/{name}?v={file_version(name)}"


class VersionedStaticFiles(StaticFiles):
    """StaticFiles whose responses to a current versioned URL are cached as immutable."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v")
        if asked and response.status_code in (200, 304):
            current = _digest(str(full_path), stat_result.st_mtime_ns, stat_result.st_size)
            if asked[-1] == current:
                response.headers["Cache-Control"] = IMMUTABLE
        return response
