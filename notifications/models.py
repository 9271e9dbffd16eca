"""Notices: one message to one person on one channel, which is its own delivery record."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One message to one person on one channel; it is its own delivery record."""

    class Channel(models.TextChoices):
        INBOX = "inbox", "站内消息"
        EMAIL = "email", "电子邮件"
        SMS = "sms", "手机短信"

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"
        SKIPPED = "skipped", "无可用地址"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.INBOX)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ticket = models.ForeignKey("incidents.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(
        "deadlines.DeadlineStep", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "monitoring_notification"
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step", "recipient", "channel"], condition=Q(step__isnull=False), name="one_notice_per_step"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"], name="notice_inbox"),
            models.Index(fields=["status"], condition=Q(status="pending"), name="notice_pending"),
        ]

    def __str__(self):
        return self.title
