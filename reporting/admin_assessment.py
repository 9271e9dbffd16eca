"""Admin for the assessment: the weighting (the 考评办法 is not in the seeds, so the admin sets it,
docs/rules.md §9.28) and the 通报批评 records counted in it. Both land on the audit trail."""

from django.contrib import admin

from org.admin import AuditedAdmin
from reporting.models import AssessmentWeighting, Criticism


@admin.register(AssessmentWeighting)
class AssessmentWeightingAdmin(AuditedAdmin):
    list_display = ("name", "valid_from", "is_active", "claim_on_time", "feedback_on_time", "reply_on_time")
    list_filter = ("is_active",)
    fieldsets = (
        (None, {"fields": ("name", "valid_from", "is_active")}),
        ("按时率权重（按时率 0–1 乘以权重）", {"fields": ("claim_on_time", "feedback_on_time", "reply_on_time")}),
        (
            "扣分（每次）",
            {"fields": ("per_extension", "per_return", "per_designated_claim", "per_supervision", "per_criticism")},
        ),
    )


@admin.register(Criticism)
class CriticismAdmin(AuditedAdmin):
    list_display = ("unit", "cause", "recorded_at", "recorded_by")
    list_filter = ("cause", "unit")
    date_hierarchy = "recorded_at"
    search_fields = ("reason", "unit__name")
    raw_id_fields = ("ticket",)
    readonly_fields = ("recorded_by",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user  # who recorded it is the admin, not a choice
        super().save_model(request, obj, form, change)
