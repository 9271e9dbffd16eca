"""Celery tasks: thin, they call the engine. Beat triggers them (yuqing/settings.py)."""

from celery import shared_task

from . import notifications, sweep


@shared_task(name="monitoring.tasks.run_timed_checks", ignore_result=True)
def run_timed_checks():
    # A failing step is isolated inside the sweep; should the sweep itself fail (e.g. the database is
    # away), the notices already queued are still sent.
    try:
        sweep.run_timed_checks()
    finally:
        notifications.deliver()


@shared_task(name="monitoring.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications():
    notifications.deliver()
