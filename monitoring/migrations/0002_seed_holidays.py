from django.db import migrations


def forward(apps, schema_editor):
    from workcalendar.holidays import sync_from_package

    sync_from_package(apps.get_model("monitoring", "CalendarDay"), apps.get_model("monitoring", "CalendarYear"))
    WorkSettings = apps.get_model("monitoring", "WorkSettings")
    if not WorkSettings.objects.exists():
        WorkSettings.objects.create()


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
