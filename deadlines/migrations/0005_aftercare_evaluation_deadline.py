"""总结评估时限 (issue 17; 000 三.3): after 销号 the office watches the topic for the admin-set period
(followup.AftercareSettings) and writes the summary and evaluation by its end. The kind joins the choices; its due
time is the watch's end (explicit), so no policy is seeded: reminders and escalation are the settings' rule, frozen on
the deadline (followup.aftercare)."""

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
    ("leader_instruction", "领导批示落实时限"),
    ("city_assignment", "市级交办反馈时限"),
    ("aftercare_evaluation", "总结评估时限"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0004_city_assignment_deadline"),
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
    ]
