"""Writes people make to their own notices."""

from django.utils import timezone

from notifications.models import Notification


def mark_read(user, notification_ids):
    """Reading one's own inbox is not audited: it changes nothing but the reader's own view."""
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.INBOX, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
