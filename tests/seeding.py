"""What the data migrations seed (grade settings and their approvers, the holiday calendar, the default deadline
policies), applied again after a transactional test's flush has emptied it, so the tests that follow see the
database as `migrate` left it. Idempotent: each step only fills what is missing or still on its old default."""

import importlib

from django.apps import apps

SEED_STEPS = [
    ("incidents.migrations.0003_grade_settings", "forward"),
    ("incidents.migrations.0006_reply_drafts", "office_approves_high_attention_replies"),
    ("incidents.migrations.0007_close_authority_and_promises", "county_closes_major"),
    ("monitoring.migrations.0002_seed_holidays", "forward"),
    ("monitoring.migrations.0003_default_policies", "forward"),
]


def seed_like_migrate():
    for module, function in SEED_STEPS:
        getattr(importlib.import_module(module), function)(apps, None)
