"""API shapes of the follow-through (issue 17): read serializers describe what a caller sees; input serializers only
check types and formats and leave every rule (who, which state, which combination) to followup.services."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.filters import MAX_ID
from followup.models import CityAssignment, JointReview, UpwardReport
from incidents.api.serializers import BoundedDateTimeField
from org.models import Unit


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


class JointReviewSerializer(serializers.ModelSerializer):
    units = serializers.SerializerMethodField(help_text="参会单位名称")
    recorded_by = serializers.SerializerMethodField(help_text="登记人")
    document_url = serializers.SerializerMethodField(help_text="会商纪要（.docx）下载地址")

    class Meta:
        model = JointReview
        fields = [
            "id",
            "incident",
            "held_at",
            "units",
            "experts",
            "nature",
            "trend",
            "risks",
            "handling",
            "caliber",
            "recorded_by",
            "recorded_at",
            "document_url",
        ]
        read_only_fields = fields

    def get_units(self, review) -> list[str]:
        return [unit.name for unit in review.units.all()]

    def get_recorded_by(self, review) -> str:
        return _name(review.recorded_by)

    def get_document_url(self, review) -> str:
        return reverse("api-joint-review-document", args=[review.pk])


class JointReviewCreateSerializer(serializers.Serializer):
    held_at = BoundedDateTimeField(help_text="会商时间（不晚于现在）")
    units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), many=True, help_text="参会单位 id 列表"
    )
    experts = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="参会专家，每行一位（可空）"
    )
    nature = serializers.CharField(help_text="性质研判")
    trend = serializers.CharField(help_text="趋势研判")
    risks = serializers.CharField(help_text="风险研判")
    handling = serializers.CharField(help_text="处置意见")
    caliber = serializers.CharField(help_text="回应口径（回应须遵循，002 第九条）")


class UpwardReportSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(help_text="报送的上级单位")
    signer = serializers.SerializerMethodField(help_text="签发人")
    document_url = serializers.SerializerMethodField(help_text="专报（.docx）下载地址")

    class Meta:
        model = UpwardReport
        fields = ["id", "incident", "body", "reported_at", "signer", "reason", "doc_number", "document_url"]
        read_only_fields = fields

    def get_body(self, report) -> str:
        return report.body.name

    def get_signer(self, report) -> str:
        return _name(report.signer)

    def get_document_url(self, report) -> str:
        return reverse("api-upward-report-document", args=[report.pk])


class UpwardReportCreateSerializer(serializers.Serializer):
    body = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="上级单位 id（管理员维护的上级单位）")
    signer = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="签发人（县领导或办公室领导）的用户 id")
    reason = serializers.CharField(help_text="报送事由")
    reported_at = BoundedDateTimeField(help_text="报送时间（不晚于现在）")


class CityAssignmentSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField(help_text="交办的上级单位")
    deadline = serializers.SerializerMethodField(help_text="市级交办反馈时限的状态")

    class Meta:
        model = CityAssignment
        fields = [
            "id",
            "incident",
            "body",
            "reference",
            "received_at",
            "city_due_at",
            "deadline",
            "reported_back_at",
            "report_back",
        ]
        read_only_fields = fields

    def get_body(self, assignment) -> str:
        return assignment.body.name

    @extend_schema_field(serializers.CharField())
    def get_deadline(self, assignment) -> str:
        return assignment.deadline.state


class CityAssignmentCreateSerializer(serializers.Serializer):
    body = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="交办的上级单位 id")
    reference = serializers.CharField(help_text="市级交办编号")
    received_at = BoundedDateTimeField(help_text="接收时间（不晚于现在）")
    city_due_at = BoundedDateTimeField(help_text="市级反馈时限（晚于现在；即转办的明确时限，000 三.2）")


class CityDispatchSerializer(serializers.Serializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.filter(is_active=True), help_text="牵头单位 id")
    assists = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), many=True, required=False, default=list, help_text="协办单位 id"
    )
    instructions = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="办理要求（默认：按市级时限办理）"
    )


class ReportBackSerializer(serializers.Serializer):
    content = serializers.CharField(help_text="反馈内容")
    reported_at = BoundedDateTimeField(help_text="反馈时间（不晚于现在，不早于接收时间）")
