"""Admin pages of the deadline engine (imported by monitoring/admin.py)."""

from django import forms
from django.contrib import admin

from incidents.admin import AuditedAdmin, ReadOnlyWorkflowAdmin

from .models import Deadline, DeadlinePolicy, DeadlineStep, ExtensionRequest, Notification
from .workcalendar import validate_duration, validate_duration_list


class DeadlinePolicyForm(forms.ModelForm):
    class Meta:
        model = DeadlinePolicy
        fields = "__all__"

    def clean_duration(self):
        value = self.cleaned_data["duration"].strip()
        validate_duration(value)
        return value

    def clean_reminder_leads(self):
        value = self.cleaned_data["reminder_leads"].strip()
        validate_duration_list(value)
        return value

    def clean_escalate_after(self):
        value = self.cleaned_data["escalate_after"].strip()
        if value:
            validate_duration(value)
        return value


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    form = DeadlinePolicyForm
    list_display = ["name", "kind", "grade", "case_type", "scope", "start_event", "duration", "reminder_leads",
                    "escalate_after", "is_active", "source"]  # fmt: skip
    list_filter = ["kind", "grade", "is_active"]
    list_editable = ["duration", "is_active"]
    search_fields = ["name", "source"]


class StepInline(admin.TabularInline):
    model = DeadlineStep
    extra = 0
    can_delete = False
    readonly_fields = ["step", "fire_at", "state", "fired_at", "outcome"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "kind", "unit", "due_at", "state", "met_at", "calendar_confirmed", "explicit"]
    list_filter = ["kind", "state", "calendar_confirmed"]
    list_select_related = ["incident", "unit"]
    date_hierarchy = "due_at"
    inlines = [StepInline]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["ticket", "requested_by", "requested_at", "requested_due_at", "state", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["ticket__incident", "ticket__unit", "requested_by", "decided_by"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["created_at", "recipient", "channel", "title", "status", "attempts", "sent_at", "read_at"]
    list_filter = ["channel", "status"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
