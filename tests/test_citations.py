"""What users read cites the seed clause behind a rule, never an internal document (issue 12; the brief)."""

import importlib
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from deadlines.models import Deadline, DeadlinePolicy

BASE = Path(settings.BASE_DIR)


def test_no_policy_shown_to_admins_cites_an_internal_document(db):
    assert DeadlinePolicy.objects.exists()
    assert not [p.name for p in DeadlinePolicy.objects.all() if "domain.md" in p.source]


def test_no_template_cites_an_internal_document():
    assert not [str(p.relative_to(BASE)) for p in (BASE / "templates").rglob("*.html") if "domain.md" in p.read_text()]


def test_the_upgrade_rewrites_the_old_source_on_policies_and_deadline_snapshots(db, make_incident):
    migration = importlib.import_module("monitoring.migrations.0009_policy_source_cites_seeds")
    policy = DeadlinePolicy.objects.get(kind="leader_report", grade="II")
    DeadlinePolicy.objects.filter(pk=policy.pk).update(source=migration.OLD)
    incident = make_incident(grade="II")
    deadline = Deadline.objects.get(incident=incident, kind="leader_report")
    assert deadline.rule["source"] == migration.OLD
    # The migration runs against the models as they stood then (monitoring's, before issue 12 moved them).
    state = MigrationLoader(connection).project_state(("monitoring", "0009_policy_source_cites_seeds"))
    migration.forward(state.apps, None)
    policy.refresh_from_db()
    deadline.refresh_from_db()
    assert policy.source == migration.NEW and deadline.rule["source"] == migration.NEW
