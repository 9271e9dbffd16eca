"""舆情监测 in the admin, in Chinese: the watch list, the patrol schedule and the roster are maintained here by the
system administrator, every change on the audit trail (AuditedAdmin); patrol records and slots are read-only."""

from django.contrib import admin

from core import audit
from core.http import client_ip
from monitoring.models import (
    Candidate,
    DutyAssignment,
    EmergencyWatch,
    Handover,
    IntakeSource,
    Keyword,
    PatrolPolicy,
    PatrolRecord,
    PatrolSlot,
    Shift,
    Site,
)
from org.admin import AuditedAdmin, ReadOnlyWorkflowAdmin


@admin.register(Site)
class SiteAdmin(AuditedAdmin):
    list_display = ["name", "kind", "unit", "url", "is_active", "sort_order"]
    list_filter = ["kind", "unit", "is_active"]
    search_fields = ["name", "url"]


@admin.register(PatrolPolicy)
class PatrolPolicyAdmin(AuditedAdmin):
    list_display = ["__str__", "overnight_interval", "reminder_lead", "escalate_after"]
    fieldsets = [
        (
            "巡查间隔（002 第六条）",
            {"fields": ["working_interval", "evening_interval", "holiday_interval", "overnight_interval"]},
        ),
        ("三个时间节点（002 第五条）", {"fields": ["morning_round", "afternoon_round", "evening_round"]}),
        ("提醒与升级", {"fields": ["reminder_lead", "escalate_after", "plan_ahead_hours"]}),
    ]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not PatrolPolicy.objects.exists()


class DutyAssignmentInline(admin.TabularInline):
    model = DutyAssignment
    extra = 1


@admin.register(Shift)
class ShiftAdmin(AuditedAdmin):
    list_display = ["date", "kind", "unit", "starts_at", "ends_at"]
    list_filter = ["kind", "unit"]
    date_hierarchy = "date"
    inlines = [DutyAssignmentInline]

    def save_related(self, request, form, formsets, change):
        """Who is on the shift lands on the audit trail too (the admin saves the page in one transaction)."""
        shift = form.instance
        before = sorted(shift.assignments.values_list("user_id", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(shift.assignments.values_list("user_id", flat=True))
        if before != after:
            audit.record(
                request.user,
                "setting_change",
                shift,
                before={"people": before},
                after={"people": after},
                ip=client_ip(request),
            )


@admin.register(Handover)
class HandoverAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["shift", "author", "written_at"]
    list_select_related = ["shift__unit", "author"]


@admin.register(PatrolRecord)
class PatrolRecordAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["unit", "officer", "patrolled_at", "found"]
    list_filter = ["found", "unit"]
    list_select_related = ["unit", "officer"]
    show_full_result_count = False  # a million rows: no COUNT(*) of the whole table per page (issue 15)


@admin.register(PatrolSlot)
class PatrolSlotAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["unit", "starts_at", "due_at", "kind", "record"]
    list_filter = ["kind", "unit"]
    list_select_related = ["unit", "record"]
    show_full_result_count = False  # a million rows: no COUNT(*) of the whole table per page (issue 15)


# --- issue 15, second half: the keyword library (its history is the audit trail of AuditedAdmin), intake sources,
# the candidate queue and emergency watches (read-only here: they change through their services' pages).


@admin.register(Keyword)
class KeywordAdmin(AuditedAdmin):
    list_display = ["phrase", "topic", "unit", "raise_to", "is_active", "updated_at"]
    list_filter = ["is_active", "raise_to", "topic", "unit"]
    search_fields = ["phrase", "note"]
    list_select_related = ["topic", "unit"]


@admin.register(IntakeSource)
class IntakeSourceAdmin(AuditedAdmin):
    list_display = ["name", "code", "account", "trusted", "max_batch", "rate_per_minute", "is_active"]
    list_filter = ["trusted", "is_active"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["title", "origin", "unit", "source", "status", "created_at"]
    list_filter = ["status", "origin"]
    list_select_related = ["unit", "source"]
    search_fields = ["title", "url", "external_id"]


@admin.register(EmergencyWatch)
class EmergencyWatchAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["title", "topic", "interval", "starts_at", "ends_at", "ended_at"]
