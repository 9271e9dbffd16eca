"""Issue 18 and 14: `Incident.version`, bumped by every write, so a grading form sent from a page that is no longer
current is refused and its sender told what changed (no lost update); and the admin's 查重设置 (how many days back
and how similar a title must be for the intake to flag a possible duplicate)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0012_attachment_original_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="version",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="版本"),
        ),
        migrations.CreateModel(
            name="DuplicateCheckSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "window_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="与最近多少天内报送的舆情比对标题、摘要和链接",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(366),
                        ],
                        verbose_name="查重范围（天）",
                    ),
                ),
                (
                    "threshold",
                    models.PositiveSmallIntegerField(
                        default=35,
                        help_text="标题（或标题与摘要）的相似度达到此值即提示可能重复；相同链接总是提示",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(100),
                        ],
                        verbose_name="相似度阈值（%）",
                    ),
                ),
            ],
            options={"verbose_name": "查重设置", "verbose_name_plural": "查重设置"},
        ),
    ]
