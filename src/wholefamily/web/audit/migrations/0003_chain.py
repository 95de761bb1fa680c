"""The audit log becomes a hash chain, and SQLite's REPLACE is refused.

Existing entries are chained in the order they were written (by id). On SQLite
REPLACE deletes the row it conflicts with without firing delete triggers, so a
BEFORE INSERT trigger refuses an entry whose id or position is already taken;
the triggers are created afresh here (adding columns can rebuild the table).
"""

from __future__ import annotations

from typing import Any

import django.utils.timezone
from django.db import migrations, models

from wholefamily.web.audit.chain import GENESIS, digest

REFUSE = "SELECT RAISE(ABORT, 'the audit log is append-only')"
SQLITE = [
    "DROP TRIGGER IF EXISTS audit_no_update",
    "DROP TRIGGER IF EXISTS audit_no_delete",
    "DROP TRIGGER IF EXISTS audit_no_replace",
    f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditentry BEGIN {REFUSE}; END",
    f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditentry BEGIN {REFUSE}; END",
    "CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit_auditentry "
    "WHEN EXISTS (SELECT 1 FROM audit_auditentry WHERE id = NEW.id OR seq = NEW.seq) "
    f"BEGIN {REFUSE}; END",
]
CONTENT = ("at", "username", "role", "action", "object_type", "object_id", "page", "detail")


def chain_existing(apps: Any, schema_editor: Any) -> None:
    conn = schema_editor.connection
    entry = apps.get_model("audit", "AuditEntry")
    rows = entry.objects.using(conn.alias).order_by("id").values_list("id", *CONTENT)
    updates, prev = [], GENESIS
    for seq, (id_, *values) in enumerate(rows.iterator(chunk_size=5000), start=1):
        h = digest("audit", seq, prev, dict(zip(CONTENT, values, strict=True)))
        updates.append((seq, prev, h, id_))
        prev = h
    if conn.vendor == "sqlite":
        for sql in SQLITE[:3]:
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql" and updates:
        schema_editor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_no_change")
    if updates:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
                updates,
            )
    if conn.vendor == "sqlite":
        for sql in SQLITE[3:]:
            schema_editor.execute(sql)
    elif conn.vendor == "postgresql" and updates:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_no_change")


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]
    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="seq",
            field=models.BigIntegerField(
                editable=False, help_text="In the chain.", null=True, unique=True
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, default=""),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
