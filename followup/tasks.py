"""Celery tasks: thin, they call followup.aftercare. Beat triggers them (yuqing/settings.py)."""

from celery import shared_task

from followup import aftercare


@shared_task(name="followup.tasks.run_aftercare", ignore_result=True)
def run_aftercare():
    """后期处置 (000 三.3): start the watches of newly closed incidents and prompt what the watches found."""
    aftercare.run_aftercare()
