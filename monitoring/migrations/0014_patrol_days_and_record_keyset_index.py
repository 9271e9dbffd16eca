"""Issue 15, flat at a million patrol records: the daily patrol figures (PatrolDay, PatrolDayPerson), filled from
the slots and records already there; a unit's records are listed newest first on (unit, patrolled_at, id)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from monitoring import patrol_days


def fill(apps, schema_editor):
    patrol_days.rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0013_keywords_candidates_intake_emergency"),
        ("org", "0001_initial"),
        ("deadlines", "0005_aftercare_evaluation_deadline"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PatrolDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="日期")),
                ("slots", models.PositiveIntegerField(default=0, verbose_name="巡查时段")),
                ("on_time", models.PositiveIntegerField(default=0, verbose_name="按时")),
                ("late", models.PositiveIntegerField(default=0, verbose_name="补巡")),
                ("last_due_at", models.DateTimeField(blank=True, null=True, verbose_name="最晚截止")),
                ("records", models.PositiveIntegerField(default=0, verbose_name="巡查记录")),
            ],
            options={
                "verbose_name": "巡查日统计",
                "verbose_name_plural": "巡查日统计",
            },
        ),
        migrations.CreateModel(
            name="PatrolDayPerson",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="日期")),
                ("on_time", models.PositiveIntegerField(default=0, verbose_name="按时")),
                ("late", models.PositiveIntegerField(default=0, verbose_name="补巡")),
                ("records", models.PositiveIntegerField(default=0, verbose_name="巡查记录")),
            ],
            options={
                "verbose_name": "巡查日统计（人员）",
                "verbose_name_plural": "巡查日统计（人员）",
            },
        ),
        migrations.RemoveIndex(
            model_name="patrolrecord",
            name="patrolrecord_unit_at",
        ),
        migrations.AddIndex(
            model_name="patrolrecord",
            index=models.Index(fields=["unit", "patrolled_at", "id"], name="patrolrecord_unit_at_id"),
        ),
        migrations.AddField(
            model_name="patrolday",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit", verbose_name="监测单位"
            ),
        ),
        migrations.AddField(
            model_name="patroldayperson",
            name="officer",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="巡查人",
            ),
        ),
        migrations.AddField(
            model_name="patroldayperson",
            name="unit",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="org.unit", verbose_name="监测单位"
            ),
        ),
        migrations.AddConstraint(
            model_name="patrolday",
            constraint=models.UniqueConstraint(fields=("day", "unit"), name="one_patrol_day_per_unit"),
        ),
        migrations.AddConstraint(
            model_name="patroldayperson",
            constraint=models.UniqueConstraint(
                fields=("day", "unit", "officer"), name="one_patrol_day_per_unit_officer"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
