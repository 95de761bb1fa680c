"""Nothing forged: the audit log and signed claim lines refuse REPLACE, carry hash
chains that `wholefamily audit verify` checks, and on PostgreSQL the app serves as a
role that cannot change them or switch their triggers off."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from test_cli import WF, assert_one_line_error, free_port, sign_in_page, user_env
from webkit import PASSWORD, family, user
from wholefamily.web.accounts.models import Role
from wholefamily.web.audit.chain import GENESIS, digest
from wholefamily.web.audit.models import AppendOnlyError, AuditEntry
from wholefamily.web.audit.verify import verify_audit, verify_lines
from wholefamily.web.claims.models import Claim, Line
from wholefamily.web.claims.services import sign
from wholefamily.web.progress.models import Baseline, Progress

pytestmark = pytest.mark.django_db

AUDIT_COLUMNS = [
    "id", "at", "username", "role", "action", "object_type", "object_id", "page", "detail",
    "seq", "prev_hash", "hash",
]  # fmt: skip
LINE_COLUMNS = [
    "id", "claim_id", "family_id", "framework", "result", "progress_id", "amount", "pack",
    "signed_by_id", "signed_at", "seq", "prev_hash", "hash",
]  # fmt: skip


def entries(n: int) -> list[AuditEntry]:
    return [
        AuditEntry.objects.create(
            username=f"user{i}", action="view", object_type="family", object_id=f"F{i}"
        )
        for i in range(1, n + 1)
    ]


def signed_lines(n: int) -> list[Line]:
    """n families each with a signed line of £800 in one claim."""
    manager = user("morgan", Role.MANAGER)
    claim = Claim.objects.create(period="2025Q1", framework="tf-2015", claim_date=date(2025, 3, 31))
    lines = []
    for i in range(1, n + 1):
        fam = family(f"F{i}")
        b = Baseline.objects.create(
            family=fam, version=1, start=date(2024, 1, 1), framework="tf-2015", drop_id="d",
            needs=fam.needs, counts=[], claimants={}, reason="start", by=manager,
        )  # fmt: skip
        p = Progress.objects.create(
            family=fam, baseline=b, at=date(2025, 3, 31), drop_id="d", route="progress", needs=[]
        )
        line = Line.objects.create(
            claim=claim, family=fam, framework="tf-2015", result="progress", progress=p, amount=800
        )
        sign(line, manager)
        lines.append(Line.objects.get(pk=line.pk))
    return lines


def execute(sql: str, params: list[Any] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params or [])


@contextmanager
def as_owner_without_triggers() -> Iterator[None]:
    """What the tables' owner can do: switch the triggers off (dropping them on SQLite,
    where whoever holds the file is the owner; the test's transaction brings them back)."""
    if connection.vendor == "sqlite":
        for name in (
            "audit_no_update", "audit_no_delete", "audit_no_replace",
            "claim_line_no_update", "claim_line_no_delete", "claim_line_no_replace",
        ):  # fmt: skip
            execute(f"DROP TRIGGER {name}")
        yield
        return
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks: ALTER can run
    for table in ("audit_auditentry", "claims_line"):
        execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    yield
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table in ("audit_auditentry", "claims_line"):
        execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def copy_row(verb: str, table: str, columns: list[str], of: int, **put: str) -> str:
    """`verb INTO table` a copy of row `of` with some columns set to SQL expressions."""
    exprs = ", ".join(put.get(c, c) for c in columns)
    return f"{verb} INTO {table} ({', '.join(columns)}) SELECT {exprs} FROM {table} WHERE id = {of}"


def replace_forms() -> list[tuple[str, str]]:
    """(verb, suffix): SQLite's REPLACE and INSERT OR REPLACE, and an upsert on both."""
    upsert = ("INSERT", " ON CONFLICT (id) DO UPDATE SET {set}")
    if connection.vendor == "sqlite":
        return [("REPLACE", ""), ("INSERT OR REPLACE", ""), upsert]
    return [upsert]


