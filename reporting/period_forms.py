"""The period / unit / grade selection shared by the ledger download and the assessment page."""

import datetime

from django import forms
from django.utils import timezone

from incidents.models import Grade

MAX_DAYS = 3 * 366  # a ledger of three years is already a large file
EARLIEST_DAY, LATEST_DAY = datetime.date(1990, 1, 1), datetime.date(2199, 12, 31)


def day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class PeriodForm(forms.Form):
    start = forms.DateField(label="起始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="截止日期（含）", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        # Outside these years a date is a typo, and the period's bounds would overflow (year 9999 + 1 day).
        if any(day and not (EARLIEST_DAY <= day <= LATEST_DAY) for day in (start, end)):
            raise forms.ValidationError("日期超出允许范围（1990—2200 年）。")
        if start and end:
            if end < start:
                raise forms.ValidationError("截止日期不能早于起始日期。")
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError("统计期间最长三年，请缩短期间。")
        return data

    @property
    def period(self):
        """[start 00:00, the day after end 00:00) in Asia/Shanghai."""
        data = self.cleaned_data
        return day_start(data["start"]), day_start(data["end"] + datetime.timedelta(days=1))


class LedgerForm(PeriodForm):
    # Not a ChoiceField: another unit's id must answer 404 like everywhere, not a form error (the view checks).
    unit = forms.IntegerField(label="单位", required=False, widget=forms.Select)
    grade = forms.ChoiceField(label="等级", required=False, choices=[("", "全部"), *Grade.choices, ("none", "待研判")])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].widget.choices = [("", "全部（可见范围内）"), *[(u.pk, u.name) for u in units]]
