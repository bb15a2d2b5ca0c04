"""Landing → bronze: incremental, exactly-once ingestion of exported files.

Entry points: `run_ingest` (one run), `watch_ingest` (continuous polling) and
`load_layouts` (the layouts in effect for a workspace).
"""

from revlake.ingest.layouts import Layout, load_layouts
from revlake.ingest.run import run_ingest
from revlake.ingest.summary import FileResult, FileStatus, IngestSummary
from revlake.ingest.watch import watch_ingest

__all__ = [
    "FileResult",
    "FileStatus",
    "IngestSummary",
    "Layout",
    "load_layouts",
    "run_ingest",
    "watch_ingest",
]
