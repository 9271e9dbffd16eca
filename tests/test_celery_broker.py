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
from uuid import uuid4

import pytest
import time_machine
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone
from kombu import Connection

from deadlines.models import DeadlineStep
from deadlines.tasks import run_timed_checks  # noqa: F401 (registers the shared task on every app, the private one too)
from incidents import services
from incidents.models import TicketRole
from yuqing.broker import prune_delivered_messages
from yuqing.celery import app

BASE_DIR = Path(settings.BASE_DIR)


def private_broker_app(tmp_path):
    """The project's Celery configuration with a broker of the test's own (issue 18): the embedded SQLite broker
    moves to a file under tmp_path, and the queue gets a unique name (for Redis, which may be shared), so a worker
    of the app running from the same checkout (var/broker.sqlite3, queue "celery") cannot take the message."""
    private = Celery("yuqing-broker-test", set_as_current=False)
    private.config_from_object("django.conf:settings", namespace="CELERY")
    broker_url = app.conf.broker_url
    if broker_url.startswith("sqla+sqlite:///"):
        broker_url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    private.conf.broker_url = broker_url
    private.conf.task_default_queue = f"broker-test-{uuid4().hex}"
    private.loader.import_default_modules()
    return private


def test_the_round_trip_has_a_broker_of_its_own(tmp_path):
    """Proof for the isolation: the private app neither shares the app's queue nor, embedded, its file; and a
    message it sends waits in its own queue, where a consumer of the shared default queue never looks."""
    private = private_broker_app(tmp_path)
    assert private.conf.task_default_queue not in (app.conf.task_default_queue, "celery")
    if app.conf.broker_url.startswith("sqla+sqlite:///"):
        assert private.conf.broker_url == f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}" != app.conf.broker_url
    private.send_task("deadlines.tasks.run_timed_checks")
    with Connection(private.conf.broker_url, transport_options=private.conf.broker_transport_options) as connection:
        waiting = connection.SimpleQueue(private.conf.task_default_queue)
        message = waiting.get(timeout=5)
        assert message.headers["task"] == "deadlines.tasks.run_timed_checks"
        message.ack()
        waiting.close()


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_while_no_worker_runs_is_run_by_the_next_worker(org, make_incident, tmp_path):
    with time_machine.travel(timezone.now() - timedelta(hours=5), tick=False):
        incident = make_incident(grade="IV")
        services.dispatch_incident(org.duty, incident, assignments=[(org.edu, TicketRole.LEAD)])
    due = DeadlineStep.objects.filter(fire_at__lte=timezone.now()).count()
    assert due > 0
    private = private_broker_app(tmp_path)
    # Queued with no worker running (as while the supervisor restarts a dead one): the message is stored.
    private.send_task("deadlines.tasks.run_timed_checks")
    assert DeadlineStep.objects.filter(state="fired").count() == 0
    with start_worker(private, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        # Wait for the worker's effect (bounded): this is an integration round trip, not a clock test.
        for _ in range(200):
            if DeadlineStep.objects.filter(state="fired").count() >= due:
                break
            time.sleep(0.1)
    assert DeadlineStep.objects.filter(state="fired").count() == due
    assert private.conf.broker_url.split(":")[0] in ("redis", "sqla+sqlite")


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
