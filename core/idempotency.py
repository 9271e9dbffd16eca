"""`Idempotency-Key` on the API's POSTs (issue 14): a caller that retries a create or an action after a lost answer
sends the same key, and gets the first answer again instead of a second incident, ticket or report.

- same key, same user, same request (method, operation path and body) → the stored first answer, replayed with
  `Idempotent-Replayed: true`; nothing runs again;
- same key with another request → 422 (`idempotency_key_reused`);
- same key while the first request still runs → 409 (`idempotency_in_progress`): the row is created before the
  work starts and the unique (user, key) constraint lets only one request create it;
- an answer of 500 or an unhandled error is not stored (the row is removed), so the retry runs;
- a key older than IDEMPOTENCY_KEY_TTL (default 24 h) is forgotten, and purged by `purge_expired`.
"""

import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as HTTP header values are safely


class Replay(Exception):  # noqa: N818  # not an error: the stored answer, raised to skip the view
    def __init__(self, record):
        super().__init__(record.key)
        self.record = record


class KeyInvalid(Exception):  # noqa: N818
    pass


class KeyReused(Exception):  # noqa: N818
    pass


class InProgress(Exception):  # noqa: N818
    pass


def ttl():
    return timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def _canonical(data):
    """The request body as a stable structure: JSON as parsed, form fields as lists, uploads by content hash."""
    if hasattr(data, "lists"):  # a QueryDict (form or multipart)
        out = {}
        for name, values in data.lists():
            out[name] = [_canonical(value) for value in values]
        return out
    if hasattr(data, "read") and hasattr(data, "name"):  # an uploaded file
        digest = hashlib.sha256()
        for chunk in data.chunks():
            digest.update(chunk)
        data.seek(0)
        return {"file": data.name, "size": data.size, "sha256": digest.hexdigest()}
    return data


def fingerprint(method, path, data):
    text = json.dumps([method, path, _canonical(data)], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def begin(user, key, request_fingerprint):
    """Claim `key` for this request: returns the new (in-progress) row, or raises Replay, KeyReused or InProgress."""
    if not KEY_PATTERN.match(key):
        raise KeyInvalid(key)
    IdempotencyKey.objects.filter(user=user, key=key, created_at__lt=timezone.now() - ttl()).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=request_fingerprint)
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is None:  # the other request failed and released the key just now: the caller may retry
        raise InProgress(key)
    if existing.fingerprint != request_fingerprint:
        raise KeyReused(key)
    if existing.completed_at is None:
        raise InProgress(key)
    raise Replay(existing)


def complete(record, status_code, content_type, body):
    IdempotencyKey.objects.filter(pk=record.pk).update(
        completed_at=timezone.now(), status_code=status_code, content_type=content_type, body=body
    )


def release(record):
    """The request failed on the server's side: forget the key so that a retry runs."""
    IdempotencyKey.objects.filter(pk=record.pk).delete()


def purge_expired(now=None):
    """Remove keys older than the TTL; returns how many. Run by beat (core.tasks)."""
    cutoff = (now or timezone.now()) - ttl()
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
