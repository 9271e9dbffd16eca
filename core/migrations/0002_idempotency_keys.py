"""Idempotency-Key records of the API (issue 14): one row per user and key, the first answer stored for replay."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="IdempotencyKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=255, verbose_name="幂等键")),
                ("fingerprint", models.CharField(max_length=64, verbose_name="请求摘要")),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="首次请求时间"),
                ),
                ("completed_at", models.DateTimeField(blank=True, null=True, verbose_name="完成时间")),
                ("status_code", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="响应状态码")),
                ("content_type", models.CharField(blank=True, max_length=100, verbose_name="响应类型")),
                ("body", models.JSONField(blank=True, null=True, verbose_name="响应内容")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={"verbose_name": "幂等键", "verbose_name_plural": "幂等键"},
        ),
        migrations.AddConstraint(
            model_name="idempotencykey",
            constraint=models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_once_per_user"),
        ),
    ]
