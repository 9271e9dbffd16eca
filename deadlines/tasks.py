"""Celery tasks: thin, they call the engine. Beat triggers them (yuqing/settings.py)."""

from celery import shared_task

from deadlines import sweep
from notifications import notify


@shared_task(name="deadlines.tasks.run_timed_checks", ignore_result=True)
def run_timed_checks():
    # A failing step is isolated inside the sweep; should the sweep itself fail (e.g. the database is
    # away), the notices already queued are still sent.
    try:
        sweep.run_timed_checks()
    finally:
        notify.deliver()