# REPLACE ---------------------------------------------------------------------------------


def test_replace_cannot_rewrite_an_audit_entry() -> None:
    _, second, _ = entries(3)
    for verb, suffix in replace_forms():
        for put in (
            {"detail": "'rewritten'"},  # the same id
            {"id": "id + 1000", "detail": "'rewritten'"},  # a new id, the same position
        ):
            sql = copy_row(verb, "audit_auditentry", AUDIT_COLUMNS, second.pk, **put)
            with pytest.raises(DatabaseError):
                execute(sql + suffix.format(set="detail = 'rewritten'"))
    assert list(AuditEntry.objects.order_by("id").values_list("detail", flat=True)) == [""] * 3
    assert AuditEntry.objects.count() == 3 and verify_audit().misfit is None


def test_replace_cannot_rewrite_a_signed_line() -> None:
    lines = signed_lines(2)
    other = Claim.objects.create(period="2025Q2", framework="tf-2015", claim_date=date(2025, 6, 30))
    target = lines[0]
    for verb, suffix in replace_forms():
        for put in (
            {"amount": "999999"},  # the same id
            # a new id, the same claim, family and result
            {"id": "id + 1000", "amount": "999999", "seq": "NULL", "signed_at": "NULL"},
            # a new id and claim, the same family, framework and result signed
            {"id": "id + 1000", "claim_id": str(other.pk), "amount": "999999", "seq": "NULL"},
            # a new id, claim and result, the same position in the chain
            {"id": "id + 1000", "claim_id": str(other.pk), "result": "'employment'"},
        ):
            sql = copy_row(verb, "claims_line", LINE_COLUMNS, target.pk, **put)
            with pytest.raises(DatabaseError):
                execute(sql + suffix.format(set="amount = 999999"))
    assert list(Line.objects.order_by("id").values_list("amount", flat=True)) == [800, 800]
    assert verify_lines().misfit is None and verify_lines().count == 2


def test_audit_entries_are_never_written_in_bulk() -> None:
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create([AuditEntry(username="x", action="view")])


# The hash chains -----------------------------------------------------------------------


def test_each_audit_entry_hashes_its_content_and_the_one_before() -> None:
    a, b = entries(2)
    assert (a.seq, a.prev_hash, b.seq, b.prev_hash) == (1, GENESIS, 2, a.hash)
    a.refresh_from_db()  # what the database gives back hashes the same
    assert a.hash == digest("audit", 1, GENESIS, a.content())
    assert re.fullmatch(r"[0-9a-f]{64}", b.hash) and b.hash != a.hash
    verdict = verify_audit()
    assert (verdict.count, verdict.head, verdict.misfit) == (2, b.hash, None)


def forged_entry(**put: str) -> str:
    """A row after the head, following it, with a hash the forger made up."""
    put = {"seq": "seq + 1", "prev_hash": "hash", "hash": "'" + "f" * 64 + "'", **put}
    return copy_row(
        "INSERT",
        "audit_auditentry",
        AUDIT_COLUMNS,
        AuditEntry.objects.order_by("-seq").values_list("id", flat=True)[0],
        id="id + 1000",
        username="'mallory'",
        detail="'forged'",
        **put,
    )


