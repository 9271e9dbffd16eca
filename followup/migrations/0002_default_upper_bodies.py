"""The upper bodies the seeds name (000 三: 市委办公厅、市委网宣办; 004 二(三)3: 市委网信办), as the administrator's list
starts; the administrator renames, adds or retires them in the admin."""

from django.db import migrations

BODIES = ["市委办公厅", "市委网宣办", "市委网信办"]


def seed(apps, schema_editor):
    UpperBody = apps.get_model("followup", "UpperBody")
    for i, name in enumerate(BODIES):
        UpperBody.objects.get_or_create(name=name, defaults={"ordering": i})


class Migration(migrations.Migration):
    dependencies = [("followup", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
