"""Reads of notices: a person sees their own inbox and nothing else."""

from notifications.models import Notification


def inbox(user, *, unread_only=False):
    qs = Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user):
    return inbox(user, unread_only=True).count()
