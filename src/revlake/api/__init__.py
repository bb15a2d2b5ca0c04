"""The REST API (FastAPI) and the server that also hosts the web dashboard."""

from __future__ import annotations

from revlake.api.app import create_app

__all__ = ["create_app"]
