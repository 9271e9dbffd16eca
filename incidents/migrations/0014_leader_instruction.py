"""领导批示 on any incident (issue 14): the 批示, its tracked 落实时限 and the 落实情况 the office records (000 三.2)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0013_incident_version_and_duplicate_settings"),
        ("deadlines", "0003_leader_instruction_deadlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LeaderInstruction",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(verbose_name="批示内容")),
                ("given_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="批示时间")),
                ("progress", models.TextField(blank=True, verbose_name="落实情况")),
                ("progress_at", models.DateTimeField(blank=True, null=True, verbose_name="落实情况报告时间")),
                (
                    "deadline",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leader_instruction",
                        to="deadlines.deadline",
                        verbose_name="落实时限",
                    ),
                ),
                (
                    "given_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="批示领导",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leader_instructions",
                        to="incidents.incident",
                        verbose_name="舆情",
                    ),
                ),
                (
                    "progress_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="落实情况报告人",
                    ),
                ),
            ],
            options={
                "verbose_name": "领导批示",
                "verbose_name_plural": "领导批示",
                "ordering": ["-given_at", "-id"],
                "indexes": [
                    models.Index(fields=["incident", "given_at"], name="instruction_incident_given"),
                    models.Index(
                        condition=models.Q(("progress_at__isnull", True)), fields=["given_at"], name="instruction_open"
                    ),
                ],
            },
        ),
    ]
