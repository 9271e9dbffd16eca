"""后期处置 (000 三.3): the admin's settings row (seeded: 7 calendar days, applying from now, so incidents closed
before the upgrade get no watch and no instant overdue), the watch, its prompts and the 总结评估; and the upward 专报's
own 发文字号 (year, sequence, number), given to the reports already recorded in the order they were sent."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import followup.models


def seed_settings_and_number_reports(apps, schema_editor):
    # The watch applies from the upgrade on: incidents closed before it get no watch and no instant overdue.
    apps.get_model("followup", "AftercareSettings").objects.get_or_create(
        pk=1, defaults={"applies_from": django.utils.timezone.now()}
    )
    report_settings = apps.get_model("reporting", "ReportSettings").objects.filter(pk=1).first()
    prefix = (report_settings.number_prefix_special if report_settings else "县网舆报").strip()
    upward = apps.get_model("followup", "UpwardReport")
    sequences: dict[int, int] = {}
    for report in upward.objects.order_by("reported_at", "id"):
        year = django.utils.timezone.localtime(report.reported_at).year
        sequences[year] = sequences.get(year, 0) + 1
        report.year, report.sequence = year, sequences[year]
        report.doc_number = f"{prefix}〔{year}〕{sequences[year]}号"
        report.save(update_fields=["year", "sequence", "doc_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0005_aftercare_evaluation_deadline"),
        ("followup", "0002_default_upper_bodies"),
        ("incidents", "0014_leader_instruction"),
        ("reporting", "0004_document_numbering"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AftercareEvaluation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("trend", models.TextField(verbose_name="关注期舆情走势")),
                ("worked", models.TextField(verbose_name="成功经验")),
                ("went_wrong", models.TextField(verbose_name="暴露的问题")),
                ("to_change", models.TextField(verbose_name="改进措施（修改完善工作方案）")),
                ("document", models.BinaryField(verbose_name="总结评估报告（.docx）")),
                ("written_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="完成时间")),
            ],
            options={
                "verbose_name": "总结评估",
                "verbose_name_plural": "总结评估",
                "ordering": ["-written_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="AftercareEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("link", "新增链接"), ("relapse", "舆情反复"), ("similar", "新报送的相似舆情")],
                        max_length=20,
                        verbose_name="类型",
                    ),
                ),
                ("key", models.CharField(max_length=60, verbose_name="事件标识")),
                ("occurred_at", models.DateTimeField(verbose_name="发生时间")),
                ("detail", models.CharField(max_length=300, verbose_name="内容")),
                ("prompted_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="提示时间")),
            ],
            options={
                "verbose_name": "持续关注提示",
                "verbose_name_plural": "持续关注提示",
                "ordering": ["occurred_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="AftercareSettings",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "watch_period",
                    models.CharField(
                        default="7d",
                        help_text="销号后持续关注的时长，如 7d（自然日）、5wd（工作日）；000 三.3 未规定期限，7 个自然日为产品默认值。总结评估于关注期届满时到期。",
                        max_length=20,
                        validators=[followup.models._valid_duration],
                        verbose_name="持续关注期",
                    ),
                ),
                (
                    "reminder_leads",
                    models.CharField(
                        blank=True,
                        default="1wd",
                        help_text="逗号分隔，如 1wd,2h；产品默认值（来源未规定）。",
                        max_length=100,
                        validators=[followup.models._valid_duration_list],
                        verbose_name="总结评估到期前提醒",
                    ),
                ),
                (
                    "escalate_after",
                    models.CharField(
                        blank=True,
                        default="1wd",
                        help_text="总结评估逾期后再过多久仍未完成即报告办公室领导，如 1wd；留空不升级；产品默认值（来源未规定）。",
                        max_length=20,
                        validators=[followup.models._valid_duration],
                        verbose_name="逾期后报告办公室领导",
                    ),
                ),
                (
                    "channels",
                    models.CharField(
                        default="inbox",
                        help_text="关注期内新链接、舆情反复的提示及总结评估督办的渠道：inbox,email,sms 的组合（站内信总会发送）。",
                        max_length=50,
                        verbose_name="提示渠道",
                    ),
                ),
                (
                    "applies_from",
                    models.DateTimeField(
                        blank=True,
                        null=True,
                        help_text="此时间以后销号的舆情进入持续关注；启用前已销号的舆情不补建关注期，以免一次产生大量逾期。"
                        "留空：所有已销号的舆情。",
                        verbose_name="适用起点",
                    ),
                ),
            ],
            options={
                "verbose_name": "后期处置设置",
                "verbose_name_plural": "后期处置设置",
            },
        ),
        migrations.CreateModel(
            name="AftercareWatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("started_at", models.DateTimeField(verbose_name="关注起始（销号时间）")),
                ("ends_at", models.DateTimeField(verbose_name="关注期届满")),
                ("period", models.CharField(max_length=20, verbose_name="关注期")),
                ("baseline_link_id", models.BigIntegerField(default=0, verbose_name="销号时最后链接编号")),
                ("scanned_at", models.DateTimeField(blank=True, null=True, verbose_name="最近检查时间")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="关注结束检查时间")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "持续关注",
                "verbose_name_plural": "持续关注",
                "ordering": ["-started_at", "-id"],
            },
        ),
        migrations.AddField(
            model_name="upwardreport",
            name="doc_number",
            field=models.CharField(blank=True, max_length=50, verbose_name="发文字号"),
        ),
        migrations.AddField(
            model_name="upwardreport",
            name="sequence",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="年度序号"),
        ),
        migrations.AddField(
            model_name="upwardreport",
            name="year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="年度"),
        ),
        migrations.AddConstraint(
            model_name="upwardreport",
            constraint=models.UniqueConstraint(fields=("year", "sequence"), name="upward_report_number_once"),
        ),
        migrations.AddField(
            model_name="aftercareevaluation",
            name="incident",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="aftercare_evaluation",
                to="incidents.incident",
            ),
        ),
        migrations.AddField(
            model_name="aftercareevaluation",
            name="written_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="aftercareevent",
            name="related",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="incidents.incident",
                verbose_name="相关舆情",
            ),
        ),
        migrations.AddField(
            model_name="aftercarewatch",
            name="deadline",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="deadlines.deadline",
                verbose_name="总结评估时限",
            ),
        ),
        migrations.AddField(
            model_name="aftercarewatch",
            name="incident",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="aftercare_watch", to="incidents.incident"
            ),
        ),
        migrations.AddField(
            model_name="aftercarewatch",
            name="started_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="aftercareevent",
            name="watch",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="events", to="followup.aftercarewatch"
            ),
        ),
        migrations.AddField(
            model_name="aftercareevaluation",
            name="watch",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="evaluation", to="followup.aftercarewatch"
            ),
        ),
        migrations.AddIndex(
            model_name="aftercarewatch",
            index=models.Index(fields=["finished_at"], name="aftercare_watch_unfinished"),
        ),
        migrations.AddConstraint(
            model_name="aftercareevent",
            constraint=models.UniqueConstraint(fields=("watch", "key"), name="aftercare_event_once"),
        ),
        migrations.RunPython(seed_settings_and_number_reports, migrations.RunPython.noop),
    ]
