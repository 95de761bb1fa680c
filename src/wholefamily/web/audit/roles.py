"""Two PostgreSQL roles: an owner that migrates, an app role that serves.

The triggers that keep the audit log append-only and signed claim lines immutable
hold against whoever cannot switch them off; on PostgreSQL that is any role that is
not a superuser and does not own the tables (`ALTER TABLE ... DISABLE TRIGGER` and
`SET session_replication_role` need one or the other). So the app serves as a role
that owns nothing (DATABASE_URL), and migrations run as the owner
(DATABASE_OWNER_URL, the same database), which then grants the app role what it
needs and no more:

- every table: SELECT, INSERT, UPDATE, DELETE, except
- `audit_auditentry`: SELECT and INSERT only;
- `claims_line`: SELECT, INSERT, and UPDATE of the columns signing writes (pack,
  signer, time, chain); no DELETE; the triggers still refuse any change to a signed line;
- `payments_ledgerentry`: SELECT and INSERT only (its triggers refuse any change too);
- `django_migrations`: SELECT only;
- no TRUNCATE, no REFERENCES, no TRIGGER anywhere; the sequences' USAGE.

`serving_risks()` says why the connected role could rewrite history; `wholefamily
serve` refuses to serve when it can (unless told --allow-owner).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection

ROLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
PROTECTED = ("audit_auditentry", "claims_line", "payments_ledgerentry")
SIGNING_COLUMNS = ("pack", "signed_by_id", "signed_at", "seq", "prev_hash", "hash")
SAME_DATABASE = ("NAME", "HOST", "PORT")


class RoleError(Exception):
    pass


@contextmanager
def as_owner() -> Iterator[None]:
    """The default connection as DATABASE_OWNER_URL's role while inside (when set)."""
    owner: dict[str, Any] | None = settings.DATABASE_OWNER
    if not owner:
        yield
        return
    conn = connection.settings_dict
    if connection.vendor != "postgresql" or not owner["ENGINE"].endswith("postgresql"):
        raise RoleError("DATABASE_OWNER_URL is for PostgreSQL; DATABASE_URL must be PostgreSQL too")
    for key in SAME_DATABASE:
        if str(owner.get(key) or "") != str(conn.get(key) or ""):
            raise RoleError(
                f"DATABASE_OWNER_URL names another database than DATABASE_URL ({key.lower()} "
                f"{owner.get(key) or '-'} against {conn.get(key) or '-'})"
            )
    keys = ("USER", "PASSWORD", "OPTIONS")
    saved = {k: conn.get(k) for k in keys}
    connection.close()
    conn.update({k: owner.get(k) or ({} if k == "OPTIONS" else "") for k in keys})
    try:
        yield
    finally:
        connection.close()
        conn.update(saved)


def migrate() -> None:
    """Bring the tables up to date as the owner; then grant DATABASE_URL's role its
    privileges on them, new tables included (when the two roles differ)."""
    app_role = connection.settings_dict.get("USER") or ""
    with as_owner():
        call_command("migrate", verbosity=0, interactive=False)
        if settings.DATABASE_OWNER and app_role != connection.settings_dict.get("USER"):
            grant_app_role(app_role)


def _q(name: str) -> str:
    if not ROLE_NAME.fullmatch(name):
        raise RoleError(f"{name!r} is not a role name this command takes (letters, digits, _)")
    return f'"{name}"'


def grant_app_role(role: str) -> None:
    """Grant `role` what the app needs to serve, as the connected (owner) role."""
    if connection.vendor != "postgresql":
        raise RoleError("app roles are for PostgreSQL: this case database is SQLite")
    r = _q(role)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT rolsuper, pg_has_role(oid, current_user, 'MEMBER') FROM pg_roles "
            "WHERE rolname = %s",
            [role],
        )
        found = cur.fetchone()
        if found is None:
            raise RoleError(
                f"role {role} does not exist: create it first, as a role that may "
                f"(CREATE ROLE {role} LOGIN PASSWORD '...')"
            )
        if found[0]:
            raise RoleError(f"role {role} is a superuser: an app role must not be")
        if found[1]:
            raise RoleError(
                f"role {role} is a member of the tables' owner: an app role must not be"
            )
        cur.execute("SELECT current_database(), current_schema()")
        db, schema = cur.fetchone()
        d, s = f'"{db}"', f'"{schema}"'
        for sql in (
            f"GRANT CONNECT ON DATABASE {d} TO {r}",
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}",
            f"REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {r}",
            f"REVOKE UPDATE, DELETE ON audit_auditentry FROM {r}",
            f"REVOKE UPDATE, DELETE ON claims_line FROM {r}",
            f"REVOKE UPDATE, DELETE ON payments_ledgerentry FROM {r}",
            f"GRANT UPDATE ({', '.join(SIGNING_COLUMNS)}) ON claims_line TO {r}",
        ):
            cur.execute(sql)


def serving_risks() -> list[str]:
    """Why the connected role could rewrite the audit log or a signed line (PostgreSQL);
    empty when it cannot."""
    if connection.vendor != "postgresql":
        return []
    risks: list[str] = []
    with connection.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
        user, superuser = cur.fetchone()
        if superuser:
            return [f"{user} is a superuser"]
        cur.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relname = ANY(%s) "
            "AND pg_has_role(current_user, relowner, 'USAGE') ORDER BY relname",
            [list(PROTECTED)],
        )
        if owned := [name for (name,) in cur.fetchall()]:
            return [f"{user} owns {' and '.join(owned)}"]
        checks = [
            ("audit_auditentry", "UPDATE"),
            ("audit_auditentry", "DELETE"),
            ("audit_auditentry", "TRUNCATE"),
            ("claims_line", "DELETE"),
            ("claims_line", "TRUNCATE"),
            ("payments_ledgerentry", "UPDATE"),
            ("payments_ledgerentry", "DELETE"),
        ]
        for table, privilege in checks:
            cur.execute("SELECT has_table_privilege(%s, %s)", [table, privilege])
            if cur.fetchone()[0]:
                risks.append(f"{user} may {privilege} {table}")
        cur.execute("SELECT has_column_privilege('claims_line', 'amount', 'UPDATE')")
        if cur.fetchone()[0]:
            risks.append(f"{user} may UPDATE claims_line.amount")
    return risks
