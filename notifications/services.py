"""Writes people make to their own notices."""

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.utils import timezone

from notifications.models import Notification


def mark_read(user: User, notification_ids: Iterable[int]) -> int:
    """Reading one's own inbox is not audited: it changes nothing but the reader's own view."""
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.INBOX, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
