"""API shapes. Read serializers describe what a caller sees; input serializers only check types and
formats, and leave every rule (who, which state, which combination) to the services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.filters import EARLIEST, LATEST
from core.audit import action_label
from core.models import AuditEvent
from deadlines.models import Deadline, ExtensionRequest
from incidents.models import (
    Attachment,
    Category,
    Feedback,
    Grade,
    Incident,
    LeaderReport,
    MediaLevel,
    Reply,
    ReplyDraft,
    SourceLink,
    Ticket,
    TicketRole,
)
from incidents.uploads import UPLOAD_HELP
from org.models import Unit

# Counters are PositiveIntegerField: keep input inside what every database stores.
MAX_COUNT = 2_147_483_647


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time within 1990—2200: anything else is a typo, and SQLite's UTC conversion would overflow on it."""

    def to_internal_value(self, value):
        try:
            value = super().to_internal_value(value)
            in_range = EARLIEST <= value <= LATEST
        except OverflowError:  # 0001-01-01T00:00 local is before year 1 in UTC (issue 11 §4)
            in_range = False
        if not in_range:
            raise serializers.ValidationError("日期时间超出允许范围（1990—2200 年）。")
        return value


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "kind", "parent", "is_office", "is_active"]
        read_only_fields = fields


class SourceLinkSerializer(serializers.ModelSerializer):
    class Meta:
        model = SourceLink
        fields = ["platform", "url", "first_seen_at"]
        extra_kwargs = {"first_seen_at": {"read_only": True}}


class IncidentSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="舆情编号")
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True, help_text="未研判时为空")

    class Meta:
        model = Incident
        fields = [
            "id",
            "number",
            "title",
            "summary",
            "category",
            "subject_unit",
            "location",
            "posted_at",
            "first_seen_at",
            "reported_at",
            "reported_by",
            "views",
            "comments",
            "reposts",
            "site_count",
            "media_level",
            "grade",
            "graded_at",
            "grade_reason",
            "is_historical",
            "is_confidential",
            "status",
            "merged_into",
            "closed_at",
            "external_id",
        ]
        read_only_fields = fields


class TicketBriefSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "unit", "unit_name", "role", "status", "due_at", "dispatched_at", "claimed_at", "feedback_at"]
        read_only_fields = fields


class IncidentDetailSerializer(IncidentSerializer):
    """One incident with the source links and the tickets the caller may see (never other units')."""

    links = SourceLinkSerializer(many=True, read_only=True)
    tickets = TicketBriefSerializer(many=True, read_only=True, source="visible_tickets")

    class Meta(IncidentSerializer.Meta):
        fields = IncidentSerializer.Meta.fields + ["links", "tickets"]
        read_only_fields = fields


class IncidentCreateSerializer(serializers.Serializer):
    """采集报送. `external_id` ("platform:id") makes the push idempotent."""

    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=Category.choices, required=False, default=Category.OTHER)
    subject_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.filter(is_active=True), required=False, allow_null=True, default=None
    )
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    posted_at = BoundedDateTimeField(required=False, allow_null=True, default=None)
    first_seen_at = BoundedDateTimeField(required=False)
    views = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    comments = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    reposts = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    site_count = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, default=0)
    media_level = serializers.ChoiceField(choices=MediaLevel.choices, required=False, allow_blank=True, default="")
    is_historical = serializers.BooleanField(required=False, default=False)
    is_confidential = serializers.BooleanField(required=False, default=False)
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        default=None,
        help_text="监测平台的条目编号（平台:编号，如 weibo:12345）；重复报送同一编号返回已有舆情（200）",
    )
    links = SourceLinkSerializer(many=True, required=False, default=list)

    def validate_external_id(self, value):
        return (value or "").strip() or None


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices, help_text="Ⅰ特别重大 Ⅱ重大 Ⅲ较大 Ⅳ一般")
    reason = serializers.CharField(help_text="研判理由")
    is_historical = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="同时认定（true）或取消（false）历史遗留问题（002 第八条：核实调查报告 15 个工作日）；省略为不变",
    )


class HistoricalSerializer(serializers.Serializer):
    is_historical = serializers.BooleanField(help_text="认定（true）或取消（false）历史遗留问题")
    reason = serializers.CharField(help_text="理由")


