"""The 领导批示 forms. The rules (who, when, what is valid) are the service's (incidents/services/instructions.py);
these carry the fields and their Chinese messages."""

from django import forms

from core.forms import DateTimeInput


class InstructionForm(forms.Form):
    text = forms.CharField(
        label="批示内容",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写批示内容。", "max_length": "批示内容不能超过 2000 字。"},
    )
    due_at = forms.DateTimeField(
        label="落实时限（可选）",
        required=False,
        widget=DateTimeInput(),
        error_messages={"invalid": "请填写正确的日期和时间。"},
        help_text="不填则按时限规则中的默认落实时限（000 三.2：原则上在3天内落实到位）。",
    )


class ProgressForm(forms.Form):
    progress = forms.CharField(
        label="落实情况",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写落实情况。", "max_length": "落实情况不能超过 2000 字。"},
    )
