"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

The browser is the one the system package installs (/usr/bin/chromium, or the path in
WHOLEFAMILY_CHROMIUM), never one Playwright downloads. When it or axe-core
(node_modules/axe-core, from `npm ci`) is missing the tests skip with the reason, so
`make test` passes on a machine without them; with WHOLEFAMILY_REQUIRE_BROWSER=1 (set
by .ci/run) they fail instead.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("WHOLEFAMILY_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE = os.environ.get("WHOLEFAMILY_REQUIRE_BROWSER", "") == "1"
PASSWORD = "correct-horse-battery-staple"

# What axe-core must not find: the two worst of its four impact levels.
BLOCKING = ("serious", "critical")


def _missing() -> str:
    """Why the browser tests cannot run here, or "" when they can."""
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    if not AXE.is_file():
        return f"{AXE} is missing (npm ci)"
    return ""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for a test module.

    While it runs, Playwright's sync API keeps an asyncio event loop running in this
    thread, and Django's ORM, called by the tests to make users, refuses to run beside
    one unless DJANGO_ALLOW_ASYNC_UNSAFE says it is safe (it is: the loop only drives
    the browser). Both end with the module, so that the tests after it run as before
    (the variable would also fail `manage.py check --deploy` in a subprocess)."""
    if reason := _missing():
        if REQUIRE:
            pytest.fail(f"WHOLEFAMILY_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as env:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


def _migration(app: str, name: str) -> Any:
    return importlib.import_module(f"wholefamily.web.{app}.migrations.{name}")


def _drop_audit_triggers() -> None:
    """Lets the database be emptied: its triggers refuse to delete from the audit log
    and the payments ledger."""
    from django.db import connection

    if connection.vendor == "postgresql":
        drop = [
            f"DROP TRIGGER IF EXISTS {t} ON audit_auditentry"
            for t in ("audit_no_change", "audit_no_truncate")
        ] + ["DROP TRIGGER IF EXISTS ledger_entry_no_change ON payments_ledgerentry"]
    else:
        drop = [
            f"DROP TRIGGER IF EXISTS {t}"
            for t in (
                "audit_no_update", "audit_no_delete", "ledger_entry_no_update",
                "ledger_entry_no_delete",
            )
        ]  # fmt: skip
    with connection.cursor() as cursor:
        for sql in drop:
            cursor.execute(sql)


def _as_migrated(blocker: Any) -> None:
    """Puts back what the migrations made that emptying the database took away: the
    audit log's and the ledger's triggers and the default assessment areas."""
    from django.apps import apps
    from django.db import connection

    with blocker.unblock():
        _drop_audit_triggers()
        with connection.schema_editor() as editor:
            _migration("audit", "0002_append_only").forwards(apps, editor)
            _migration("payments", "0002_ledger_entries_are_immutable").forwards(apps, editor)
            _migration("casework", "0002_default_areas").forwards(apps, editor)


EMPTIED = pytest.StashKey[Any]()


@pytest.fixture
def site(
    request: pytest.FixtureRequest, browser: Any, live_server: Any, django_db_blocker: Any
) -> Iterator[str]:
    """The live server's address. The data a test makes is committed (the server answers
    from other connections), so pytest-django empties every table after the test
    (transactional_db, which live_server brings); the audit log's append-only triggers
    are dropped first to let it, and put back after by pytest_runtest_teardown."""
    request.node.stash[EMPTIED] = django_db_blocker
    yield live_server.url
    _drop_audit_triggers()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After every fixture of a test using `site` is torn down, the database emptied
    included: the state the migrations left, for the tests that come after (after the
    last test the test database itself is gone)."""
    try:
        return (yield)
    finally:
        if nextitem is not None and (blocker := item.stash.get(EMPTIED, None)) is not None:
            _as_migrated(blocker)


@pytest.fixture
def users(site: str) -> dict[str, Any]:
    """One user per role, all with PASSWORD: the manager and a key worker in one team,
    another key worker in a second team."""
    from wholefamily.web.accounts.models import Role, Team
    from wholefamily.web.demo import make_user

    north = Team.objects.create(name="Northtown family support", district="Northtown")
    south = Team.objects.create(name="Southtown family support", district="Southtown")
    made = [
        ("partner", Role.PARTNER, None, "Pat", "Singh"),
        ("analyst", Role.ANALYST, None, "Alex", "Rahman"),
        ("manager", Role.MANAGER, north, "Morgan", "Hale"),
        ("keyworker", Role.KEY_WORKER, north, "Kim", "Walker"),
        ("keyworker2", Role.KEY_WORKER, south, "Sam", "Okafor"),
    ]
    return {
        username: make_user(username, role, team, first, last, password=PASSWORD)[0]
        for username, role, team, first, last in made
    }


@pytest.fixture
def accessible() -> Callable[[Any], None]:
    """accessible(page) asserts that axe-core finds nothing serious or critical on it."""
    return assert_accessible


@pytest.fixture
def sign_in(browser: Any, site: str, users: dict[str, Any]) -> Iterator[Callable[[str], Any]]:
    """sign_in(username) -> a page signed in as that user (one of `users`), in a browser
    context of its own (its own cookies). The context bypasses the app's CSP
    (script-src 'self') so that axe-core can be injected."""
    contexts: list[Any] = []

    def open_as(username: str) -> Any:
        context = browser.new_context(bypass_csp=True, base_url=site)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/sign-in")
        if len(contexts) == 1:  # the same page every time: checked once a test
            assert_accessible(page)
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{site}/")
        return page

    yield open_as
    for context in contexts:
        context.close()


def settled(page: Any) -> None:
    """Waits until the page's fonts have arrived and the scripts that follow the layout
    (app.js marks the table boxes that scroll) have run: the page as a reader sees it."""
    page.evaluate(
        "() => document.fonts.ready.then(() => new Promise("
        "r => requestAnimationFrame(() => requestAnimationFrame(r))))"
    )


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (settled)."""
    settled(page)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await window.axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    """No serious or critical axe-core violation on the page."""
    found = axe_violations(page)
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"