class LeaderReportSerializer(serializers.ModelSerializer):
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)

    class Meta:
        model = LeaderReport
        fields = ["id", "incident", "channel", "channel_label", "reported_to", "note", "reported_at", "reported_by"]
        read_only_fields = fields


class LeaderReportCreateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(
        choices=LeaderReport.Channel.choices, help_text="系统报送 / 电话 / 短信 / 纸质快报"
    )
    reported_to = serializers.CharField(max_length=200, help_text="报告对象，如 县委书记、县长、宣传部部长")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="内容摘要")
    reported_at = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="报告时间（默认现在；不能晚于现在、早于发现时间）"
    )


class ReplySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.CharField(read_only=True, help_text="发布链接（未填写时为空字符串）")

    class Meta:
        model = Reply
        fields = ["id", "incident", "kind", "kind_label", "channel", "url", "content", "published_at", "published_by"]
        read_only_fields = fields


class ReplyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reply.Kind.choices, help_text="初步回应 / 进展通报 / 处置结果 / 辟谣")
    channel = serializers.CharField(
        max_length=100, help_text="发布渠道，如 新闻通稿（政府门户网站）、新闻发布会、政务微博"
    )
    url = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="发布链接（http/https，可选）"
    )
    content = serializers.CharField(help_text="回应内容")
    published_at = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="发布时间（默认现在；不能晚于现在）"
    )


class AssignmentSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="责任单位 id")
    role = serializers.ChoiceField(choices=TicketRole.choices)


class DispatchSerializer(serializers.Serializer):
    tickets = AssignmentSerializer(many=True, allow_empty=False)
    due_at = BoundedDateTimeField(required=False, allow_null=True, default=None, help_text="指定办理时限")
    instructions = serializers.CharField(required=False, allow_blank=True, default="", help_text="转办要求")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="理由")


class SendBackSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="退回意见")
    due_at = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="领导批示的办理时限（可选，成为受督办的时限）"
    )


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="合并目标舆情 id")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="", help_text="销号意见")


class GrantSerializer(serializers.Serializer):
    user = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="被授权人的用户 id")


class TicketSerializer(serializers.ModelSerializer):
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "incident",
            "incident_number",
            "incident_title",
            "unit",
            "unit_name",
            "role",
            "status",
            "instructions",
            "due_at",
            "dispatched_at",
            "claimed_at",
            "claimed_by",
            "designated",
            "returned_at",
            "return_reason",
            "feedback_at",
            "closed_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True, help_text="上传时的文件名（扩展名按内容识别）")
    size = serializers.SerializerMethodField(help_text="字节数")

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "uploaded_at"]
        read_only_fields = fields

    def get_size(self, attachment) -> int:
        return attachment.file.size


class FeedbackSerializer(serializers.ModelSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True, help_text="附件")

    class Meta:
        model = Feedback
        fields = ["id", "ticket", "kind", "content", "submitted_by", "submitted_at", "promised_at", "attachments"]
        read_only_fields = fields


class FeedbackCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Feedback.Kind.choices)
    content = serializers.CharField()
    promised_at = BoundedDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="承诺落实时间：书面说明（explanation）必填且须晚于现在（000 三.2），其他类型不填",
    )


class FeedbackUploadSerializer(FeedbackCreateSerializer):
    """The same feedback as multipart/form-data, with its attachments (the page's upload, incidents.uploads)."""

    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False, use_url=False),
        required=False,
        default=list,
        max_length=10,
        help_text=f"附件（可重复，最多 10 个）：{UPLOAD_HELP}",
    )


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="被指定的联络员用户 id")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AuditEventSerializer(serializers.ModelSerializer):
    action_label = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_name",
            "action",
            "action_label",
            "ticket",
            "object_type",
            "object_id",
            "before",
            "after",
            "reason",
        ]
        read_only_fields = fields

    def get_action_label(self, event) -> str:
        return action_label(event)


class DeadlineSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    policy_name = serializers.SerializerMethodField(help_text="起算时的时限规则名称（指定时限、延期后时限亦在此注明）")
    unit_name = serializers.CharField(source="unit.name", read_only=True, allow_null=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "kind",
            "kind_label",
            "state",
            "state_label",
            "started_at",
            "due_at",
            "original_due_at",
            "met_at",
            "breached_at",
            "calendar_confirmed",
            "explicit",
            "policy_name",
            "incident",
            "ticket",
            "unit",
            "unit_name",
            "replaces",
        ]
        read_only_fields = fields

    def get_policy_name(self, deadline) -> str:
        # The snapshot taken when the deadline was set: a later edit or removal of the policy does not rename it.
        return deadline.rule.get("policy", "")


