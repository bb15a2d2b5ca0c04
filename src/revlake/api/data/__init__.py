"""Readers of the gold layer: one module per area, shared by the API and the dashboard.

They read metrics computed in gold and only select, filter, page and reshape them; no
metric is computed here. Every reader takes a pinned `Snapshot` and memoises its answer
in it (the snapshot never changes).
"""
