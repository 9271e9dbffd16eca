"""Reads of notices: a person sees their own inbox and nothing else."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from notifications.models import Notification


def inbox(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(recipient=user, channel=Notification.Channel.INBOX)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def unread_count(user: User) -> int:
    return inbox(user, unread_only=True).count()
