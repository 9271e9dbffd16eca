"""Celery tasks: thin, they call review.services. Beat triggers them (yuqing/settings.py)."""

from celery import shared_task

from review import services


@shared_task(name="review.tasks.draw_due_spot_checks", ignore_result=True)
def draw_due_spot_checks():
    services.draw_due_spot_checks()
