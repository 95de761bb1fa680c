"""The assessment areas a council starts with (it can change them in the admin data)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

AREAS = [
    "Education and school attendance",
    "Crime and anti-social behaviour",
    "Children's safety and wellbeing",
    "Family relationships",
    "Physical and mental health",
    "Work, money and housing",
    "Domestic abuse",
    "Parenting",
]


def forwards(apps: Any, schema_editor: Any) -> None:
    area = apps.get_model("casework", "AssessmentArea")
    for i, name in enumerate(AREAS):
        area.objects.get_or_create(name=name, defaults={"order": i})


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
