"""巡查时限 (002 第五条、第六条): a patrol slot of a watching unit is a deadline of no incident, so Deadline.incident
may be empty and the kind choices gain 'patrol'."""

import django.db.models.deletion
from django.db import migrations, models

KINDS = [
    ("claim", "认领时限"),
    ("leader_report", "报告领导时限"),
    ("feedback", "办理反馈时限"),
    ("report", "核实调查报告时限"),
    ("reply", "回应发布时限"),
    ("response", "首次回应/发布会时限"),
    ("extension_window", "延期申请期限"),
    ("instruction", "批示办理时限"),
    ("supervision", "督报办理时限"),
    ("follow_up", "书面说明承诺时限"),
    ("patrol", "巡查时限"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="deadline",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="类型"),
        ),
        migrations.AlterField(
            model_name="deadlinepolicy",
            name="kind",
            field=models.CharField(choices=KINDS, max_length=20, verbose_name="时限类型"),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="incident",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deadlines",
                to="incidents.incident",
            ),
        ),
    ]
