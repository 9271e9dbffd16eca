"""Warnings for admins while the holiday arrangement of a year in use is not configured."""

from django.utils import timezone

from deadlines.models import Deadline
from deadlines.selectors import county_deadlines
from workcalendar.models import CalendarYear


def calendar_warnings(today=None):
    today = today or timezone.localdate()
    confirmed = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    warnings = []
    for year in (today.year, today.year + 1):
        if year not in confirmed and (year == today.year or today.month >= 11):
            warnings.append(
                f"{year} 年节假日安排尚未确认：涉及该年的工作日时限仅按周末计算，请系统管理员在“工作日历”页面录入并确认。"
            )
    unconfirmed = county_deadlines().filter(calendar_confirmed=False, state=Deadline.State.PENDING).count()
    if unconfirmed:
        warnings.append(f"有 {unconfirmed} 个未到期时限按未确认的节假日计算，确认日历后请核对。")
    return warnings