# What ExtensionRequestSerializer reads beyond the row: select these, or each row costs queries.
EXTENSION_REQUEST_RELATED = ("ticket__unit", "deadline__replaced_by")


class ExtensionRequestSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="ticket.incident_id", read_only=True)
    unit = serializers.IntegerField(source="ticket.unit_id", read_only=True)
    unit_name = serializers.CharField(source="ticket.unit.name", read_only=True)
    deadline_kind = serializers.CharField(
        source="deadline.get_kind_display", read_only=True, help_text="申请延长的时限"
    )
    due_at = serializers.DateTimeField(source="deadline.due_at", read_only=True, help_text="申请时的到期时间")
    original_due_at = serializers.DateTimeField(
        source="deadline.original_due_at", read_only=True, help_text="最初的到期时间"
    )
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    granted_deadline = serializers.SerializerMethodField(help_text="批准后取代原时限的新时限 id")
    granted_due_at = serializers.SerializerMethodField(help_text="批准延至的时间")

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "ticket",
            "incident",
            "unit",
            "unit_name",
            "deadline",
            "deadline_kind",
            "due_at",
            "original_due_at",
            "requested_due_at",
            "reason",
            "requested_by",
            "requested_at",
            "state",
            "state_label",
            "decided_by",
            "decided_at",
            "decision_note",
            "granted_deadline",
            "granted_due_at",
        ]
        read_only_fields = fields

    def _granted(self, request):
        # Only an approval made the replacement: a rejected request may share its deadline with a later approved one.
        if request.state != ExtensionRequest.State.APPROVED:
            return None
        return getattr(request.deadline, "replaced_by", None)

    def get_granted_deadline(self, request) -> int | None:
        granted = self._granted(request)
        return granted.pk if granted else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_granted_due_at(self, request):
        granted = self._granted(request)
        return serializers.DateTimeField().to_representation(granted.due_at) if granted else None


class ExtensionRequestCreateSerializer(serializers.Serializer):
    requested_due_at = BoundedDateTimeField(help_text="申请延至（须晚于当前时限）")
    reason = serializers.CharField(help_text="延期理由（书面申请）")


class ExtensionApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="审批意见")
    due_at = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="批准延至（默认为申请的时间；须晚于现在）"
    )


class ExtensionRejectSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="驳回理由")


# What ReplyDraftSerializer reads beyond the row: select these, or each row costs queries.
REPLY_DRAFT_RELATED = ("ticket__unit", "instruction_deadline")


class ReplyDraftSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="ticket.unit_id", read_only=True)
    unit_name = serializers.CharField(source="ticket.unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    url = serializers.CharField(read_only=True, help_text="原帖或发布链接（未填写时为空字符串）")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    instruction_due_at = serializers.DateTimeField(
        source="instruction_deadline.due_at", read_only=True, allow_null=True, help_text="退回时批示的办理时限"
    )

    class Meta:
        model = ReplyDraft
        fields = [
            "id",
            "incident",
            "ticket",
            "unit",
            "unit_name",
            "kind",
            "kind_label",
            "channel",
            "url",
            "content",
            "drafted_by",
            "drafted_at",
            "state",
            "state_label",
            "decided_by",
            "decided_at",
            "decision_note",
            "reply",
            "instruction_deadline",
            "instruction_due_at",
        ]
        read_only_fields = fields


class ReplyDraftCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Reply.Kind.choices, help_text="初步回应 / 进展通报 / 处置结果 / 辟谣")
    channel = serializers.CharField(max_length=100, help_text="发布渠道，如 政民互动平台网络新闻发言人版块、政务微博")
    url = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, default="", help_text="原帖或发布链接（http/https，可选）"
    )
    content = serializers.CharField(help_text="回应内容")


class ReplyApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="审定意见")


class ReplySendBackSerializer(serializers.Serializer):
    instruction = serializers.CharField(help_text="批示（修改意见）")
    due_at = BoundedDateTimeField(
        required=False, allow_null=True, default=None, help_text="批示的办理时限（可选，成为受督办的时限）"
    )
