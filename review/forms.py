from django import forms

from core.forms import DateInput
from review.models import Verdict


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label="复核结论", choices=[("", "请选择")] + list(Verdict.choices))
    note = forms.CharField(label="复核说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LogFilterForm(forms.Form):
    unit: forms.ModelChoiceField = forms.ModelChoiceField(label="单位", queryset=None, empty_label=None)
    start = forms.DateField(label="起始日期", required=False, widget=DateInput())
    end = forms.DateField(label="截止日期", required=False, widget=DateInput())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("起始日期不能晚于截止日期。")
        return data
