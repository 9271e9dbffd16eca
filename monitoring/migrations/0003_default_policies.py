"""Default deadline policies, seeded from the rules in docs/rules.md §3. Every value is editable by the
admin; where the seeds give no number the policy says it is a product default."""

from django.db import migrations

POLICIES = [
    # name, kind, grade, case type, scope, start, duration, reminders, escalate, channels, active, source
    ("认领时限（默认）", "claim", "", "", "ticket", "dispatch", "2h", "30m", "2h", "inbox,sms", True,
     "产品默认值：种子文件未规定认领时限（002 第六条仅要求“及时认领”，逾期由办公室指定认领）"),
    ("认领时限（特别重大）", "claim", "I", "", "ticket", "dispatch", "1h", "30m", "1h", "inbox,sms", True,
     "产品默认值：特别重大缩短认领时限"),
    ("报告领导（一般）", "leader_report", "IV", "", "incident", "grading", "2h", "", "", "inbox", True,
     "002 第八条：2小时内报送单位主要领导和分管领导"),
    ("报告领导（较大）", "leader_report", "III", "", "incident", "grading", "2h", "", "", "inbox", True,
     "002 第八条：2小时内报送"),
    ("报告领导（重大）", "leader_report", "II", "", "incident", "grading", "1h", "30m", "1h", "inbox,sms", True,
     "001 #4 第十三条（一级半小时电话快报）与 002 第八条（2小时内报送）之间取 1 小时：产品默认值"),
    ("快报（特别重大）", "leader_report", "I", "", "incident", "grading", "30m", "10m", "30m", "inbox,sms", True,
     "001 #4 第十三条：半小时内电话快报"),
    ("办理反馈时限", "feedback", "", "", "ticket", "dispatch", "3d", "1wd,2h", "1wd", "inbox,sms", True,
     "000 三.2：没有明确时间要求的，原则上在3天内（转办时指定时限优先）"),
    ("核实调查报告", "report", "", "", "lead_ticket", "claim", "5wd", "1wd,2h", "1wd", "inbox,sms", True,
     "002 第八条：认领后5个工作日内形成核实调查报告"),
    ("核实调查报告（历史遗留问题）", "report", "", "historical", "lead_ticket", "claim", "15wd", "2wd,1wd", "1wd",
     "inbox,sms", True, "002 第八条：历史遗留问题原则上15个工作日"),
    ("回应发布（一般）", "reply", "", "", "incident", "report", "3wd", "1wd", "1wd", "inbox", True,
     "002 第九条：形成核实调查报告后3个工作日内回复"),
    ("回应发布（重大/特别重大，会商审定）", "reply", "II", "", "incident", "report", "5wd", "1wd", "1wd", "inbox", True,
     "002 第九条：关注度高的5个工作日（以重大及以上视为关注度高，可调整）"),
    ("回应发布（特别重大，会商审定）", "reply", "I", "", "incident", "report", "5wd", "1wd", "1wd", "inbox", True,
     "002 第九条：关注度高的5个工作日"),
    ("新闻发布会（特别重大）", "response", "I", "", "incident", "discovery", "24h", "6h", "", "inbox,sms", False,
     "003 三(五)：特别重大突发事件最迟24小时内召开新闻发布会（县级配置时启用）"),
    ("首次回应（其他）", "response", "", "", "incident", "discovery", "48h", "6h", "", "inbox", False,
     "003 三(五)：其他政务舆情48小时内回应（县级配置时启用）"),
    ("延期申请期限", "extension_window", "", "", "ticket", "claim", "3wd", "", "", "inbox", True,
     "002 第八条：需要延长办理时限的，应在3个工作日内提出书面申请"),
]  # fmt: skip


def forward(apps, schema_editor):
    DeadlinePolicy = apps.get_model("monitoring", "DeadlinePolicy")
    if DeadlinePolicy.objects.exists():
        return
    for name, kind, grade, case, scope, start, duration, reminders, escalate, channels, active, source in POLICIES:
        DeadlinePolicy.objects.create(
            name=name, kind=kind, grade=grade, case_type=case, scope=scope, start_event=start, duration=duration,
            reminder_leads=reminders, escalate_after=escalate, channels=channels, is_active=active, source=source,
        )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_seed_holidays")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
