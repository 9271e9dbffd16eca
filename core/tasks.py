"""Periodic housekeeping of core: expired Idempotency-Key records (core/idempotency.py)."""

from celery import shared_task

from core import idempotency


@shared_task(name="core.tasks.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys():
    return idempotency.purge_expired()
