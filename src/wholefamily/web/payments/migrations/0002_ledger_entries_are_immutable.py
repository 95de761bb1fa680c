"""Database triggers: a ledger entry can be neither changed nor deleted (a correction
is a reversing entry)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

MESSAGE = "a ledger entry is never changed or deleted: record a reversing entry"
SQLITE = [
    "CREATE TRIGGER ledger_entry_no_update BEFORE UPDATE ON payments_ledgerentry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER ledger_entry_no_delete BEFORE DELETE ON payments_ledgerentry "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION ledger_entry_immutable() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER ledger_entry_no_change BEFORE UPDATE OR DELETE ON payments_ledgerentry "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entry_immutable()",
]


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
