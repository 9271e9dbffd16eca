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
    ("deadlines.migrations.0003_leader_instruction_deadlines", "seed_policy"),
]


# The monitoring migrations name the models by the app they were in then; issue 12 moved them (tables unchanged).
MOVED_FROM_MONITORING = {
    "calendarday": "workcalendar",
    "calendaryear": "workcalendar",
    "worksettings": "workcalendar",
    "deadlinepolicy": "deadlines",
    "deadline": "deadlines",
    "deadlinestep": "deadlines",
    "extensionrequest": "deadlines",
    "notification": "notifications",
}


class _TodaysModels:
    """The `apps` a data migration is given, answering with today's models wherever they now live."""

    def get_model(self, app_label, model_name):
        if app_label == "monitoring":
            app_label = MOVED_FROM_MONITORING[model_name.lower()]
        return apps.get_model(app_label, model_name)


def seed_like_migrate():
    for module, function in SEED_STEPS:
        getattr(importlib.import_module(module), function)(_TodaysModels(), None)
