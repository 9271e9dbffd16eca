"""Admin of the case records: read-only (they change through the services), confidential reads audited."""

from django.contrib import admin

from core import audit
from core.http import client_ip
from core.models import AuditEvent
from incidents.clearance import SENSITIVE_ONE
from incidents.models import (
    Attachment,
    DuplicateCheckSettings,
    Feedback,
    GradeSetting,
    Incident,
    ReplyDraft,
    SourceLink,
    Ticket,
)
from org.access import access_for
from org.admin import AuditedAdmin, ReadOnlyWorkflowAdmin, staff


@admin.register(GradeSetting)
class GradeSettingAdmin(AuditedAdmin):
    list_display = [
        "grade",
        "label",
        "colour",
        "close_approver",
        "reply_approver",
        "min_views",
        "min_comments",
        "min_sites",
    ]


@admin.register(DuplicateCheckSettings)
class DuplicateCheckSettingsAdmin(AuditedAdmin):
    """查重设置 (issue 14): one row, read by incidents.desk.possible_duplicates."""

    list_display = ["__str__", "window_days", "threshold"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not DuplicateCheckSettings.objects.exists()


class SourceLinkInline(admin.TabularInline):
    model = SourceLink
    extra = 0


class ConfidentialReadAudited:
    """Opening a record of a confidential incident in the admin leaves the same `confidential_read` audit event
    as opening it in the app or the API (selectors.record_confidential_read; issue 11 §1, GB/T 22239-2019
    8.1.4.3 安全审计): the admin is no side door. `incident_of` says which incident a record belongs to."""

    def incident_of(self, obj):
        return obj.incident

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id) if response.status_code == 200 else None
        incident = self.incident_of(obj) if obj is not None else None
        if incident is not None and incident.is_confidential:
            audit.record(request.user, "confidential_read", incident, ip=client_ip(request), incident=incident)
        return response


def _listed(incident):
    """A list shows many incidents at once and is not audited per row: a confidential one is listed by its number
    only; opening it shows it, audited."""
    return f"{incident.number} {SENSITIVE_ONE}" if incident.is_confidential else str(incident)


@admin.register(Incident)
class IncidentAdmin(ConfidentialReadAudited, ReadOnlyWorkflowAdmin):
    list_display = ["listed_title", "grade", "status", "subject_unit", "reported_at"]
    list_filter = ["status", "grade", "category", "is_confidential"]
    search_fields = ["title", "summary", "external_id"]
    date_hierarchy = "reported_at"
    inlines = [SourceLinkInline]

    def incident_of(self, obj):
        return obj

    @admin.display(description="标题")
    def listed_title(self, incident):
        return SENSITIVE_ONE if incident.is_confidential else incident.title


@admin.register(Ticket)
class TicketAdmin(ConfidentialReadAudited, ReadOnlyWorkflowAdmin):
    list_display = ["listed_incident", "unit", "role", "status", "dispatched_at", "claimed_at"]
    list_filter = ["status", "role", "unit"]
    list_select_related = ["incident", "unit"]

    @admin.display(description="舆情")
    def listed_incident(self, ticket):
        return _listed(ticket.incident)


@admin.register(Feedback)
class FeedbackAdmin(ConfidentialReadAudited, ReadOnlyWorkflowAdmin):
    list_display = ["listed_ticket", "kind", "submitted_by", "submitted_at"]
    list_select_related = ["ticket__incident", "ticket__unit", "submitted_by"]

    def incident_of(self, obj):
        return obj.ticket.incident

    @admin.display(description="转办单")
    def listed_ticket(self, feedback):
        return f"{_listed(feedback.ticket.incident)} → {feedback.ticket.unit.name}"


@admin.register(Attachment)
class AttachmentAdmin(ConfidentialReadAudited, ReadOnlyWorkflowAdmin):
    list_display = ["listed_incident", "file", "uploaded_by", "uploaded_at"]
    list_select_related = ["incident", "uploaded_by"]

    @admin.display(description="舆情")
    def listed_incident(self, attachment):
        return _listed(attachment.incident)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyWorkflowAdmin):
    """The audit trail is read by the audit administrator and nobody else (三员分立, GB/T 22239-2019
    8.1.4.3 d: audit records protected); nobody may change or delete it (the database refuses too)."""

    list_display = ["at", "actor_name", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "reason"]
    date_hierarchy = "at"

    def _auditor(self, request):
        return staff(request) and access_for(request.user).is_auditor

    def has_module_permission(self, request):
        return self._auditor(request)

    def has_view_permission(self, request, obj=None):
        return self._auditor(request)


@admin.register(ReplyDraft)
class ReplyDraftAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "ticket", "kind", "state", "drafted_by", "drafted_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["incident", "ticket__unit", "ticket__incident", "drafted_by", "decided_by"]
