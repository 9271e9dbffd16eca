from django.contrib import admin
from django.db import transaction
from django.forms.models import model_to_dict

from . import audit
from .http import client_ip
from .models import (
    Attachment,
    AuditEvent,
    Feedback,
    GradeSetting,
    Incident,
    Membership,
    ReplyDraft,
    SourceLink,
    Ticket,
    Unit,
)


class AuditedAdmin(admin.ModelAdmin):
    """Setting changes made in the admin land on the audit trail like any other change."""

    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else {}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = model_to_dict(obj)
            changed = {k: v for k, v in after.items() if before.get(k) != v}
            audit.record(
                request.user, "setting_change", obj, before={k: before.get(k) for k in changed}, after=changed,
                ip=client_ip(request),
            )  # fmt: skip

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, "setting_delete", obj, before=model_to_dict(obj), ip=client_ip(request))
            super().delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "code", "kind", "parent", "is_office", "is_active"]
    list_filter = ["kind", "is_active", "is_office"]
    search_fields = ["name", "code"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "unit", "role", "title", "phone", "is_active"]
    list_filter = ["role", "is_active", "unit"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    autocomplete_fields = ["user", "unit"]


@admin.register(GradeSetting)
class GradeSettingAdmin(AuditedAdmin):
    list_display = ["grade", "label", "colour", "close_approver", "reply_approver", "min_views", "min_comments", "min_sites"]


class SourceLinkInline(admin.TabularInline):
    model = SourceLink
    extra = 0


class ReadOnlyWorkflowAdmin(admin.ModelAdmin):
    """Workflow records change only through the services, so the admin shows them read-only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["title", "grade", "status", "subject_unit", "reported_at"]
    list_filter = ["status", "grade", "category", "is_confidential"]
    search_fields = ["title", "summary", "external_id"]
    date_hierarchy = "reported_at"
    inlines = [SourceLinkInline]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "unit", "role", "status", "dispatched_at", "claimed_at"]
    list_filter = ["status", "role", "unit"]
    list_select_related = ["incident", "unit"]


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["ticket", "kind", "submitted_by", "submitted_at"]
    list_select_related = ["ticket__incident", "ticket__unit", "submitted_by"]


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "file", "uploaded_by", "uploaded_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "ip"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_name", "object_id", "reason"]
    date_hierarchy = "at"


@admin.register(ReplyDraft)
class ReplyDraftAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "ticket", "kind", "state", "drafted_by", "drafted_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["incident", "ticket__unit", "ticket__incident", "drafted_by", "decided_by"]