@pytest.mark.parametrize(
    ("tamper", "named", "why"),
    [
        ("UPDATE audit_auditentry SET detail = 'nothing to see' WHERE seq = 3", 3, "content"),
        ("UPDATE audit_auditentry SET at = at WHERE seq = 2", None, None),  # no change: still OK
        ("DELETE FROM audit_auditentry WHERE seq = 3", 4, "entry before it is missing"),
        ("DELETE FROM audit_auditentry WHERE seq IN (2, 3)", 4, "position 2 to 3"),
        ("UPDATE audit_auditentry SET prev_hash = hash WHERE seq = 4", 4, "does not follow"),
        (forged_entry, "forged", "content does not match"),
        (lambda: forged_entry(seq="NULL"), "forged", "not in the chain"),
    ],
)
def test_verify_names_the_first_audit_entry_that_does_not_fit(
    tamper: Any, named: int | str | None, why: str | None
) -> None:
    made = entries(5)
    assert verify_audit().misfit is None
    with as_owner_without_triggers():
        execute(tamper() if callable(tamper) else tamper)
    verdict = verify_audit()
    if named is None:
        assert verdict.misfit is None and verdict.count == 5
        return
    assert verdict.misfit is not None and why is not None
    if named == "forged":
        forged = AuditEntry.objects.get(username="mallory")
        assert verdict.misfit.id == forged.pk
        assert "mallory view family" in str(verdict.misfit)
    else:
        assert verdict.misfit.id == made[int(named) - 1].pk
        assert f"user{named} view family F{named}" in str(verdict.misfit)
    assert why in verdict.misfit.why


@pytest.mark.parametrize(
    ("tamper", "named", "why"),
    [
        ("UPDATE claims_line SET amount = 999999 WHERE seq = 2", 2, "content does not match"),
        ("UPDATE claims_line SET signed_at = NULL WHERE seq = 2", 2, "content does not match"),
        ("DELETE FROM claims_line WHERE seq = 2", 3, "entry before it is missing"),
        ("forged", "forged", "content does not match"),
        ("forged unchained", "forged", "not in the chain"),
    ],
)
def test_verify_names_the_first_signed_line_that_does_not_fit(
    tamper: str, named: int | str, why: str
) -> None:
    lines = signed_lines(3)
    assert verify_lines().misfit is None and verify_lines().count == 3
    other = Claim.objects.create(period="2025Q2", framework="tf-2015", claim_date=date(2025, 6, 30))
    if tamper.startswith("forged"):
        seq = "NULL" if tamper == "forged unchained" else "seq + 1"
        tamper = copy_row(
            "INSERT", "claims_line", LINE_COLUMNS, lines[-1].pk,
            id="id + 1000", claim_id=str(other.pk), result="'employment'", seq=seq,
            prev_hash="hash",  # it follows the last line; its own hash is that line's
        )  # fmt: skip
    with as_owner_without_triggers():
        execute(tamper)
    verdict = verify_lines()
    assert verdict.misfit is not None
    if named == "forged":
        forged = Line.objects.get(claim=other)
        assert verdict.misfit.id == forged.pk
        assert "family F3, employment result, £800 in the tf-2015 2025Q2 claim" in str(
            verdict.misfit
        )
    else:
        assert verdict.misfit.id == lines[int(named) - 1].pk
        assert f"family F{named}, progress result" in str(verdict.misfit)
    assert why in verdict.misfit.why


class _Editor:
    """What a migration's RunPython gets as its schema editor, as far as chaining uses."""

    connection = connection

    def execute(self, sql: str) -> None:
        execute(sql)


def test_the_migrations_chain_rows_written_before_them() -> None:
    import importlib

    from django.apps import apps

    audit = importlib.import_module("wholefamily.web.audit.migrations.0003_chain")
    claims = importlib.import_module("wholefamily.web.claims.migrations.0004_signed_line_chain")
    made = entries(4)
    signed_lines(3)
    # As they were before the migrations: no chain at all.
    with as_owner_without_triggers():
        execute("UPDATE audit_auditentry SET seq = NULL, prev_hash = '', hash = ''")
        execute("UPDATE claims_line SET seq = NULL, prev_hash = '', hash = ''")
    assert "not in the chain" in str(verify_audit().misfit)
    execute("SET CONSTRAINTS ALL IMMEDIATE") if connection.vendor == "postgresql" else None
    audit.chain_existing(apps, _Editor())
    claims.chain_existing(apps, _Editor())
    assert verify_audit().count == 4 and verify_audit().misfit is None
    assert verify_lines().count == 3 and verify_lines().misfit is None
    assert [e.pk for e in made] == list(
        AuditEntry.objects.order_by("seq").values_list("id", flat=True)
    )
    # The triggers are back, REPLACE's included.
    with pytest.raises(DatabaseError):
        execute("UPDATE audit_auditentry SET detail = 'x'")
    with pytest.raises(DatabaseError):
        execute("UPDATE claims_line SET amount = 1")


