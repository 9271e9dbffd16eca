"""The patrol schedule: which patrol slots fall due in a period, from the policy and the working-day calendar. A pure
function of its inputs (no database), so the rules can be checked slot by slot against a real week.

002 第六条: on working days, during office hours (上班时间, WorkSettings' periods), a patrol every hour; every evening
until 24:00 and on holidays (节假日: weekends and statutory holidays, 调休 working days count as working days,
docs/rules.md §3.3), every 2 hours. 002 第五条: at least one patrol in the morning, the afternoon and the evening
(三个浏览时间节点), the floor when a longer interval leaves a part of the day without one. Overnight (0:00 until
office hours) 002 sets nothing; 004 三(一)'s 24-hour duty may be configured (PatrolPolicy.overnight_interval).

Each slot is a window [starts_at, due_at): the patrol for it is recorded within the window; a window ends at the
next slot's start or at the end of its block (12:00, 24:00 …)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from workcalendar.working_days import WorkCalendar

# The three parts of the day of 002 第五条 (上午、下午、晚上), as a product reading: noon and 18:00 divide them.
NOON, EVENING_FROM = time(12, 0), time(18, 0)


@dataclass(frozen=True)
class PatrolRules:
    """What the schedule needs of PatrolPolicy, in minutes and times."""

    working_interval: int = 60
    evening_interval: int = 120
    holiday_interval: int = 120
    overnight_interval: int | None = None
    morning_round: time = time(9, 0)
    afternoon_round: time = time(15, 0)
    evening_round: time = time(20, 0)

    @classmethod
    def of(cls, policy) -> "PatrolRules":
        return cls(
            working_interval=policy.working_interval,
            evening_interval=policy.evening_interval,
            holiday_interval=policy.holiday_interval,
            overnight_interval=policy.overnight_interval,
            morning_round=policy.morning_round,
            afternoon_round=policy.afternoon_round,
            evening_round=policy.evening_round,
        )


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    due_at: datetime
    kind: str  # PatrolSlot.Kind values: office, evening, holiday, overnight, round


def _blocks(rules: PatrolRules, calendar: WorkCalendar, day: date) -> list[tuple[datetime, datetime, int, str]]:
    def at(t: time) -> datetime:
        return datetime.combine(day, t, tzinfo=calendar.tz)

    midnight = at(time.min)
    next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=calendar.tz)
    day_start, day_end = calendar.periods[0][0], calendar.periods[-1][1]
    blocks: list[tuple[datetime, datetime, int, str]] = []
    if rules.overnight_interval:
        blocks.append((midnight, at(day_start), rules.overnight_interval, "overnight"))
    if calendar.is_working_day(day):
        blocks += [(at(start), at(end), rules.working_interval, "office") for start, end in calendar.periods]
        blocks.append((at(day_end), next_midnight, rules.evening_interval, "evening"))
    else:
        blocks.append((at(day_start), next_midnight, rules.holiday_interval, "holiday"))
    return blocks


def slots_for_day(rules: PatrolRules, calendar: WorkCalendar, day: date) -> list[Slot]:
    """The slots of one local calendar day, in time order."""
    slots: list[Slot] = []
    for begin, end, minutes, kind in _blocks(rules, calendar, day):
        step = timedelta(minutes=max(minutes, 1))
        at = begin
        while at < end:
            slots.append(Slot(at, min(at + step, end), kind))
            at += step
    # The floor of 002 第五条: a part of the day with no slot gets one at its round time.
    tz = calendar.tz
    parts = [
        (time.min, NOON, rules.morning_round),
        (NOON, EVENING_FROM, rules.afternoon_round),
        (EVENING_FROM, None, rules.evening_round),
    ]
    for part_start, part_end, round_time in parts:
        lo = datetime.combine(day, part_start, tzinfo=tz)
        hi = (
            datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
            if part_end is None
            else lo.replace(hour=part_end.hour, minute=part_end.minute)
        )
        if not any(lo <= s.starts_at < hi for s in slots):
            slots.append(Slot(datetime.combine(day, round_time, tzinfo=tz), hi, "round"))
    return sorted(slots, key=lambda s: s.starts_at)


def due_slots(rules: PatrolRules, calendar: WorkCalendar, start: datetime, end: datetime) -> list[Slot]:
    """Every slot starting in [start, end), over as many days as the period touches."""
    day = start.astimezone(calendar.tz).date()
    last = end.astimezone(calendar.tz).date()
    found: list[Slot] = []
    while day <= last:
        found += [s for s in slots_for_day(rules, calendar, day) if start <= s.starts_at < end]
        day += timedelta(days=1)
    return found
