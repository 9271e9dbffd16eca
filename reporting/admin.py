"""Admin for the reporting app. Settings and the risk library are edited here (audited like every setting);
reports and submissions are read-only here because they change only through reporting.services (permission,
validation, audit, version history). The assessment's admin is in admin_assessment."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from org.admin import AuditedAdmin, ChineseLabels
from reporting.models import DailySubmission, Report, ReportSettings, ReportVersion, RiskTopic


class ReadOnlyAdmin(ChineseLabels, admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportSettings)
class ReportSettingsAdmin(AuditedAdmin):
    list_display = ("__str__", "daily_time", "submission_time", "weekly_weekday", "updated_at")
    filter_horizontal = ("distribution", "collecting_units")

    def has_add_permission(self, request):
        return not ReportSettings.objects.exists()  # one row

    def has_delete_permission(self, request, obj=None):
        return False


class ReportVersionInline(admin.TabularInline):
    model = ReportVersion
    fields = ("number", "document", "note", "author", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = "文档版本"
    verbose_name_plural = "文档版本"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="文档")
    def document(self, obj):
        return format_html(
            '<a href="{}">下载 .docx</a>', reverse("report_version_download", args=[obj.report_id, obj.number])
        )

    @admin.display(description="编制人")
    def author(self, obj):
        return obj.created_by or "系统"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "status", "unit", "period_start", "period_end", "created_at", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    date_hierarchy = "created_at"
    exclude = ("content",)
    inlines = [ReportVersionInline]


@admin.register(DailySubmission)
class DailySubmissionAdmin(ReadOnlyAdmin):
    list_display = ("unit", "date", "submitted_at", "submitter", "is_late")
    list_filter = ("is_late", "unit")
    date_hierarchy = "date"
    readonly_fields = ("submitter",)
    exclude = ("submitted_by",)

    @admin.display(description="报送人")
    def submitter(self, obj):
        return obj.submitted_by


@admin.register(RiskTopic)
class RiskTopicAdmin(AuditedAdmin):
    list_display = ("name", "unit", "keywords", "window_days", "threshold", "is_active")
    list_filter = ("is_active", "unit")
    search_fields = ("name", "keywords")


from reporting import admin_assessment  # noqa: E402,F401  (assessment weighting and 通报批评)
