"""API shapes of review/ (issue 17): the 销号抽查 draws and their samples (000 四.3), a verdict's input, and the
舆情日志 rows (002 第八条). Input serializers check types only; the rules are review.services'."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.filters import MAX_ID
from review.models import SpotCheck, SpotCheckDraw, Verdict


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class SpotCheckSerializer(serializers.ModelSerializer):
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    incident_title = serializers.SerializerMethodField(help_text="标题（未获授权的敏感舆情显示为「敏感舆情」）")
    checked_by = serializers.SerializerMethodField(help_text="复核人")
    verdict = serializers.ChoiceField(choices=[("", "待复核"), *Verdict.choices], help_text="复核结论（空：待复核）")

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "draw",
            "incident",
            "incident_number",
            "incident_title",
            "verdict",
            "note",
            "checked_at",
            "checked_by",
        ]
        read_only_fields = fields

    def get_incident_title(self, check) -> str:
        return self.context["titles"][check.pk]

    def get_checked_by(self, check) -> str:
        return _name(check.checked_by)


class SpotCheckDrawSerializer(serializers.ModelSerializer):
    drawn_by = serializers.SerializerMethodField(help_text="抽取人（空：按周期自动抽取）")

    class Meta:
        model = SpotCheckDraw
        fields = ["id", "period", "period_start", "period_end", "seed", "population", "drawn_at", "drawn_by"]
        read_only_fields = fields

    def get_drawn_by(self, draw) -> str:
        return _name(draw.drawn_by)


class SpotCheckDrawDetailSerializer(SpotCheckDrawSerializer):
    checks = serializers.SerializerMethodField(help_text="抽中的已销号舆情及复核结论")

    class Meta(SpotCheckDrawSerializer.Meta):
        fields = [*SpotCheckDrawSerializer.Meta.fields, "checks"]
        read_only_fields = fields

    @extend_schema_field(SpotCheckSerializer(many=True))
    def get_checks(self, draw):
        return SpotCheckSerializer(self.context["checks"], many=True, context=self.context).data


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, help_text="复核结论")
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="复核说明（结论不是“核实无误”时必填）"
    )


class LogQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="单位 id（默认可查看的第一个单位）"
    )
    start = serializers.DateField(required=False, help_text="起始日期（含）")
    end = serializers.DateField(required=False, help_text="截止日期（含）")


class LogRowSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="转办日期")
    number = serializers.CharField(help_text="舆情编号")
    title = serializers.CharField(help_text="标题（未获授权的敏感舆情显示为「敏感舆情」）")
    grade = serializers.CharField(help_text="等级")
    role = serializers.CharField(help_text="承办类型")
    claimed_at = serializers.DateTimeField(allow_null=True)
    feedback_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    on_time = serializers.BooleanField(allow_null=True, help_text="是否按时（空：尚无结论）")


class IncidentLogSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    rows = LogRowSerializer(many=True)
