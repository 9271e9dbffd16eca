from celery import shared_task

from reporting import daily, periodic, versions


@shared_task(name="reporting.tasks.compile_due_daily_reports", ignore_result=True)
def compile_due_daily_reports():
    daily.compile_due_daily_reports()


@shared_task(name="reporting.tasks.compile_periodic_reports", ignore_result=True)
def compile_periodic_reports():

    periodic.compile_due_periodic()


@shared_task(name="reporting.tasks.remove_orphan_report_files", ignore_result=True)
def remove_orphan_report_files():
    # A document written by a transaction that then rolled back or was killed (issue 11 §5).
    versions.remove_orphan_files()
