"""Warnings for admins while the holiday arrangement of a year in use is not configured."""

from dataclasses import dataclass

from django.utils import timezone

from deadlines.models import Deadline
from deadlines.selectors import county_deadlines
from workcalendar.models import CalendarYear

STEPS = (
    "请系统管理员打开顶部导航的“工作日历”，在“年度”表中点“{year} 年”，按国务院办公厅的放假通知逐日录入放假日和调休上班日"
    "（或点“从 chinesecalendar 同步”，该软件包已收录 {year} 年时），核对后点“确认 {year} 年安排”。"
)


@dataclass(frozen=True)
class CalendarWarning:
    """One banner line; `year` is the year the admin's link opens on the calendar page (None: no link)."""

    text: str
    year: int | None = None

    def __str__(self):
        return self.text


def _unconfirmed_year(year: int, today) -> CalendarWarning:
    if year == today.year:
        text = (
            f"{year} 年节假日安排尚未确认：本年按“工作日”计算的时限现只跳过周末，不跳过法定节假日。"
            f"请立即处理：{STEPS.format(year=year)}"
        )
    else:
        text = (
            f"{year} 年节假日安排尚未确认：跨入 {year} 年的“工作日”时限现只跳过周末，不跳过法定节假日。"
            f"国务院办公厅公布 {year} 年放假安排后，最迟在 {today.year} 年 12 月 31 日前："
            f"{STEPS.format(year=year)}"
        )
    return CalendarWarning(text, year)


def calendar_warnings(today=None):
    today = today or timezone.localdate()
    confirmed = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    warnings = []
    for year in (today.year, today.year + 1):
        if year not in confirmed and (year == today.year or today.month >= 11):
            warnings.append(_unconfirmed_year(year, today))
    unconfirmed = county_deadlines().filter(calendar_confirmed=False, state=Deadline.State.PENDING).count()
    if unconfirmed:
        warnings.append(
            CalendarWarning(
                f"有 {unconfirmed} 个未到期时限按未确认的节假日计算（只跳过周末）：确认日历后请逐一核对这些时限的到期时间。"
            )
        )
    return warnings
