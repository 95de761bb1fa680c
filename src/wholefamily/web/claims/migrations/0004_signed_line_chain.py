"""Signed claim lines become a hash chain; SQLite's REPLACE and PostgreSQL's TRUNCATE
of signed lines are refused.

Existing signed lines are chained in the order they were signed. On SQLite REPLACE
deletes the rows it conflicts with without firing delete triggers, so a BEFORE INSERT
trigger refuses a line that would displace a signed one through any of the table's
unique keys (the id; claim, family and result; family, framework and result among
signed lines; the position in the chain). The triggers are created afresh here
(adding columns can rebuild the table).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

from wholefamily.web.audit.chain import GENESIS, digest

REFUSE = "SELECT RAISE(ABORT, 'a signed claim line is immutable')"
SQLITE = [
    "DROP TRIGGER IF EXISTS claim_line_no_update",
    "DROP TRIGGER IF EXISTS claim_line_no_delete",
    "DROP TRIGGER IF EXISTS claim_line_no_replace",
    "CREATE TRIGGER claim_line_no_update BEFORE UPDATE ON claims_line "
    f"WHEN OLD.signed_at IS NOT NULL BEGIN {REFUSE}; END",
    "CREATE TRIGGER claim_line_no_delete BEFORE DELETE ON claims_line "
    f"WHEN OLD.signed_at IS NOT NULL BEGIN {REFUSE}; END",
    "CREATE TRIGGER claim_line_no_replace BEFORE INSERT ON claims_line "
    "WHEN EXISTS (SELECT 1 FROM claims_line AS x WHERE x.signed_at IS NOT NULL AND ("
    "x.id = NEW.id"
    " OR (x.claim_id = NEW.claim_id AND x.family_id = NEW.family_id AND x.result = NEW.result)"
    " OR (NEW.signed_at IS NOT NULL AND x.family_id = NEW.family_id"
    " AND x.framework = NEW.framework AND x.result = NEW.result)"
    " OR x.seq = NEW.seq)) "
    f"BEGIN {REFUSE}; END",
]
POSTGRES = [
    "CREATE OR REPLACE FUNCTION claim_line_no_truncate() RETURNS trigger AS $$ "
    "BEGIN IF EXISTS (SELECT 1 FROM claims_line WHERE signed_at IS NOT NULL) THEN "
    "RAISE EXCEPTION 'a signed claim line is immutable'; END IF; RETURN NULL; END; "
    "$$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS claim_line_no_truncate ON claims_line",
    "CREATE TRIGGER claim_line_no_truncate BEFORE TRUNCATE ON claims_line "
    "FOR EACH STATEMENT EXECUTE FUNCTION claim_line_no_truncate()",
]
CONTENT = (
    "claim_id",
    "family_id",
    "framework",
    "result",
    "progress_id",
    "amount",
    "pack",
    "signed_by_id",
    "signed_at",
)


def chain_existing(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    line = apps.get_model("claims", "Line")
    rows = (
        line.objects.using(conn.alias)
        .filter(signed_at__isnull=False)
        .order_by("signed_at", "id")
        .values_list("id", *CONTENT)
    )
    updates, prev = [], GENESIS
    for seq, (id_, *values) in enumerate(rows.iterator(chunk_size=5000), start=1):
        h = digest("claim_line", seq, prev, dict(zip(CONTENT, values, strict=True)))
        updates.append((seq, prev, h, id_))
        prev = h
    if conn.vendor == "sqlite":
        for sql in SQLITE[:3]:
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql" and updates:
        schema_editor.execute("ALTER TABLE claims_line DISABLE TRIGGER claim_line_no_change")
    if updates:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE claims_line SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                updates,
            )
    if conn.vendor == "sqlite":
        for sql in SQLITE[3:]:
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql":
        if updates:
            schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            schema_editor.execute("ALTER TABLE claims_line ENABLE TRIGGER claim_line_no_change")
        for sql in POSTGRES:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("claims", "0003_funding")]
    operations = [
        migrations.AddField(
            model_name="line",
            name="seq",
            field=models.BigIntegerField(
                editable=False, help_text="In the chain of signed lines.", null=True, unique=True
            ),
        ),
        migrations.AddField(
            model_name="line",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="line",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
