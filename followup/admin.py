"""The administrator keeps the list of upper bodies (000 三; 004 二(三)3) and the 后期处置 settings (000 三.3: the
watch period, the 总结评估's reminders and escalation), audited; the records of the follow-through change only
through followup.services and followup.aftercare, so the admin shows them read-only."""

from django.contrib import admin

from followup.models import (
    AftercareEvaluation,
    AftercareSettings,
    AftercareWatch,
    CityAssignment,
    JointReview,
    UpperBody,
    UpwardReport,
)
from org.admin import AuditedAdmin, ReadOnlyWorkflowAdmin


@admin.register(UpperBody)
class UpperBodyAdmin(AuditedAdmin):
    list_display = ("name", "is_active", "ordering")
    list_editable = ("is_active", "ordering")


@admin.register(JointReview)
class JointReviewAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "held_at", "recorded_by")
    exclude = ("document",)


@admin.register(UpwardReport)
class UpwardReportAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "doc_number", "body", "reported_at", "signer")
    exclude = ("document",)


@admin.register(CityAssignment)
class CityAssignmentAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "reference", "received_at", "city_due_at", "reported_back_at")


@admin.register(AftercareSettings)
class AftercareSettingsAdmin(AuditedAdmin):
    list_display = ("__str__", "reminder_leads", "escalate_after", "channels", "applies_from")

    def has_add_permission(self, request):
        return not AftercareSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AftercareWatch)
class AftercareWatchAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "started_at", "ends_at", "finished_at")


@admin.register(AftercareEvaluation)
class AftercareEvaluationAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "written_at", "written_by")
    exclude = ("document",)
