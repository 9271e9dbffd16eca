"""Admin of the case records: read-only (they change through the services), confidential reads audited."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone

from core import audit
from core.http import client_ip
from core.models import AuditEvent
from deadlines.selectors import county_deadlines
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
from org.models import Unit


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


def object_type_label(object_type):
    """An audit record's object type (a model name) in Chinese: the model's verbose name."""
    for model in apps.get_models():
        if model._meta.model_name == object_type:
            return str(model._meta.verbose_name)
    return object_type


def _reference_names(events):
    """The rows an audit record refers to by id, by name, for the audit administrator (who reads the whole
    trail): units, people, deadlines (its kind and due time)."""
    refs, names = audit.references(events), {}
    if refs.get("unit"):
        names |= {("unit", pk): name for pk, name in Unit.objects.filter(pk__in=refs["unit"]).values_list("pk", "name")}
    if refs.get("user"):
        for person in get_user_model().objects.filter(pk__in=refs["user"]):
            names["user", person.pk] = person.get_full_name() or person.get_username()
    if refs.get("deadline"):
        for deadline in county_deadlines().filter(pk__in=refs["deadline"]):
            due = timezone.localtime(deadline.due_at).strftime("%Y-%m-%d %H:%M")
            names["deadline", deadline.pk] = f"{deadline.get_kind_display()}（{due} 到期）"
    return names


def _any_action_label(action):
    """An action's label whatever object it was recorded on (for the filter, which lists actions only)."""
    for labels in (audit.ACTION_LABELS, *audit.OBJECT_ACTION_LABELS.values()):
        if action in labels:
            return labels[action]
    return action


class ActionFilter(admin.SimpleListFilter):
    title = "操作"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(action, _any_action_label(action)) for action in actions]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class ObjectTypeFilter(admin.SimpleListFilter):
    title = "对象类型"
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        kinds = AuditEvent.objects.order_by("object_type").values_list("object_type", flat=True).distinct()
        return [(kind, object_type_label(kind) or "（无）") for kind in kinds]

    def queryset(self, request, queryset):
        return queryset.filter(object_type=self.value()) if self.value() is not None else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyWorkflowAdmin):
    """The audit trail is read by the audit administrator and nobody else (三员分立, GB/T 22239-2019
    8.1.4.3 d: audit records protected); nobody may change or delete it (the database refuses too)."""

    list_display = ["at", "actor_name", "action_words", "object_words", "change_words", "ip"]
    list_filter = [ActionFilter, ObjectTypeFilter]
    search_fields = ["actor_name", "object_id", "reason"]
    date_hierarchy = "at"
    list_select_related = ["incident"]
    # The record in words (core.audit's labels), not raw codes and JSON (issue 14).
    fields = (
        "at",
        "actor_name",
        "action_words",
        "object_words",
        "incident_words",
        "ticket_words",
        "change_words",
        "reason",
        "ip",
        "raw_change",
    )
    readonly_fields = fields

    @admin.display(description="操作", ordering="action")
    def action_words(self, event):
        return audit.action_label(event)

    @admin.display(description="对象", ordering="object_type")
    def object_words(self, event):
        kind = object_type_label(event.object_type)
        if event.object_type == "incident" and event.incident_id and str(event.incident_id) == event.object_id:
            return f"{kind} {event.incident.number}"  # the number people use (YQ…), not the row id
        return f"{kind} {event.object_id}".strip() if event.object_id else kind or "—"

    @admin.display(description="舆情")
    def incident_words(self, event):
        return _listed(event.incident) if event.incident_id and event.incident else "—"

    @admin.display(description="转办单")
    def ticket_words(self, event):
        ticket = event.ticket if event.ticket_id else None
        return f"{_listed(ticket.incident)} → {ticket.unit.name}" if ticket else "—"

    @admin.display(description="变更内容")
    def change_words(self, event):
        return audit.change_summary(event, _reference_names([event])) or "—"

    @admin.display(description="原始记录（变更前 → 变更后）")
    def raw_change(self, event):
        return f"{event.before or {}} → {event.after or {}}"

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
