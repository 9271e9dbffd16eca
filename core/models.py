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
