from celery import shared_task

from . import notifications, sweep


@shared_task(name="monitoring.tasks.run_timed_checks", ignore_result=True)
def run_timed_checks():
    sweep.run_timed_checks()
    notifications.deliver()


@shared_task(name="monitoring.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications():
    notifications.deliver()
