"""Seeding the working-day calendar from the maintained `chinesecalendar` package."""

from datetime import date
from importlib.metadata import version

import chinese_calendar
from django.utils import timezone

from workcalendar import models as calendar_models

SOURCE = f"chinesecalendar {version('chinesecalendar')}"


def chinese_name(name: str) -> str:
    """The package keys its days by English festival names; people here read 春节, not Spring Festival."""
    for holiday in chinese_calendar.Holiday:
        if holiday.value == name:
            return holiday.chinese
    return name


def package_days() -> tuple[dict[date, tuple[str, str]], range]:
    """{date: (kind, name)} for every exception the package knows, and the years it covers."""
    days: dict[date, tuple[str, str]] = {}
    for day, name in chinese_calendar.constants.holidays.items():
        if day.weekday() < 5:  # weekends are off anyway
            days[day] = ("holiday", chinese_name(str(getattr(name, "value", name)).split(",")[-1]))
    for day, name in chinese_calendar.constants.workdays.items():
        if day.weekday() >= 5:  # a weekday is worked anyway
            days[day] = ("workday", chinese_name(str(getattr(name, "value", name)).split(",")[-1]))
    all_dates = list(chinese_calendar.constants.holidays) + list(chinese_calendar.constants.workdays)
    years = range(min(all_dates).year, max(all_dates).year + 1)
    return days, years


def sync_from_package(
    CalendarDay: type[calendar_models.CalendarDay] | None = None,
    CalendarYear: type[calendar_models.CalendarYear] | None = None,
) -> dict[str, int | str]:
    """Insert the days and years the database lacks; never overwrite what an admin has edited."""
    # A migration passes its historical models; everyone else gets today's.
    CalendarDay = CalendarDay or calendar_models.CalendarDay
    CalendarYear = CalendarYear or calendar_models.CalendarYear
    days, years = package_days()
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    new_days = [CalendarDay(date=d, kind=k, name=n) for d, (k, n) in sorted(days.items()) if d not in existing]
    CalendarDay.objects.bulk_create(new_days)
    known_years = set(CalendarYear.objects.values_list("year", flat=True))
    new_years = [
        CalendarYear(year=y, confirmed=True, source=SOURCE, confirmed_at=timezone.now())
        for y in years
        if y not in known_years
    ]
    CalendarYear.objects.bulk_create(new_years)
    return {"days": len(new_days), "years": len(new_years), "covered": f"{years.start}–{years.stop - 1}"}
