"""The 重大 leader-report policy's 依据 cited an internal document; admins and users read it on the 时限规则 page
and on each deadline, so it now cites the seed clauses it comes from. Deadlines keep a snapshot of the source
(Deadline.rule): those carrying the old text get the new one too."""

from django.db import migrations

OLD = "domain.md §3.4 推荐值：重大 1 小时（001 #4 + 002 第八条）"
NEW = "001 #4 第十三条（一级半小时电话快报）与 002 第八条（2小时内报送）之间取 1 小时：产品默认值"


def forward(apps, schema_editor):
    apps.get_model("monitoring", "DeadlinePolicy").objects.filter(source=OLD).update(source=NEW)
    Deadline = apps.get_model("monitoring", "Deadline")
    for deadline in Deadline.objects.filter(kind="leader_report", rule__source=OLD).only("pk", "rule").iterator():
        deadline.rule["source"] = NEW
        Deadline.objects.filter(pk=deadline.pk).update(rule=deadline.rule)


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0008_step_failures_and_follow_up")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
