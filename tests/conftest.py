from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def triggers_off() -> Iterator[None]:
    """The database's own triggers (the audit log's append-only ones) do not fire."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET session_replication_role = replica")
            try:
                yield
            finally:
                cur.execute("SET session_replication_role = DEFAULT")
            return
        cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        triggers = cur.fetchall()
        for name, _ in triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        try:
            yield
        finally:
            for _, sql in triggers:
                cur.execute(sql)


@pytest.fixture(scope="module")
def flush_past_triggers() -> Iterator[None]:
    """For tests that commit (`django_db(transaction=True)`): Django empties the test
    database after each, and here the flush, and only the flush, runs past the audit
    log's and signed lines' append-only triggers (which refuse DELETE and TRUNCATE).
    Then what the migrations wrote (the default assessment areas) is put back, for
    whatever test runs next in this process: with several workers (`pytest -n`), a
    committing test can come before any other."""
    from django.apps import apps
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown

    def teardown(self: TransactionTestCase) -> None:
        with triggers_off():
            original(self)
        importlib.import_module("wholefamily.web.casework.migrations.0002_default_areas").forwards(
            apps, None
        )

    TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]
    yield
    TransactionTestCase._fixture_teardown = original  # type: ignore[method-assign]
