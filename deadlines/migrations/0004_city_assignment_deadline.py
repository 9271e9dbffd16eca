"""市级交办反馈时限 (issue 17): an item the city hands down is reported back to the city by the city's own time limit
(000 三; 004 二(三)3). The kind joins the choices; its due time is always the city's (an explicit limit), so no policy
is seeded: reminders and escalation come from the rule frozen on the deadline (followup.services)."""

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
]


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0003_leader_instruction_deadlines"),
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
