"""Attachments keep the name they were uploaded under (issue 14: 附件 showed as progress_8ThhdnH.txt). Existing rows
get it from the stored name, without the 7-character suffix Django's storage adds when a name is taken
(get_available_name: "_" + 7 letters or digits before the extension); a name that really ended that way loses
it, which is only a shown name, the file is untouched."""

import re

from django.db import migrations, models

_STORAGE_SUFFIX = re.compile(r"_[A-Za-z0-9]{7}(?=\.[^./]+$)")


def backfill(apps, schema_editor):
    Attachment = apps.get_model("incidents", "Attachment")
    for attachment in Attachment.objects.filter(original_name="").only("pk", "file").iterator():
        stored = attachment.file.name.rsplit("/", 1)[-1]
        attachment.original_name = _STORAGE_SUFFIX.sub("", stored, count=1)[:255]
        attachment.save(update_fields=["original_name"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_incident_search_terms")]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="original_name",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="原文件名"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
