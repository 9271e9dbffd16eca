"""The incident search box (issue 14): each incident's character bigrams in `search_terms`, filled for the rows
that exist, and on PostgreSQL a GIN index over `string_to_array(search_terms, ' ')` so "contains all these
bigrams" is answered from the index at a million rows (incidents/search.py). SQLite gets the column only: there
the search is a scan, as everything is at the embedded sizes."""

from django.db import migrations, models

from incidents.search import INDEX_NAME, terms_from

CHUNK = 2000


def backfill(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    rows = Incident.objects.using(schema_editor.connection.alias).select_related("subject_unit").order_by("pk")
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last).prefetch_related("links", "tickets__unit")[:CHUNK])
        if not chunk:
            return
        for incident in chunk:
            subject = incident.subject_unit.name if incident.subject_unit else ""
            units = {t.unit.name for t in incident.tickets.all()}
            urls = [link.url for link in incident.links.all()]
            incident.search_terms = terms_from(incident.title, incident.summary, subject, *sorted(units), *urls)
        Incident.objects.using(schema_editor.connection.alias).bulk_update(chunk, ["search_terms"])
        last = chunk[-1].pk


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX_NAME} ON incidents_incident "
            "USING gin (string_to_array(search_terms, ' '))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0010_move_out_unit"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="search_terms",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="检索词"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
