"""The README's CLI table and docs/API.md's endpoint table say what the product has: every
command the CLI has and every /api/v1 route the app serves is listed, and nothing listed
is missing from them (issue 14: nothing checked either against the code)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main
from fastapi import APIRouter

from revlake.api.routes import API_PREFIX, api_router, route_table
from revlake.cli.app import app as cli_app

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"^[a-z][a-z0-9-]*(/[a-z][a-z0-9-]*)*$")


def cli_commands() -> set[str]:
    """Every leaf command of the CLI, as "group sub" (no "revlake")."""
    found: set[str] = set()

    def walk(command: Any, path: tuple[str, ...]) -> None:
        subs: dict[str, Any] | None = getattr(command, "commands", None)
        if subs is None:  # a command (Typer ships its own click: duck-typed)
            found.add(" ".join(path))
            return
        for name, sub in subs.items():
            if not sub.hidden:
                walk(sub, (*path, name))
        if command.invoke_without_command and path:  # e.g. `revlake layouts`
            found.add(" ".join(path))

    walk(typer.main.get_command(cli_app), ())
    return found


def readme_commands() -> set[str]:
    """The commands the README's CLI table names (first column, every `revlake ...`)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## CLI", 1)[1].split("\n## ", 1)[0]
    found: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split(" | ")[0]
        group: tuple[str, ...] = ()
        for fragment in re.findall(r"`([^`]+)`", cell):
            tokens = fragment.replace("\\|", "|").split()
            if tokens and tokens[0] == "revlake":
                tokens = tokens[1:]
                group = ()
            words: list[str] = []
            for token in tokens:
                if not WORD.match(token):
                    break
                words.append(token)
            if not words:
                continue
            if not group and len(words) > 1:
                group = (words[0],)
            elif group and words[0] != group[0]:
                words = [*group, *words]
            for last in words[-1].split("/"):
                found.add(" ".join([*words[:-1], last]))
    return found


def served_endpoints() -> set[tuple[str, str]]:
    router = APIRouter()
    router.include_router(api_router())
    return {(m, p) for m, p in route_table(router.routes) if p.startswith(API_PREFIX)}


def documented_endpoints() -> set[tuple[str, str]]:
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/api/v1/[^`?]*)", text, re.MULTILINE)
    return {(method, path) for method, path in rows}


def test_readme_cli_table_lists_every_command_and_no_other() -> None:
    have, listed = cli_commands(), readme_commands()
    assert listed - have == set(), "README lists commands the CLI does not have"
    assert have - listed == set(), "README's CLI table misses commands"


def test_api_doc_lists_every_endpoint_and_no_other() -> None:
    served, listed = served_endpoints(), documented_endpoints()
    assert listed - served == set(), "docs/API.md lists endpoints the app does not serve"
    assert served - listed == set(), "docs/API.md misses endpoints the app serves"
