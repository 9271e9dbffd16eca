"""The append-only audit trail (docs/rules.md §9.2): every write's record, kept by the database itself."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Append-only. The database refuses UPDATE and DELETE on this table (see the trigger migration);
    foreign keys carry no constraint so that history outlives whatever it describes."""

    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150)
    action = models.CharField("操作", max_length=50)
    incident = models.ForeignKey(
        "incidents.Incident", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="audit_events"
    )
    ticket = models.ForeignKey(
        "incidents.Ticket", null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="audit_events"
    )
    object_type = models.CharField("对象类型", max_length=50)
    object_id = models.CharField("对象编号", max_length=50)
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)
    reason = models.TextField("理由", blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        db_table = "incidents_auditevent"
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["incident", "at"], name="audit_incident_at"),
            models.Index(fields=["ticket", "at"], name="audit_ticket_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` an API caller sent with a POST, and the first answer to it (core/idempotency.py): the
    same key from the same user with the same request gets that answer again and nothing is done twice. The
    unique constraint is what makes two concurrent requests with one key safe: only one row can be created, the
    other request is answered 409 while the first runs. Rows older than IDEMPOTENCY_KEY_TTL are purged."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField("幂等键", max_length=255)
    fingerprint = models.CharField("请求摘要", max_length=64)
    created_at = models.DateTimeField("首次请求时间", default=timezone.now, db_index=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    status_code = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    content_type = models.CharField("响应类型", max_length=100, blank=True)
    body = models.JSONField("响应内容", null=True, blank=True)

    class Meta:
        verbose_name = "幂等键"
        verbose_name_plural = "幂等键"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self):
        return self.key
