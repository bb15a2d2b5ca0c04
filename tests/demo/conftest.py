"""A small generated company shared by the generator tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from revlake.demo import GenerateConfig, generate_company

SMALL_CUSTOMERS = 400
SMALL_SEED = 7


@pytest.fixture(scope="session")
def small_company(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """(folder, manifest) of a 400-customer company over the default five years."""
    out = tmp_path_factory.mktemp("company")
    manifest = generate_company(GenerateConfig(customers=SMALL_CUSTOMERS, seed=SMALL_SEED, out=out))
    return out, manifest
