"""Forms of the admin settings pages. They only shape input; the rules live in settings_services."""

from django import forms

from core.forms import DateInput, add_domain_errors
from deadlines.models import CaseType, Scope, StartEvent
from deadlines.policy_text import CHANNEL_CHOICES, UNIT_CHOICES
from incidents.models import Grade
from workcalendar.models import CalendarDay
from workcalendar.working_days import parse_duration

REQUIRED = {"required": "此项必填。"}


def _split(spec):
    try:
        return parse_duration(spec)
    except ValueError:
        return None, ""


class PolicyForm(forms.Form):
    """A duration is typed as a number and a unit, so nobody needs to learn '5wd'."""

    name = forms.CharField(label="名称", max_length=100, error_messages=REQUIRED)
    grade = forms.ChoiceField(label="适用等级", choices=[("", "所有等级"), *Grade.choices], required=False)
    case_type = forms.ChoiceField(label="事项类型", choices=[("", "所有事项"), *CaseType.choices[1:]], required=False)
    scope = forms.ChoiceField(label="适用对象", choices=Scope.choices)
    start_event = forms.ChoiceField(label="起算事件", choices=StartEvent.choices)
    duration_amount = forms.IntegerField(
        label="时限长度",
        min_value=1,
        max_value=9999,
        error_messages={"required": "请填写时限长度。", "min_value": "时限须大于 0。", "invalid": "请填写整数。"},
    )
    duration_unit = forms.ChoiceField(label="时限单位", choices=UNIT_CHOICES)
    reminder_leads = forms.CharField(
        label="到期前提醒",
        max_length=100,
        required=False,
        help_text="到期前多久提醒，多个用逗号分隔。单位：m 分钟、h 小时、d 自然日、wd 工作日、wh 工作小时。如 1wd,2h；留空不提醒。",
    )
    escalate_amount = forms.IntegerField(
        label="逾期后升级",
        min_value=1,
        max_value=9999,
        required=False,
        help_text="逾期后再过多久仍未办结即报告责任领导；留空表示不升级。",
        error_messages={"min_value": "须大于 0，或留空表示不升级。", "invalid": "请填写整数。"},
    )
    escalate_unit = forms.ChoiceField(label="升级时限单位", choices=UNIT_CHOICES, required=False)
    channels = forms.MultipleChoiceField(
        label="通知渠道",
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "至少选择一种通知渠道。"},
    )
    is_active = forms.BooleanField(label="启用", required=False)
    source = forms.CharField(
        label="依据",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="条文出处；产品默认值须注明。",
    )

    # Where a service error about a stored field is shown on this form.
    FIELD_FOR = {"duration": "duration_amount", "escalate_after": "escalate_amount"}

    @classmethod
    def initial_for(cls, policy):
        amount, unit = _split(policy.duration)
        escalate_amount, escalate_unit = _split(policy.escalate_after)
        return {
            "name": policy.name,
            "grade": policy.grade,
            "case_type": policy.case_type,
            "scope": policy.scope,
            "start_event": policy.start_event,
            "duration_amount": amount,
            "duration_unit": unit or "h",
            "reminder_leads": policy.reminder_leads,
            "escalate_amount": escalate_amount,
            "escalate_unit": escalate_unit or "wd",
            "channels": [c for c in policy.channels.split(",") if c],
            "is_active": policy.is_active,
            "source": policy.source,
        }

    def clean(self):
        data = super().clean()
        if data.get("escalate_amount") and not data.get("escalate_unit"):
            self.add_error("escalate_unit", "请选择升级时限单位。")
        return data

    def changes(self):
        """The form's values as the policy stores them."""
        data = self.cleaned_data
        escalate = f"{data['escalate_amount']}{data['escalate_unit']}" if data.get("escalate_amount") else ""
        return {
            "name": data["name"],
            "grade": data["grade"],
            "case_type": data["case_type"],
            "scope": data["scope"],
            "start_event": data["start_event"],
            "duration": f"{data['duration_amount']}{data['duration_unit']}",
            "reminder_leads": data["reminder_leads"],
            "escalate_after": escalate,
            "channels": ",".join(data["channels"]),
            "is_active": data["is_active"],
            "source": data["source"],
        }

    def add_service_errors(self, exc):
        add_domain_errors(self, exc, field_for=self.FIELD_FOR)


class CalendarDayForm(forms.Form):
    date = forms.DateField(
        label="日期", widget=DateInput(), error_messages={"required": "请填写日期。", "invalid": "日期格式无效。"}
    )
    kind = forms.ChoiceField(label="类型", choices=CalendarDay.Kind.choices)
    name = forms.CharField(label="名称", max_length=50, required=False, help_text="如 春节、国庆节")

    def add_service_errors(self, exc):
        add_domain_errors(self, exc)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WorkHoursForm(forms.Form):
    morning_start = forms.TimeField(label="上午上班", widget=TimeInput(), error_messages=REQUIRED)
    morning_end = forms.TimeField(label="上午下班", widget=TimeInput(), error_messages=REQUIRED)
    afternoon_start = forms.TimeField(label="下午上班", widget=TimeInput(), error_messages=REQUIRED)
    afternoon_end = forms.TimeField(label="下午下班", widget=TimeInput(), error_messages=REQUIRED)

    add_service_errors = CalendarDayForm.add_service_errors
