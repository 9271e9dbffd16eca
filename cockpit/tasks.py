from celery import shared_task

from cockpit import aggregates


@shared_task(name="cockpit.tasks.refresh_figures", ignore_result=True)
def refresh_figures():
    # State-based (cockpit/aggregates.py): what is missing or stale is computed, once; a missed beat catches up.
    aggregates.refresh_due()
