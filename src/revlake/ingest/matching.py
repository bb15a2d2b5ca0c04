"""Recognise a file: which layout its headers (and name) fit, or why none does."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from revlake.ingest.layouts import Layout
from revlake.ingest.naming import normalize_column_name


@dataclass(frozen=True)
class ColumnMapping:
    """Where each source column (by position) lands in the bronze table."""

    headers: tuple[str, ...]
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """The layout a file was recognised as, with its column mapping and the evidence."""

    layout: Layout
    mapping: ColumnMapping
    score: float = 0.0
    runner_up: str | None = None  # a near tie, reported beside the match
    runner_up_score: float = 0.0

    @property
    def near_tie_note(self) -> str:
        if self.runner_up is None:
            return ""
        return (
            f"near tie: also fits {self.runner_up} (evidence {self.runner_up_score:.1f} vs "
            f"{self.score:.1f}); `revlake layouts explain` shows why"
        )


@dataclass(frozen=True)
class NoMatch:
    """No layout fits: the closest ones and what each one missed."""

    message: str


NEAR_TIE = 0.85  # a runner-up with this share of the winner's evidence is reported


def map_columns(layout: Layout, headers: Sequence[str]) -> ColumnMapping:
    """Bronze column of each header: its layout column (via aliases) or its own name.

    Two headers landing on the same name get `_2`, `_3`… so no source column is dropped.
    """
    used: set[str] = set()
    columns = []
    for header in headers:
        name = layout.canonical(header)
        if name in used:
            name = normalize_column_name(header)
        base, suffix = name, 2
        while name in used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        columns.append(name)
    return ColumnMapping(headers=tuple(headers), columns=tuple(columns))


def _missing(layout: Layout, headers: Sequence[str]) -> list[str]:
    present = {layout.canonical(h) for h in headers}
    return [c for c in layout.required if c not in present]


def header_weights(headers: Sequence[str], layouts: Sequence[Layout]) -> dict[str, float]:
    """How much each header of a file tells layouts apart: log(1 + layouts / layouts that
    recognise it, directly or through an alias).

    `Id` or `Date`, which many layouts recognise, weigh little; `IsConverted` or
    `BillingCountry`, which one layout recognises, weigh much. Weighing the file's own
    headers (not the layouts' column names) makes two layouts that recognise the same
    headers score the same, however they name them.
    """
    total = len(layouts)
    weights: dict[str, float] = {}
    for header in headers:
        count = sum(1 for layout in layouts if layout.canonical(header) in layout.columns)
        if count:
            weights[header] = math.log(1 + total / count)
    return weights


@dataclass(frozen=True)
class Evidence:
    """How one layout fits one file: the facts `match_layout` and `explain` both use."""

    layout: Layout
    present: tuple[str, ...]  # layout columns the file carries
    missing_required: tuple[str, ...]
    distinctive_present: tuple[str, ...]
    by_name: bool
    score: float
    share: float  # of the file's columns that the layout knows

    @property
    def fits(self) -> bool:
        return not self.missing_required and (
            not self.layout.distinctive or bool(self.distinctive_present)
        )

    @property
    def specific(self) -> bool:
        """A vendor's own layout (not a generic contract layout)."""
        return self.layout.source != "generic"

    @property
    def rank(self) -> tuple[float, int, int, float, int]:
        return (
            round(self.score, 6),
            int(self.specific),  # same evidence: a vendor's layout beats a generic one
            int(self.by_name),
            round(self.share, 6),
            len(self.layout.required),
        )

    def why_not(self) -> str:
        if self.missing_required:
            return "missing required columns " + ", ".join(self.missing_required)
        return "none of its distinctive columns " + ", ".join(self.layout.distinctive)


def evidence_for(
    layout: Layout, headers: Sequence[str], file_name: str, weights: dict[str, float]
) -> Evidence:
    recognised = [h for h in headers if layout.canonical(h) in layout.columns]
    present = tuple(dict.fromkeys(layout.canonical(h) for h in recognised))
    by_name = layout.matches_file_name(file_name)
    score = sum(weights.get(h, 0.0) for h in dict.fromkeys(recognised))
    score += 1.0 if by_name else 0.0
    return Evidence(
        layout=layout,
        present=present,
        missing_required=tuple(c for c in layout.required if c not in present),
        distinctive_present=tuple(c for c in layout.distinctive if c in present),
        by_name=by_name,
        score=score,
        share=len(present) / len(headers) if headers else 0.0,
    )


def rank_layouts(
    headers: Sequence[str], file_name: str, layouts: Sequence[Layout]
) -> list[Evidence]:
    """Every layout's evidence for a file, best first: fitting vendor (and workspace)
    layouts, then fitting generic contract layouts, then the rest."""
    weights = header_weights(headers, layouts)
    found = [evidence_for(layout, headers, file_name, weights) for layout in layouts]
    return sorted(found, key=lambda e: (e.fits, e.fits and e.specific, e.rank), reverse=True)


def match_layout(
    headers: Sequence[str], file_name: str, layouts: Sequence[Layout]
) -> Match | NoMatch:
    """The best layout for a file by evidence, or a message naming the closest and their gaps.

    A layout fits when every required column is present (aliases count) and, if it names
    distinctive columns, at least one of them. A fitting vendor or workspace layout always
    beats a fitting generic contract layout (`generic_<entity>`, the fallback for files in
    the contract's own columns: its synonyms can reach a vendor's columns too). Among
    either kind, layouts are ranked by evidence: the weighted count of the file's headers
    they recognise (a header few layouts recognise weighs more; a matching `file_names`
    pattern adds one), then the share of the file's columns they know. An exact tie is
    reported rather than guessed; a runner-up close to the winner is reported beside the
    match.
    """
    ranked = rank_layouts(headers, file_name, layouts)
    fitting = [e for e in ranked if e.fits]
    if not fitting:
        return NoMatch(_closest_message(headers, file_name, ranked))
    best = fitting[0]
    ties = [e.layout.name for e in fitting if e.rank == best.rank]
    if len(ties) > 1:
        return NoMatch(
            f"{file_name}: ambiguous, its headers fit layouts {', '.join(ties)} equally well; "
            "give one of them a `file_names` pattern that matches this file"
        )
    runner = fitting[1] if len(fitting) > 1 else None
    near = (
        runner is not None
        and runner.specific == best.specific  # a vendor layout always beats a generic one
        and runner.score >= NEAR_TIE * best.score
    )
    return Match(
        layout=best.layout,
        mapping=map_columns(best.layout, headers),
        score=best.score,
        runner_up=runner.layout.name if near and runner else None,
        runner_up_score=runner.score if near and runner else 0.0,
    )


def _closest_message(headers: Sequence[str], file_name: str, ranked: list[Evidence]) -> str:
    def closeness(e: Evidence) -> tuple[float, int, int, str]:
        share = 1 - len(e.missing_required) / len(e.layout.required)
        return (-share, -int(e.by_name), len(e.missing_required), e.layout.name)

    closest = sorted(ranked, key=closeness)[:3]
    shown = "; ".join(f"{e.layout.name}: {e.why_not()}" for e in closest)
    found = ", ".join(normalize_column_name(h) for h in headers) or "(no header)"
    return (
        f"{file_name}: no layout matches its columns ({found}). Closest: {shown}. "
        "Add a layout in the workspace's layouts/ folder (see `revlake layouts`), or run "
        "`revlake layouts explain FILE`."
    )
