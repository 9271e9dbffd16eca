"""The forms of the monitoring pages; the services validate again (a form is only the first line)."""

import datetime

from django import forms
from django.utils import timezone

from core.forms import DateInput, DateTimeInput
from monitoring import emergency, keyword_library
from monitoring.models import DutyAssignment, Site
from org.models import Unit


class PatrolForm(forms.Form):
    sites = forms.ModelMultipleChoiceField(
        label="巡查网站",
        queryset=Site.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个巡查的网站。", "invalid_choice": "所选网站无效。"},
    )
    findings = forms.CharField(
        label="发现情况（可不填）", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, sites=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites if sites is not None else Site.objects.none()


class PeriodForm(forms.Form):
    start = forms.DateField(label="自", widget=DateInput(), required=False)
    end = forms.DateField(label="至", widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or today - datetime.timedelta(days=6)
        data["end"] = data.get("end") or today
        if data["end"] < data["start"]:
            raise forms.ValidationError("结束日期不能早于开始日期。")
        if (data["end"] - data["start"]).days > 366:
            raise forms.ValidationError("统计区间不能超过一年。")
        return data


class RosterImportForm(forms.Form):
    month = forms.DateField(
        label="月份", widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"), input_formats=["%Y-%m"]
    )
    file = forms.FileField(label="值班表（.xlsx）")


class HandoverForm(forms.Form):
    note = forms.CharField(label="交接事项", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class SwapForm(forms.Form):
    first = forms.ModelChoiceField(label="换出", queryset=DutyAssignment.objects.none())
    second = forms.ModelChoiceField(label="换入", queryset=DutyAssignment.objects.none())
    reason = forms.CharField(label="原因", max_length=200, required=False)

    def __init__(self, *args, assignments=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first", "second"):
            self.fields[name].queryset = assignments if assignments is not None else DutyAssignment.objects.none()
            self.fields[name].label_from_instance = _assignment_label


def _assignment_label(assignment: DutyAssignment) -> str:
    start = timezone.localtime(assignment.shift.starts_at)
    name = assignment.user.get_full_name() or assignment.user.get_username()
    return f"{start:%m-%d} {assignment.shift.get_kind_display()} {name}"


# --- the keyword library (004 二(二)) and the emergency watch by topic (000 二.2) -------------------------------


class KeywordForm(forms.Form):
    phrase = forms.CharField(label="关键词/短语", max_length=keyword_library.PHRASE_MAX)
    topic = forms.ModelChoiceField(
        label="风险点", queryset=keyword_library.RiskTopic._default_manager.none(), required=False, empty_label="不选"
    )
    unit = forms.ModelChoiceField(label="属事单位", queryset=Unit.objects.none(), required=False, empty_label="不选")
    raise_to = forms.ChoiceField(
        label="建议等级提升至", required=False, choices=[("", "不提升")] + list(keyword_library.GRADES.items())
    )
    note = forms.CharField(label="说明（可不填）", max_length=keyword_library.NOTE_MAX, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = keyword_library.active_topics()
        self.fields["unit"].queryset = keyword_library.active_units()

    def data_for_service(self) -> keyword_library.KeywordData:
        data = self.cleaned_data
        return keyword_library.KeywordData(
            data["phrase"], data["topic"], data["unit"], data.get("raise_to") or "", data.get("note") or ""
        )


class KeywordImportForm(forms.Form):
    file = forms.FileField(label="关键词表（.xlsx）")


class WatchForm(forms.Form):
    title = forms.CharField(label="事件名称", max_length=100)
    topic = forms.ModelChoiceField(
        label="风险点（监测其关键词库中的关键词）",
        queryset=keyword_library.RiskTopic._default_manager.none(),
        required=False,
        empty_label="不按风险点",
    )
    keywords = forms.CharField(label="另加关键词（逗号分隔，可不填）", max_length=500, required=False)
    interval = forms.IntegerField(
        label="巡查间隔（分钟）", initial=30, min_value=emergency.MIN_INTERVAL, max_value=emergency.MAX_INTERVAL
    )
    starts_at = forms.DateTimeField(label="开始时间（留空为立即）", widget=DateTimeInput(), required=False)
    ends_at = forms.DateTimeField(label="结束时间", widget=DateTimeInput())
    reason = forms.CharField(label="启动原因", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = keyword_library.active_topics()
        if not self.is_bound:
            self.initial.setdefault("ends_at", timezone.localtime() + datetime.timedelta(hours=24))
