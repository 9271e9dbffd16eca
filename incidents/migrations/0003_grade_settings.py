"""Default grade settings (docs/rules.md §4.2, §4.6): plan #8's thresholds as *suggestions*, and the
close-out approver: office for 一般/较大, a leader for 重大/特别重大. All editable by the admin."""

from django.db import migrations

DEFAULTS = [
    # grade, label, colour, close approver, views, comments, sites, media level
    ("I", "特别重大", "#b71c1c", "leader", 3000, 500, 5, "central"),
    ("II", "重大", "#e65100", "leader", 1000, 100, 1, "provincial"),
    ("III", "较大", "#f9a825", "office", None, None, None, ""),  # the seeds give 较大 no numbers
    ("IV", "一般", "#1e88e5", "office", None, None, None, ""),
]


def forward(apps, schema_editor):
    GradeSetting = apps.get_model("incidents", "GradeSetting")
    for grade, label, colour, approver, views, comments, sites, media in DEFAULTS:
        GradeSetting.objects.get_or_create(
            grade=grade,
            defaults=dict(
                label=label,
                colour=colour,
                close_approver=approver,
                min_views=views,
                min_comments=comments,
                min_sites=sites,
                min_media_level=media,
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_audit_append_only")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
