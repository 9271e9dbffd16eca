"""Working-day arithmetic against real State Council arrangements (seeded from chinesecalendar)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from workcalendar.holidays import sync_from_package
from workcalendar.models import CalendarDay, CalendarYear
from workcalendar.working_days import WorkCalendar, parse_duration

SH = ZoneInfo("Asia/Shanghai")
PERIODS = [(time(8, 30), time(12, 0)), (time(14, 30), time(17, 30))]


def at(*args):
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def cal(db):
    return WorkCalendar.load()


def test_seeded_arrangements_are_in_the_database(db):
    assert CalendarDay.objects.get(date=date(2025, 10, 1)).kind == "holiday"
    assert CalendarDay.objects.get(date=date(2025, 10, 11)).kind == "workday"  # 调休 Saturday
    assert CalendarYear.objects.get(year=2026).confirmed
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_national_day_2025_and_its_make_up_saturday(cal):
    assert not cal.is_working_day(date(2025, 10, 8))
    assert cal.is_working_day(date(2025, 9, 28))  # Sunday worked
    assert cal.is_working_day(date(2025, 10, 11))  # Saturday worked
    # Claimed Tue 9-30 15:00: Sun 9-28 is behind; next working days Thu 10-9, Fri 10-10, Sat 10-11.
    assert cal.add(at(2025, 9, 30, 15, 0), "3wd").at == at(2025, 10, 11, 17, 30)


def test_spring_festival_2026(cal):
    # 2026 春节: Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked.
    assert cal.is_working_day(date(2026, 2, 14)) and not cal.is_working_day(date(2026, 2, 16))
    assert cal.add(at(2026, 2, 13, 10, 0), "1wd").at == at(2026, 2, 14, 17, 30)
    assert cal.add(at(2026, 2, 14, 10, 0), "1wd").at == at(2026, 2, 24, 17, 30)
    assert cal.add(at(2026, 2, 14, 10, 0), "5wd").at == at(2026, 2, 28, 17, 30)


def test_across_the_year_end(cal):
    # Jan 1 2026 (Thu) off, Fri Jan 2 off, Sun Jan 4 worked.
    assert cal.add(at(2025, 12, 31, 9, 0), "1wd").at == at(2026, 1, 4, 17, 30)
    assert cal.add(at(2025, 12, 31, 9, 0), "2wd").at == at(2026, 1, 5, 17, 30)


def test_dispatched_on_a_holiday_friday_evening_and_after_hours(cal):
    assert cal.add(at(2025, 10, 3, 11, 0), "1wd").at == at(2025, 10, 9, 17, 30)  # on a holiday
    assert cal.add(at(2026, 11, 20, 20, 0), "1wd").at == at(2026, 11, 23, 17, 30)  # Friday evening
    assert cal.add(at(2026, 11, 23, 18, 0), "1wd").at == at(2026, 11, 24, 17, 30)  # after hours
    assert cal.add(at(2026, 11, 20, 20, 0), "2wh").at == at(2026, 11, 23, 10, 30)
    assert cal.add(at(2026, 11, 23, 11, 0), "2wh").at == at(2026, 11, 23, 15, 30)  # across lunch
    assert cal.add(at(2026, 11, 20, 16, 30), "2wh").at == at(2026, 11, 23, 9, 30)  # across the weekend


def test_calendar_units_run_round_the_clock(cal):
    assert cal.add(at(2025, 9, 30, 20, 0), "3d").at == at(2025, 10, 3, 20, 0)
    assert cal.add(at(2025, 10, 1, 23, 30), "2h").at == at(2025, 10, 2, 1, 30)


def test_subtract_for_reminders(cal):
    assert cal.subtract(at(2025, 10, 9, 17, 30), "1wd").at == at(2025, 9, 30, 17, 30)
    assert cal.subtract(at(2026, 11, 23, 9, 30), "2wh").at == at(2026, 11, 20, 16, 30)
    assert cal.subtract(at(2026, 11, 23, 12, 0), "30m").at == at(2026, 11, 23, 11, 30)


def test_working_seconds_between(cal):
    assert cal.working_seconds_between(at(2026, 11, 20, 16, 30), at(2026, 11, 23, 9, 30)) == 2 * 3600
    assert cal.working_seconds_between(at(2026, 11, 23, 9, 30), at(2026, 11, 20, 16, 30)) == -2 * 3600
    assert cal.working_seconds_between(at(2025, 10, 1, 0, 0), at(2025, 10, 8, 23, 0)) == 0  # the whole holiday
    assert cal.is_working_time(at(2026, 11, 23, 9, 0)) and not cal.is_working_time(at(2026, 11, 23, 13, 0))


def test_unconfirmed_year_counts_weekends_only_and_says_so(cal):
    due = cal.add(at(2027, 1, 1, 10, 0), "1wd")  # New Year 2027 is unknown: no guess
    assert due.at == at(2027, 1, 4, 17, 30) and due.confirmed is False
    crossing = cal.add(at(2026, 12, 30, 10, 0), "3wd")
    assert crossing.at == at(2027, 1, 4, 17, 30) and crossing.confirmed is False
    assert cal.add(at(2026, 11, 23, 10, 0), "3wd").confirmed is True
    assert cal.add(at(2027, 1, 1, 10, 0), "2h").confirmed is True


def test_a_configured_year_is_used_once_confirmed(db):
    CalendarYear.objects.create(year=2027, confirmed=True, source="admin")
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    assert WorkCalendar.load().add(at(2026, 12, 31, 10, 0), "1wd").at == at(2027, 1, 4, 17, 30)


@pytest.mark.parametrize("spec", ["", "2", "h2", "1.5h", "3 weeks", "-1d"])
def test_bad_durations_are_refused_in_chinese(spec):
    with pytest.raises(ValueError, match="时限格式无效"):
        parse_duration(spec)


def test_sync_is_idempotent_and_keeps_admin_corrections(db):
    CalendarDay.objects.filter(date=date(2025, 10, 8)).update(kind="workday", name="管理员更正")
    assert sync_from_package()["days"] == 0
    assert CalendarDay.objects.get(date=date(2025, 10, 8)).name == "管理员更正"
    CalendarDay.objects.filter(date=date(2026, 10, 1)).delete()
    assert sync_from_package()["days"] == 1


def test_pure_calendar_without_database():
    cal = WorkCalendar(holidays={date(2030, 1, 1)}, workdays=set(), confirmed_years={2030}, periods=PERIODS)
    assert cal.add(at(2029, 12, 31, 10, 0), "1wd").at == at(2030, 1, 2, 17, 30)
    with pytest.raises(ValueError):
        WorkCalendar(holidays=set(), workdays=set(), confirmed_years=set(), periods=[])
