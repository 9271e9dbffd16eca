"""The beat-triggered task travels through the configured broker (Redis in CI, the filesystem broker
on the embedded default) to a real worker, which runs the timed checks against the database."""

import time
from datetime import timedelta

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from incidents import services
from incidents.models import TicketRole
from monitoring.models import DeadlineStep
from monitoring.tasks import run_timed_checks
from yuqing.celery import app


@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_worker_through_the_broker(org, make_incident):
    with time_machine.travel(timezone.now() - timedelta(hours=5), tick=False):
        incident = make_incident(grade="IV")
        services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    due = DeadlineStep.objects.filter(fire_at__lte=timezone.now()).count()
    assert due > 0
    app.loader.import_default_modules()
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        run_timed_checks.delay()
        # Wait for the worker's effect (bounded): this is an integration round trip, not a clock test.
        for _ in range(200):
            if DeadlineStep.objects.filter(state="fired").count() >= due:
                break
            time.sleep(0.1)
    assert DeadlineStep.objects.filter(state="fired").count() == due
    assert app.conf.broker_url.split(":")[0] in ("redis", "filesystem")
