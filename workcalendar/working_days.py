"""Working-day arithmetic: the only place that knows the calendar.

- 'm', 'h' and 'd' run around the clock, holidays included ("3天" are calendar days, docs/rules.md §3.3).
- 'wd': N working days are counted strictly after the start's local date (the start day never counts,
  whatever the hour), and the deadline is the end of working hours of the Nth working day.
- 'wh': working hours walk forward through the working periods of working days; a start outside working
  time begins at the next period.
- A day in a year without a confirmed holiday arrangement is judged by weekends only, and any result
  that relied on such a day says so (Due.confirmed is False): never a silent guess.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

from workcalendar.models import CalendarDay, CalendarYear, WorkSettings

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 3660
UNITS = {"m": "分钟", "h": "小时", "d": "自然日", "wd": "工作日", "wh": "工作小时"}
_SPEC = re.compile(r"^\s*(\d+)\s*(wd|wh|m|h|d)\s*$")


@dataclass(frozen=True)
class Due:
    at: datetime
    confirmed: bool


def parse_duration(spec: str | None) -> tuple[int, str]:
    match = _SPEC.match(spec or "")
    if not match:
        raise ValueError(f"时限格式无效：“{spec}”。请写成如 30m、2h、3d、5wd、4wh。")
    return int(match.group(1)), match.group(2)


def validate_duration(spec: str | None) -> None:
    try:
        parse_duration(spec)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def validate_duration_list(spec: str | None) -> None:
    for item in (spec or "").split(","):
        if item.strip():
            validate_duration(item.strip())


class WorkCalendar:
    def __init__(
        self,
        *,
        holidays: Iterable[date],
        workdays: Iterable[date],
        confirmed_years: Iterable[int],
        periods: Iterable[tuple[time, time]],
        tz: ZoneInfo = SHANGHAI,
    ) -> None:
        if not periods:
            raise ValueError("至少需要一个工作时段")
        self.holidays = set(holidays)
        self.workdays = set(workdays)
        self.confirmed_years = set(confirmed_years)
        self.periods = sorted(periods)
        self.tz = tz

    @classmethod
    def load(cls) -> "WorkCalendar":
        holidays: set[date] = set()
        workdays: set[date] = set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        confirmed = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
        return cls(
            holidays=holidays, workdays=workdays, confirmed_years=confirmed, periods=WorkSettings.current().periods
        )

    # --- days ---------------------------------------------------------------------------------

    def is_confirmed(self, d: date) -> bool:
        return d.year in self.confirmed_years

    def is_working_day(self, d: date) -> bool:
        if self.is_confirmed(d):
            if d in self.holidays:
                return False
            if d in self.workdays:
                return True
        return d.weekday() < 5

    def _local(self, instant: datetime) -> datetime:
        if instant.tzinfo is None:
            raise ValueError("需要带时区的时间")
        return instant.astimezone(self.tz)

    def _at(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz)

    @property
    def day_end(self) -> time:
        return self.periods[-1][1]

    def is_working_time(self, instant: datetime) -> bool:
        local = self._local(instant)
        if not self.is_working_day(local.date()):
            return False
        return any(start <= local.time() < end for start, end in self.periods)

    # --- arithmetic -----------------------------------------------------------------------------

    def add(self, start: datetime, spec: str) -> Due:
        amount, unit = parse_duration(spec)
        if unit == "m":
            return Due(start + timedelta(minutes=amount), True)
        if unit == "h":
            return Due(start + timedelta(hours=amount), True)
        if unit == "d":
            return Due(start + timedelta(days=amount), True)
        if unit == "wd":
            return self.add_working_days(start, amount)
        return self.add_working_hours(start, amount)

    def subtract(self, instant: datetime, spec: str) -> Due:
        amount, unit = parse_duration(spec)
        if unit in ("m", "h", "d"):
            delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
            return Due(instant - delta, True)
        if unit == "wd":
            return self._subtract_working_days(instant, amount)
        return self._walk_hours(instant, -amount)

    def add_working_days(self, start: datetime, n: int) -> Due:
        local = self._local(start)
        day, confirmed = local.date(), True
        if n == 0:
            confirmed = self.is_confirmed(day)
            if self.is_working_day(day) and local.time() < self.day_end:
                return Due(self._at(day, self.day_end), confirmed)
            n = 1
        counted = 0
        for _ in range(MAX_DAYS):
            day += timedelta(days=1)
            confirmed &= self.is_confirmed(day)
            if self.is_working_day(day):
                counted += 1
                if counted == n:
                    return Due(self._at(day, self.day_end), confirmed)
        raise ValueError("工作日计算超出范围")

    def _subtract_working_days(self, instant: datetime, n: int) -> Due:
        local = self._local(instant)
        day, confirmed, counted = local.date(), True, 0
        for _ in range(MAX_DAYS):
            if counted == n:
                return Due(self._at(day, local.time()), confirmed)
            day -= timedelta(days=1)
            confirmed &= self.is_confirmed(day)
            if self.is_working_day(day):
                counted += 1
        raise ValueError("工作日计算超出范围")

    def add_working_hours(self, start: datetime, hours: int) -> Due:
        return self._walk_hours(start, hours)

    def _walk_hours(self, instant: datetime, hours: int) -> Due:
        """Walk `hours` of working time forward (positive) or backward (negative) from `instant`."""
        remaining = timedelta(hours=abs(hours))
        forward = hours >= 0
        local = self._local(instant)
        day, confirmed = local.date(), True
        for _ in range(MAX_DAYS):
            confirmed &= self.is_confirmed(day)
            if self.is_working_day(day):
                periods = self.periods if forward else list(reversed(self.periods))
                for p_start, p_end in periods:
                    begin, end = self._at(day, p_start), self._at(day, p_end)
                    if forward:
                        begin = max(begin, local)
                        if begin >= end:
                            continue
                        if begin + remaining <= end:
                            return Due(begin + remaining, confirmed)
                        remaining -= end - begin
                    else:
                        end = min(end, local)
                        if end <= begin:
                            continue
                        if end - remaining >= begin:
                            return Due(end - remaining, confirmed)
                        remaining -= end - begin
            day += timedelta(days=1 if forward else -1)
            local = self._at(day, time.min) if forward else self._at(day, time.max)
        raise ValueError("工作时间计算超出范围")

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Working time from a to b in seconds (negative when b is before a): for countdowns."""
        if b < a:
            return -self.working_seconds_between(b, a)
        start, end = self._local(a), self._local(b)
        total = timedelta()
        day = start.date()
        for _ in range(MAX_DAYS + 1):
            if day > end.date():
                break
            if self.is_working_day(day):
                for p_start, p_end in self.periods:
                    lo, hi = max(self._at(day, p_start), start), min(self._at(day, p_end), end)
                    if hi > lo:
                        total += hi - lo
            day += timedelta(days=1)
        return int(total.total_seconds())
