from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from wholefamily.synth import SynthConfig, generate

AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="session")
def county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small county in CSV, generated once for the session."""
    out = tmp_path_factory.mktemp("county") / "c"
    generate(SynthConfig(people=4000, seed=11, as_of=AS_OF, out=out))
    return out


@pytest.fixture(scope="session")
def big_county(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county large enough for rates and prevalence."""
    out = tmp_path_factory.mktemp("big") / "c"
    generate(SynthConfig(people=30000, seed=5, as_of=AS_OF, out=out))
    return out


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with Django's cache empty: rolled-back rows give their
    keys back on SQLite, so a cached value could outlive its test."""
    from django.core.cache import cache

    cache.clear()
