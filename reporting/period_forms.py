"""The period / unit / grade selection shared by the ledger download and the assessment page."""

import datetime

from django import forms
from django.utils import timezone

from core.forms import DateInput
from incidents.models import Grade

MAX_DAYS = 3 * 366  # a ledger of three years is already a large file
EARLIEST_DAY, LATEST_DAY = datetime.date(1990, 1, 1), datetime.date(2199, 12, 31)


def day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class PeriodForm(forms.Form):
    start = forms.DateField(label="起始日期", widget=DateInput())
    end = forms.DateField(label="截止日期（含）", widget=DateInput())

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


ON_DEMAND_KINDS = [("weekly", "舆情周报"), ("monthly", "舆情月报"), ("quarterly", "季度通报")]


class PeriodicReportForm(forms.Form):
    """A 周报/月报/季度通报 asked for on demand: its kind and a day of its period; the period is the whole week
    (Monday–Sunday), month or quarter containing that day in Asia/Shanghai, as the beat job cuts them."""

    kind = forms.ChoiceField(label="报告类型", choices=ON_DEMAND_KINDS, error_messages={"required": "请选择报告类型。"})
    start = forms.DateField(
        label="统计期间起始日期",
        widget=DateInput(),
        help_text="可选期间内任意一天，按所在整周（周一至周日）、整月或整季统计",
        error_messages={"required": "请填写起始日期。", "invalid": "日期格式无效。"},
    )
    regenerate = forms.BooleanField(
        label="该期间已有报告时重新生成（草稿生成新版本，已签发的不能重新生成）", required=False
    )

    def clean(self):
        data = super().clean()
        start = data.get("start")
        if start is None:
            return data
        if not (EARLIEST_DAY <= start <= LATEST_DAY):
            self.add_error("start", "日期超出允许范围（1990—2200 年）。")
        elif start > timezone.localdate():
            self.add_error("start", "起始日期不能晚于今天：未来的期间还没有数据。")
        return data
