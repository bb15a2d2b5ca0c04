"""Bronze → silver → gold: the shipped dbt project, run programmatically, published atomically.

`build_tenant` (build.py) is the entry point: it writes a new snapshot DuckDB file, runs
`dbt build` on it with the tenant's bronze attached read-only, and publishes it only when
every model and test succeeded (snapshots.py).
"""
