"""Admin pages of the deadline engine (imported by monitoring/admin.py): policies, deadlines, the
timed-check steps (failed ones with their error, and 重新触发), extension requests, notifications."""

from django import forms
from django.contrib import admin, messages

from core.errors import DomainError
from core.http import client_ip
from deadlines.models import Deadline, DeadlinePolicy, DeadlineStep, ExtensionRequest
from deadlines.sweep import requeue_failed_steps
from notifications.notify import fit
from org.access import access_for
from org.admin import AuditedAdmin, ReadOnlyWorkflowAdmin
from workcalendar.working_days import validate_duration, validate_duration_list


class DeadlinePolicyForm(forms.ModelForm):
    class Meta:
        model = DeadlinePolicy
        fields = [
            "name",
            "kind",
            "grade",
            "case_type",
            "scope",
            "start_event",
            "duration",
            "reminder_leads",
            "escalate_after",
            "channels",
            "is_active",
            "source",
        ]

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


class PolicyRowForm(DeadlinePolicyForm):
    """A row of the editable list, validated like the form (a bad duration is refused); its inputs are named after the policy (axe-core `label`: the list's column
    heads are no labels, and a screen reader hears "时限长度" twenty times without knowing whose)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.widget.attrs["aria-label"] = (
                f"{self.instance.name} {DeadlinePolicy._meta.get_field(name).verbose_name}"
            )


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(AuditedAdmin):
    form = DeadlinePolicyForm
    list_display = [
        "name",
        "kind",
        "grade",
        "case_type",
        "scope",
        "start_event",
        "duration",
        "reminder_leads",
        "escalate_after",
        "is_active",
        "source",
    ]
    list_filter = ["kind", "grade", "is_active"]
    list_editable = ["duration", "is_active"]
    search_fields = ["name", "source"]

    def get_changelist_form(self, request, **kwargs):
        return super().get_changelist_form(request, form=PolicyRowForm, **kwargs)


class StepInline(admin.TabularInline):
    model = DeadlineStep
    extra = 0
    can_delete = False
    readonly_fields = ["step", "fire_at", "state", "fired_at", "outcome", "attempts", "last_attempt_at", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["incident", "kind", "unit", "due_at", "state", "met_at", "calendar_confirmed", "explicit"]
    list_filter = ["kind", "state", "calendar_confirmed"]
    list_select_related = ["incident", "unit"]
    date_hierarchy = "due_at"
    inlines = [StepInline]


@admin.register(DeadlineStep)
class DeadlineStepAdmin(ReadOnlyWorkflowAdmin):
    """The timed checks' steps. A step that kept failing is 触发失败 with its error; once the cause is
    fixed, 重新触发 puts it back in the queue (a deadline is never lost)."""

    list_display = [
        "fire_at",
        "incident",
        "deadline",
        "unit",
        "step",
        "state",
        "attempts",
        "last_attempt_at",
        "error_summary",
    ]
    list_filter = ["state", "deadline__kind", "step"]
    list_select_related = ["deadline__incident", "deadline__unit"]
    search_fields = ["deadline__incident__title", "error"]
    date_hierarchy = "fire_at"
    ordering = ["-fire_at", "-id"]
    actions = ["requeue"]

    @admin.display(description="舆情", ordering="deadline__incident__title")
    def incident(self, obj):
        return obj.deadline.incident

    @admin.display(description="责任单位")
    def unit(self, obj):
        return obj.deadline.unit or "办公室"

    @admin.display(description="错误信息")
    def error_summary(self, obj):
        return fit(obj.error, 120)

    def has_requeue_permission(self, request):
        return access_for(request.user).is_admin

    @admin.action(description="重新触发（仅限触发失败的步骤）", permissions=["requeue"])
    def requeue(self, request, queryset):
        try:
            requeued = requeue_failed_steps(
                request.user, list(queryset.values_list("pk", flat=True)), ip=client_ip(request)
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        skipped = queryset.count() - len(requeued)
        text = f"已重新触发 {len(requeued)} 个步骤，将在下次时限检查时执行。"
        if skipped:
            text += f"另有 {skipped} 个步骤不是「触发失败」状态，未作更改。"
        self.message_user(request, text, messages.SUCCESS if requeued else messages.WARNING)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyWorkflowAdmin):
    list_display = ["ticket", "requested_by", "requested_at", "requested_due_at", "state", "decided_by"]
    list_filter = ["state"]
    list_select_related = ["ticket__incident", "ticket__unit", "requested_by", "decided_by"]
