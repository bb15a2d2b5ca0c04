"""The query layer: one module per area, shared by the API, the dashboard and the CLI.

Framework-free (no FastAPI/Starlette import: the import contract in pyproject.toml checks
it). Readers take a pinned published build (`revlake.reader.Build`) and memoise their
answer in it (a build never changes); they read metrics computed in gold, or call
finance/ and ml/ for books and models, and only select, filter, page and reshape. They
fail with domain errors (`revlake.errors.NotFound`, `MissingTable`, `NoPublishedBuild`,
`Conflict`, `InputError`), which the API maps once to problem+json (api/problems.py) and
the CLI to exit codes (cli/app.py).
"""
