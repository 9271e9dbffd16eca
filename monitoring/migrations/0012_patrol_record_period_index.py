"""The compliance page counts patrol records of a county-wide period: an index on patrolled_at (issue 15)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0011_sites_roster_patrols"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="patrolrecord",
            index=models.Index(fields=["patrolled_at"], name="patrolrecord_at"),
        ),
    ]
