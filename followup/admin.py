"""The administrator keeps the list of upper bodies (000 三; 004 二(三)3), audited; the records of the follow-through
change only through followup.services, so the admin shows them read-only."""

from django.contrib import admin

from followup.models import CityAssignment, JointReview, UpperBody, UpwardReport
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
    list_display = ("incident", "body", "reported_at", "signer")
    exclude = ("document",)


@admin.register(CityAssignment)
class CityAssignmentAdmin(ReadOnlyWorkflowAdmin):
    list_display = ("incident", "reference", "received_at", "city_due_at", "reported_back_at")
