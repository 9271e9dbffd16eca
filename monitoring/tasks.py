"""Celery tasks: thin, they call the monitoring code. Beat triggers them (yuqing/settings.py)."""

from celery import shared_task

from monitoring import planning


@shared_task(name="monitoring.tasks.plan_patrol_slots", ignore_result=True)
def plan_patrol_slots():
    planning.plan_patrol_slots()
