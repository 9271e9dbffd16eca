"""API shapes of reports, daily submissions and the assessment (reporting.api). Read-only except the
submission input, which only checks types and leaves every rule to reporting.services."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reporting.models import DailySubmission, Report, ReportVersion

MAX_ID = 2**63 - 1  # ids are BigAutoField


def download_url(request, report_pk, number):
    return request.build_absolute_uri(reverse("api-report-version-download", args=[report_pk, number]))


class ReportVersionSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(help_text="下载该版本的 .docx")

    class Meta:
        model = ReportVersion
        fields = ["number", "created_at", "note", "download_url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, version):
        return download_url(self.context["request"], version.report_id, version.number)


class ReportSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True, default=None)
    latest_version = serializers.IntegerField(
        source="latest_number", read_only=True, allow_null=True, help_text="最新版本号（尚无文档时为空）"
    )
    download_url = serializers.SerializerMethodField(help_text="下载最新版本的 .docx（尚无文档时为空）")

    class Meta:
        model = Report
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "period_start",
            "period_end",
            "incident",
            "ticket",
            "unit",
            "unit_name",
            "due_at",
            "created_at",
            "issued_at",
            "latest_version",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, report):
        if report.latest_number is None:
            return None
        return download_url(self.context["request"], report.pk, report.latest_number)


class ReportDetailSerializer(ReportSerializer):
    content = serializers.JSONField(
        read_only=True, help_text="标题、各章节文字和表格，以及 figures（文字背后的统计数字）"
    )
    versions = ReportVersionSerializer(source="version_list", many=True, read_only=True, help_text="新版本在前")

    class Meta(ReportSerializer.Meta):
        fields = [*ReportSerializer.Meta.fields, "content", "versions"]
        read_only_fields = fields


# --- units' daily submissions ----------------------------------------------------------------------


class DailySubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailySubmission
        fields = ["id", "unit", "date", "submitted_at", "submitted_by", "content", "incidents", "is_late"]
        read_only_fields = fields


class DailySubmissionStatusSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit.pk", help_text="每日报送单位 id")
    unit_name = serializers.CharField(source="unit.name")
    date = serializers.SerializerMethodField(help_text="报送日期")
    state = serializers.ChoiceField(
        choices=[("on_time", "按时报送"), ("late", "逾期报送"), ("missing", "未报送")], help_text="按时、逾期或未报送"
    )
    state_label = serializers.CharField()
    submission = DailySubmissionSerializer(allow_null=True, help_text="未报送时为空")

    @extend_schema_field(OpenApiTypes.DATE)
    def get_date(self, row):
        return self.context["date"].isoformat()


class SubmissionDateSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="报送日期（默认今天）")

    def validate_date(self, value):
        if not (1990 <= value.year < 2200):
            raise serializers.ValidationError("日期超出允许范围（1990—2200 年）。")
        return value


class DailySubmissionCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="报送单位 id（本人任联络员的每日报送单位）"
    )
    content = serializers.CharField(
        allow_blank=True, max_length=20000, help_text="每行一条「标题+链接地址」；当天无舆情填「无」"
    )
    incidents = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        max_length=200,
        help_text="关联的舆情 id（须本人可见）",
    )


# --- the unit assessment ---------------------------------------------------------------------------


class RateSerializer(serializers.Serializer):
    on_time = serializers.IntegerField(help_text="按时")
    total = serializers.IntegerField(help_text="期内已到期或已完成的时限数")
    percent = serializers.FloatField(allow_null=True, help_text="按时率（%），期内无时限时为空")


class UnitScoreSerializer(serializers.Serializer):
    unit = serializers.IntegerField(source="unit_id")
    unit_name = serializers.CharField()
    rank = serializers.IntegerField(help_text="全县排名（同分同名次）")
    score = serializers.DecimalField(max_digits=10, decimal_places=2, help_text="得分")
    tickets_received = serializers.IntegerField(help_text="收到转办单")
    claim = RateSerializer(help_text="按时认领")
    feedback = RateSerializer(help_text="按时反馈（办理反馈、核实调查报告）")
    reply = RateSerializer(help_text="按时回应（主办单位）")
    extensions = serializers.IntegerField(help_text="延期申请")
    returns = serializers.IntegerField(help_text="退回")
    designated_claims = serializers.IntegerField(help_text="指定认领")
    supervisions = serializers.IntegerField(help_text="督报")
    criticisms = serializers.IntegerField(help_text="通报批评")


class AssessmentSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="统计起始日期")
    end = serializers.DateField(help_text="统计截止日期（含）")
    weighting = serializers.CharField(help_text="所用考核办法")
    results = UnitScoreSerializer(many=True, help_text="按得分从高到低")
