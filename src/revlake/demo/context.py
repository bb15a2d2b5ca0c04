"""What one chunk of the generation works with: calendar, reference data, files, RNGs, ids."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from revlake.demo.calendar import Calendar
from revlake.demo.reference import Catalogue, FxTable, Marketing, SalesTeam
from revlake.demo.sink import CsvFile

if TYPE_CHECKING:
    from revlake.demo.accounting import Ledger


@dataclass(slots=True)
class Company:
    """Run-wide state shared by all chunks (small; does not grow with the customer count)."""

    cal: Calendar
    fx: FxTable
    catalogue: Catalogue
    team: SalesTeam
    marketing: Marketing
    files: dict[str, CsvFile]
    ledger: Ledger | None = None  # bank-side events of the customers (demo/accounting.py)


@dataclass(slots=True)
class ChunkContext:
    """Per-chunk random streams and id counters (ids embed the chunk index: unique, stable)."""

    company: Company
    chunk: int
    rng: np.random.Generator
    pr: random.Random
    counters: dict[str, int] = field(default_factory=dict)

    def next_id(self, kind: str) -> int:
        """Next sequence number of `kind` within this chunk (1, 2, ...)."""
        n = self.counters.get(kind, 0) + 1
        self.counters[kind] = n
        return n

    def sf_id(self, prefix: str) -> str:
        """An 18-character Salesforce-style id: key prefix + RL + chunk + sequence."""
        return f"{prefix}RL{self.chunk:04d}{self.next_id(prefix):09d}"

    def stripe_id(self, prefix: str) -> str:
        """A Stripe-style id such as `cus_RL000100000001`."""
        return f"{prefix}_RL{self.chunk:04d}{self.next_id(prefix):08d}"


def rint(pr: random.Random, lo: int, hi: int) -> int:
    """A uniform integer in [lo, hi): much cheaper than `randrange`, same determinism."""
    return lo + int(pr.random() * (hi - lo))


def chunk_streams(seed: int, chunk: int) -> tuple[np.random.Generator, random.Random]:
    """Independent numpy and Python random streams for (seed, chunk)."""
    numpy_seq, python_seq = np.random.SeedSequence([seed, 1, chunk]).spawn(2)
    state = python_seq.generate_state(2, dtype=np.uint64)
    return np.random.default_rng(numpy_seq), random.Random(int(state[0]) << 64 | int(state[1]))


def global_stream(seed: int) -> np.random.Generator:
    """The run-wide numpy stream for reference data (FX, team, campaigns)."""
    return np.random.default_rng(np.random.SeedSequence([seed, 0]))
