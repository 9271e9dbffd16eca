"""领导批示落实时限 (issue 14): a county leader's 批示 on any incident is tracked by the engine. The kind and its start
event join the choices, and the default time limit ships as a policy the admin edits on 时限规则: "没有明确时间要求的，
原则上在3天内落实到位" (000 三.2), three calendar days from the 批示, reminded a day and two hours before, escalated to
the office's leaders a day after a breach, told on the inbox and by SMS like every limit a leader sets."""

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
]
START_EVENTS = [
    ("discovery", "发现舆情"),
    ("grading", "研判定级"),
    ("dispatch", "转办"),
    ("claim", "认领"),
    ("report", "形成核实调查报告"),
    ("instruction", "领导批示"),
]
POLICY = {
    "name": "领导批示落实时限（默认）",
    "kind": "leader_instruction",
    "grade": "",
    "case_type": "",
    "scope": "incident",
    "start_event": "instruction",
    "duration": "3d",
    "reminder_leads": "1d,2h",
    "escalate_after": "1d",
    "channels": "inbox,sms",
    "is_active": True,
    "source": "000 三.2：领导批示没有明确时间要求的，原则上在3天内落实到位",
}


def seed_policy(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    if not DeadlinePolicy.objects.filter(kind=POLICY["kind"]).exists():
        DeadlinePolicy.objects.create(**POLICY)


def drop_policy(apps, schema_editor):
    DeadlinePolicy = apps.get_model("deadlines", "DeadlinePolicy")
    DeadlinePolicy.objects.filter(kind=POLICY["kind"], name=POLICY["name"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_patrol_deadlines_without_incident"),
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
            model_name="deadlinepolicy",
            name="start_event",
            field=models.CharField(choices=START_EVENTS, max_length=20, verbose_name="起算事件"),
        ),
        migrations.RunPython(seed_policy, drop_policy),
    ]
