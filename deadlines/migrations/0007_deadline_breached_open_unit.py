# The tickets lists' 只看逾期 filter as a hashed set of a unit's open breaches (issue 16, bench/RESULTS-filters.md).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0006_deadline_open_kind_due"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="deadline",
            index=models.Index(
                condition=models.Q(("met_at__isnull", True), ("state", "breached")),
                fields=["unit", "ticket"],
                name="deadline_breached_open_unit",
            ),
        ),
    ]
