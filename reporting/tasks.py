from celery import shared_task

from . import daily


@shared_task(name="reporting.tasks.compile_due_daily_reports", ignore_result=True)
def compile_due_daily_reports():
    daily.compile_due_daily_reports()


@shared_task(name="reporting.tasks.compile_periodic_reports", ignore_result=True)
def compile_periodic_reports():
    from . import periodic

    periodic.compile_due_periodic()