# The command ---------------------------------------------------------------------------


WRITER = """
import sys
from pathlib import Path
from wholefamily.web import configure
configure(Path(sys.argv[1]))
from wholefamily.web.audit.models import AuditEntry
tag, n = sys.argv[2], int(sys.argv[3])
for i in range(n):
    AuditEntry.objects.create(username=tag, action="view", object_type="family", object_id=str(i))
"""


def write_at_once(workspace: Path, env: dict[str, str], writers: int, each: int) -> None:
    """`writers` processes appending `each` audit entries at the same moment."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(workspace), f"w{i}", str(each)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(writers)
    ]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0, out


def test_verify_on_the_command_line_sqlite(tmp_path: Path) -> None:
    """Writers at once on the workspace's SQLite database; then a row changed behind
    the app's back is named, exit status 2."""
    import sqlite3

    env = user_env()
    verify = [*WF, "audit", "verify", "--workspace", str(tmp_path)]
    r = subprocess.run(verify, env=env, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    write_at_once(tmp_path, env, writers=3, each=40)
    r = subprocess.run(verify, env=env, capture_output=True, text=True, check=False)
    assert r.returncode == 0 and "Audit log: OK, 120 entries in the chain" in r.stdout, r.stderr
    assert "Signed claim lines: OK, 0 lines" in r.stdout
    db = sqlite3.connect(tmp_path / "cases.sqlite3")
    with db:
        db.execute("DROP TRIGGER audit_no_update")
        db.execute("UPDATE audit_auditentry SET detail = 'x' WHERE seq = 77")
    (id_,) = db.execute("SELECT id FROM audit_auditentry WHERE seq = 77").fetchone()
    db.close()
    r = subprocess.run(verify, env=env, capture_output=True, text=True, check=False)
    assert_one_line_error(r, f"audit log does not verify at id {id_} (position 77, ")
    assert "its content does not match its hash" in r.stderr and "76 entries before" in r.stderr
    assert "Signed claim lines: OK" in r.stdout


# PostgreSQL: an owner that migrates, an app role that serves ---------------------------


SIGNER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from wholefamily.web import configure
configure(Path(sys.argv[1]))
from test_web_tamper import signed_lines
signed_lines(2)
"""


@pytest.fixture
def two_roles() -> Iterator[dict[str, str]]:
    """A fresh database owned by a role that is not a superuser, and an app role."""
    import psycopg

    if connection.vendor != "postgresql":
        pytest.skip("roles are PostgreSQL's; .ci/run runs this suite on it")
    s = connection.settings_dict
    where = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    base = s["NAME"]
    owner, app, db = f"wf_{base}_owner", f"wf_{base}_app", f"{base}_roles"
    admin = psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], dbname=base
    )
    admin.autocommit = True

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (app, owner):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')

    drop()
    admin.execute(f'CREATE ROLE "{owner}" LOGIN')
    admin.execute(f'CREATE ROLE "{app}" LOGIN')
    admin.execute(f'CREATE DATABASE "{db}" OWNER "{owner}"')
    try:
        yield {
            "app": app,
            "owner_url": f"postgres://{owner}@{where}/{db}",
            "app_url": f"postgres://{app}@{where}/{db}",
        }
    finally:
        drop()
        admin.close()


def sign_in(port: int, username: str) -> int:
    """Sign in through the running server's form; the status after redirects."""
    jar = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    url = f"http://127.0.0.1:{port}/sign-in"
    with jar.open(url) as r:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.read().decode())
    assert token is not None
    form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    with jar.open(url, urllib.parse.urlencode(form).encode()) as r:
        return int(r.status)


