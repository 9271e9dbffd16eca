from __future__ import annotations

from django import forms

from core.forms import DateTimeInput
from incidents.models import Incident
from reporting import documents


class ReportEditForm(forms.Form):
    """One textarea per section of the report, labelled with the section heading."""

    def __init__(self, *args, report, **kwargs):
        super().__init__(*args, **kwargs)
        for part in report.content.get("sections", []):
            self.fields[part["key"]] = forms.CharField(
                label=part["heading"],
                required=False,
                initial=part.get("text", ""),
                widget=forms.Textarea(attrs={"rows": 6 if part["key"] in ("notable", "facts") else 3}),
            )

    def texts(self):
        return dict(self.cleaned_data)


# GB/T 9704-2012 7.2.3: a 公文 marked 特急 or 加急 carries it at the top left of its 版头.
URGENCY_CHOICES = [("", "不标注"), *((urgency, urgency) for urgency in documents.URGENCIES)]
URGENCY_HELP = "印在公文版头左上角（GB/T 9704-2012 7.2.3）"


class SupervisionForm(forms.Form):
    reason = forms.CharField(
        label="督办原因",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="如：逾期未认领/未反馈、反馈内容不实、处置不力等",
    )
    due_at = forms.DateTimeField(label="办理时限", widget=DateTimeInput())
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCY_CHOICES, required=False, help_text=URGENCY_HELP)


class RiskNoticeForm(forms.Form):
    requirements = forms.CharField(label="工作要求（可选）", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_at = forms.DateTimeField(label="反馈时限（可选）", required=False, widget=DateTimeInput())
    urgency = forms.ChoiceField(label="紧急程度", choices=URGENCY_CHOICES, required=False, help_text=URGENCY_HELP)


class RecallForm(forms.Form):
    reason = forms.CharField(
        label="撤回原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="报送对象将收到撤回通知和此原因",
        error_messages={"required": "请填写撤回原因。"},
    )


class DailySubmissionForm(forms.Form):
    unit = forms.TypedChoiceField(label="报送单位", coerce=int)
    content = forms.CharField(
        label="报送内容",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="每行一条“标题+链接地址”，如：某校食堂问题 https://weibo.com/…；当天无舆情请填“无”。",
    )
    incidents: forms.ModelMultipleChoiceField[Incident] = forms.ModelMultipleChoiceField(
        label="关联已报送的舆情（可选）", required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units, incidents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["incidents"].queryset = incidents
