"""Each family's name and children, kept on the family (see families.naming), filled in
for the families already in the database."""

from typing import Any

from django.db import migrations, models

BATCH = 2000


def fill(apps: Any, schema_editor: Any) -> None:
    from collections import defaultdict

    from wholefamily.web.families.labels import kids_of, name_of

    family, member = apps.get_model("families", "Family"), apps.get_model("families", "Member")
    pks = list(family.objects.order_by("pk").values_list("pk", flat=True))
    for i in range(0, len(pks), BATCH):
        part = pks[i : i + BATCH]
        people: dict[int, list[Any]] = defaultdict(list)
        for fam, forename, surname, dob, role in member.objects.filter(
            family_id__in=part, current=True
        ).values_list("family_id", "person__forename", "person__surname", "person__dob", "role"):
            people[fam].append((forename, surname, dob, role))
        rows = list(family.objects.filter(pk__in=part).only("pk"))
        for f in rows:
            f.name, f.kids = name_of(people[f.pk]), kids_of(people[f.pk])
        family.objects.bulk_update(rows, ["name", "kids"])


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0004_family_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="family",
            name="name",
            field=models.CharField(blank=True, max_length=120),
        ),
        migrations.AddField(
            model_name="family",
            name="kids",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
