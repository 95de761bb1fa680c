"""A workspace with a linked drop for the linkage review tests: a small county (3,000
people, the one tests/test_linkage.py reviews), loaded and linked once a session, then
copied for each test so that decisions made by one test are not seen by the next.

Linked with the model as it was before the review band was cut (issue 19: no parent
contact's surname level, no relatives' comparison), so that the queue is long enough
to page through and filter (79 pairs, against under 10 with today's model)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from wholefamily.ingest import load_drop
from wholefamily.linkage import link
from wholefamily.synth import SynthConfig, generate

AS_OF = date(2025, 3, 31)


@pytest.fixture(scope="session")
def linked_drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from wholefamily.linkage import model as M

    root = tmp_path_factory.mktemp("review-linked")
    generate(SynthConfig(people=3000, seed=4, as_of=AS_OF, out=root / "c"))
    load_drop(root / "c" / "drop", root / "ws", "d1")
    features = M.FEATURES
    M.FEATURES = frozenset()
    try:
        link(root / "ws", "d1", AS_OF)
    finally:
        M.FEATURES = features
    return root / "ws"


def copy_workspace(linked: Path, dest: Path) -> Path:
    """The warehouse, the drop's manifest and the saved model, copied to `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(linked / "warehouse.duckdb", dest / "warehouse.duckdb")
    for folder in ("models", "drops"):
        shutil.copytree(linked / folder, dest / folder)
    return dest
