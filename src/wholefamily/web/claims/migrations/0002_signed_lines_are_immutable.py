"""Database triggers: a signed claim line can be neither changed nor deleted."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE = [
    "CREATE TRIGGER claim_line_no_update BEFORE UPDATE ON claims_line "
    "WHEN OLD.signed_at IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a signed claim line is immutable'); END",
    "CREATE TRIGGER claim_line_no_delete BEFORE DELETE ON claims_line "
    "WHEN OLD.signed_at IS NOT NULL "
    "BEGIN SELECT RAISE(ABORT, 'a signed claim line is immutable'); END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION claim_line_immutable() RETURNS trigger AS $$ "
    "BEGIN IF OLD.signed_at IS NOT NULL THEN "
    "RAISE EXCEPTION 'a signed claim line is immutable'; END IF; "
    "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER claim_line_no_change BEFORE UPDATE OR DELETE ON claims_line "
    "FOR EACH ROW EXECUTE FUNCTION claim_line_immutable()",
]


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
