"""The people of each sync's run by district and date of birth: the child population."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("families", "0005_family_name_kids"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChildPopulation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("district", models.CharField(blank=True, max_length=100)),
                ("born_on", models.DateField()),
                ("people", models.PositiveIntegerField()),
                (
                    "run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="population",
                        to="families.syncrun",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["run", "district", "born_on"], name="families_ch_run_id_068588_idx"
                    )
                ],
            },
        ),
    ]