def test_the_app_serves_as_a_role_that_cannot_rewrite_history(
    two_roles: dict[str, str], tmp_path: Path
) -> None:
    import psycopg
    from psycopg import errors

    base = {**user_env(), "WHOLEFAMILY_SECRET_KEY": "key-for-this-test-only-0123456789abcdef"}
    as_owner = {**base, "DATABASE_URL": two_roles["owner_url"]}
    as_app = {**base, "DATABASE_URL": two_roles["app_url"]}
    serving = {**as_app, "DATABASE_OWNER_URL": two_roles["owner_url"]}
    ws = ["--workspace", str(tmp_path)]

    def wf(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*WF, *args], env=env, capture_output=True, text=True, check=False)

    # Migrations as the owner; it grants the app role.
    r = wf(as_owner, "web", "grant-app-role", two_roles["app"], *ws)
    assert r.returncode == 0 and f"Granted {two_roles['app']}" in r.stdout, r.stderr
    assert_one_line_error(wf(as_owner, "web", "grant-app-role", "wf_nobody", *ws), "not exist")
    # The app's writes as the app role: audit entries from processes at once, lines signed.
    write_at_once(tmp_path, as_app, writers=4, each=25)
    here = str(Path(__file__).parent)
    r = subprocess.run(
        [sys.executable, "-c", SIGNER, str(tmp_path), here],
        env=as_app, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr

    # What the app role cannot do.
    with psycopg.connect(two_roles["app_url"], autocommit=True) as app:
        for sql in (
            "UPDATE audit_auditentry SET detail = 'x'",
            "DELETE FROM audit_auditentry",
            "TRUNCATE audit_auditentry",
            "UPDATE claims_line SET amount = 999999",
            "DELETE FROM claims_line",
            "TRUNCATE claims_line",
            "SET session_replication_role = replica",
            "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
            "ALTER TABLE claims_line DISABLE TRIGGER USER",
            "DROP TABLE audit_auditentry",
            "DELETE FROM django_migrations",
        ):
            with pytest.raises(errors.InsufficientPrivilege):
                app.execute(sql)
        # Unsigned lines' packs and signing itself are updates it may make; signed lines
        # stay refused by the trigger it cannot switch off.
        with pytest.raises(errors.RaiseException):
            app.execute("UPDATE claims_line SET pack = 'x'")
        assert app.execute("SELECT count(*) FROM audit_auditentry").fetchone() == (100,)

    # Serving: refused as the owner, served as the app role (migrations as the owner).
    assert_one_line_error(
        wf(as_owner, "serve", *ws, "--port", str(free_port())), "owns audit_auditentry"
    )
    port = free_port()
    proc = subprocess.Popen(
        [*WF, "serve", *ws, "--port", str(port)],
        env=serving, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert "csrfmiddlewaretoken" in sign_in_page(port, tries=150)
        assert sign_in(port, "morgan") == 200
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out and "warning" not in out, out

    r = wf(serving, "audit", "verify", *ws)
    assert r.returncode == 0, r.stderr
    assert re.search(r"Audit log: OK, 10\d entries in the chain", r.stdout), r.stdout
    assert "Signed claim lines: OK, 2 lines in the chain" in r.stdout

    # The owner can switch the triggers off; the chain then names what it changed.
    with psycopg.connect(two_roles["owner_url"], autocommit=True) as owner:
        owner.execute("ALTER TABLE claims_line DISABLE TRIGGER USER")
        owner.execute("UPDATE claims_line SET amount = 999999 WHERE seq = 2")
        (line_id,) = owner.execute("SELECT id FROM claims_line WHERE seq = 2").fetchone()
    r = wf(as_app, "audit", "verify", *ws)
    assert_one_line_error(r, f"signed claim lines does not verify at id {line_id} (position 2")
    assert "£999,999" in r.stderr and "Audit log: OK" in r.stdout
