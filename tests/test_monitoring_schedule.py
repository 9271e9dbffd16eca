"""The patrol schedule of 002 第五条、第六条 on a real week: the 2026 National Day holiday (10月1日–7日), two working
days, the 调休 working Saturday 10月10日 and the Sunday after it. Slots expected by hand from the rules: office hours
08:30–12:00 and 14:30–17:30 (WorkSettings' default) every hour, evenings from 17:30 until 24:00 every 2 hours,
holidays (weekends and statutory holidays) from 08:30 until 24:00 every 2 hours; each slot due at the next one's
start or at the end of its block."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from monitoring.schedule import PatrolRules, due_slots, slots_for_day
from workcalendar.working_days import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
PERIODS = [(time(8, 30), time(12, 0)), (time(14, 30), time(17, 30))]
CALENDAR = WorkCalendar(
    holidays={date(2026, 10, d) for d in range(1, 8)},
    workdays={date(2026, 10, 10)},
    confirmed_years={2026},
    periods=PERIODS,
)
WORKING_DAY = [
    ("08:30", "09:30", "office"),
    ("09:30", "10:30", "office"),
    ("10:30", "11:30", "office"),
    ("11:30", "12:00", "office"),
    ("14:30", "15:30", "office"),
    ("15:30", "16:30", "office"),
    ("16:30", "17:30", "office"),
    ("17:30", "19:30", "evening"),
    ("19:30", "21:30", "evening"),
    ("21:30", "23:30", "evening"),
    ("23:30", "00:00", "evening"),
]
HOLIDAY = [
    ("08:30", "10:30", "holiday"),
    ("10:30", "12:30", "holiday"),
    ("12:30", "14:30", "holiday"),
    ("14:30", "16:30", "holiday"),
    ("16:30", "18:30", "holiday"),
    ("18:30", "20:30", "holiday"),
    ("20:30", "22:30", "holiday"),
    ("22:30", "00:00", "holiday"),
]


def _hm(slots):
    return [(f"{s.starts_at:%H:%M}", f"{s.due_at:%H:%M}", s.kind) for s in slots]


def test_a_working_day_is_patrolled_hourly_in_office_hours_and_every_two_hours_in_the_evening():
    slots = slots_for_day(PatrolRules(), CALENDAR, date(2026, 10, 8))  # Thursday after the holiday
    assert _hm(slots) == WORKING_DAY
    # The last evening slot ends at 24:00 (002 第六条 "24点前"), the next day's midnight.
    assert slots[-1].due_at == datetime(2026, 10, 9, 0, 0, tzinfo=SH)


def test_a_statutory_holiday_on_a_weekday_and_a_sunday_are_patrolled_every_two_hours():
    assert _hm(slots_for_day(PatrolRules(), CALENDAR, date(2026, 10, 7))) == HOLIDAY  # Wednesday, 国庆
    assert _hm(slots_for_day(PatrolRules(), CALENDAR, date(2026, 10, 11))) == HOLIDAY  # Sunday


def test_the_tiaoxiu_saturday_is_a_working_day():
    assert _hm(slots_for_day(PatrolRules(), CALENDAR, date(2026, 10, 10))) == WORKING_DAY


def test_the_week_in_one_period_counts_every_slot_once():
    start = datetime(2026, 10, 7, 0, 0, tzinfo=SH)
    end = datetime(2026, 10, 12, 0, 0, tzinfo=SH)
    slots = due_slots(PatrolRules(), CALENDAR, start, end)
    # 国庆 Wed 8, Thu 11, Fri 11, 调休 Sat 11, Sun 8.
    assert len(slots) == 8 + 11 + 11 + 11 + 8
    assert len({s.starts_at for s in slots}) == len(slots)
    # An evening period alone: from 18:00 on Friday, the evening slots from 19:30.
    evening = due_slots(
        PatrolRules(), CALENDAR, datetime(2026, 10, 9, 18, 0, tzinfo=SH), datetime(2026, 10, 10, 0, 0, tzinfo=SH)
    )
    assert _hm(evening) == WORKING_DAY[-3:]


def test_three_rounds_a_day_are_the_floor_when_an_interval_is_long():
    """002 第五条: morning, afternoon and evening. An 8-hour evening interval leaves 18:00–24:00 with no slot
    starting in it, so the evening round (20:00) is added; a 12-hour holiday interval leaves the afternoon empty."""
    rules = PatrolRules(evening_interval=480, holiday_interval=720)
    working = _hm(slots_for_day(rules, CALENDAR, date(2026, 10, 8)))
    assert working[-2:] == [("17:30", "00:00", "evening"), ("20:00", "00:00", "round")]
    holiday = _hm(slots_for_day(rules, CALENDAR, date(2026, 10, 11)))
    assert holiday == [("08:30", "20:30", "holiday"), ("15:00", "18:00", "round"), ("20:30", "00:00", "holiday")]


def test_overnight_patrols_only_when_configured():
    """002 covers evenings until 24:00 only; 004 三(一)'s 24-hour duty is the overnight setting."""
    assert _hm(slots_for_day(PatrolRules(), CALENDAR, date(2026, 10, 8)))[0][0] == "08:30"
    night = _hm(slots_for_day(PatrolRules(overnight_interval=180), CALENDAR, date(2026, 10, 8)))
    assert night[:3] == [
        ("00:00", "03:00", "overnight"),
        ("03:00", "06:00", "overnight"),
        ("06:00", "08:30", "overnight"),
    ]
