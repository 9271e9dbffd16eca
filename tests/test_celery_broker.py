"""The beat-triggered task travels through the configured broker (Redis in CI, a SQLite file through kombu's
SQLAlchemy transport on the embedded default) to a real worker, which runs the timed checks against the
database. A task queued while no worker runs waits in the broker: a restarted worker picks it up. Delivered
messages, which the SQLAlchemy transport keeps, are pruned."""

import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone
from kombu import Connection

from deadlines.models import DeadlineStep
from deadlines.tasks import run_timed_checks
from incidents import services
from incidents.models import TicketRole
from yuqing.broker import prune_delivered_messages
from yuqing.celery import app

BASE_DIR = Path(settings.BASE_DIR)


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_while_no_worker_runs_is_run_by_the_next_worker(org, make_incident):
    with time_machine.travel(timezone.now() - timedelta(hours=5), tick=False):
        incident = make_incident(grade="IV")
        services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    due = DeadlineStep.objects.filter(fire_at__lte=timezone.now()).count()
    assert due > 0
    app.loader.import_default_modules()
    # Queued with no worker running (as while the supervisor restarts a dead one): the message is stored.
    run_timed_checks.delay()
    assert DeadlineStep.objects.filter(state="fired").count() == 0
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # Wait for the worker's effect (bounded): this is an integration round trip, not a clock test.
        for _ in range(200):
            if DeadlineStep.objects.filter(state="fired").count() >= due:
                break
            time.sleep(0.1)
    assert DeadlineStep.objects.filter(state="fired").count() == due
    assert app.conf.broker_url.split(":")[0] in ("redis", "sqla+sqlite")


def _settings_in_a_fresh_process(tmp_path, **env):
    environment = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    environment.update(YUQING_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="yuqing.settings", **env)
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL); print(settings.CELERY_RESULT_BACKEND)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.split("\n")[:2]


def test_the_embedded_default_broker_is_a_sqlite_file_in_var(tmp_path):
    broker_url, result_backend = _settings_in_a_fresh_process(tmp_path)
    assert broker_url == f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    assert result_backend == "None"
    with sqlite3.connect(tmp_path / "broker.sqlite3") as broker_db:
        assert broker_db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not (tmp_path / "broker").exists()  # the old filesystem broker's folders are gone


def test_the_broker_url_from_the_environment_wins(tmp_path):
    broker_url, _ = _settings_in_a_fresh_process(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/2")
    assert broker_url == "redis://127.0.0.1:6379/2"
    assert not (tmp_path / "broker.sqlite3").exists()


def test_delivered_messages_are_pruned_from_the_embedded_broker_and_waiting_ones_kept(tmp_path):
    broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(broker_url) as connection:
        queue = connection.SimpleQueue("pruning")
        for n in range(3):
            queue.put({"n": n})
        for _ in range(2):
            queue.get(timeout=1).ack()
        assert prune_delivered_messages(broker_url) == 2
        assert queue.get(timeout=1).payload == {"n": 2}  # the one still waiting survives
        queue.close()
    assert prune_delivered_messages("redis://127.0.0.1:6379/2") == 0  # not a SQL broker: untouched
    assert prune_delivered_messages(f"sqla+sqlite:///{tmp_path / 'never-used.sqlite3'}") == 0
