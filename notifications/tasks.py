"""Celery tasks of notices: thin, they call notifications.notify."""

from celery import shared_task

from notifications import notify


@shared_task(name="notifications.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications():
    notify.deliver()
