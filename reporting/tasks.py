from celery import shared_task


@shared_task(name="reporting.tasks.compile_periodic_reports", ignore_result=True)
def compile_periodic_reports():
    from . import periodic

    periodic.compile_due_periodic()
