"""Reads behind the admin settings pages: policies grouped by kind, the calendar's years and days."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db.models import Count, Model, Q
from django.db.models.functions import ExtractYear

from deadlines import policy_text
from deadlines.models import DeadlineKind, DeadlinePolicy
from workcalendar.holidays import chinese_name
from workcalendar.models import CalendarDay, CalendarYear

WEEKDAYS = "一二三四五六日"

M = TypeVar("M", bound=Model)


def _shown_with(obj: M, **words: object) -> M:
    """`obj` with the display attributes its page reads beside the model's fields (words, counts, labels),
    set by name: the model declares no such attribute."""
    for name, value in words.items():
        setattr(obj, name, value)
    return obj


def policies_by_kind() -> list[tuple[str, list[DeadlinePolicy]]]:
    """[(kind label, [policy with its words])] in the order of DeadlineKind, most general policy first."""
    groups: dict[str, list[DeadlinePolicy]] = {kind: [] for kind in DeadlineKind.values}
    for policy in DeadlinePolicy.objects.order_by("kind", "grade", "case_type", "pk"):
        _shown_with(
            policy,
            applies_to=policy_text.applies_to_words(policy),
            limit=policy_text.limit_words(policy),
            reminders=policy_text.reminder_words(policy),
            escalation=policy_text.escalation_words(policy),
            channel_labels=policy_text.channel_words(policy.channels),
        )
        groups.setdefault(policy.kind, []).append(policy)
    return [(DeadlineKind(kind).label, rows) for kind, rows in groups.items() if rows]


def calendar_years(today: datetime.date) -> list[CalendarYear]:
    """Every year known to the calendar, plus this year and next, newest first, with day counts."""
    counts = {
        row["y"]: row
        for row in CalendarDay.objects.annotate(y=ExtractYear("date"))
        .values("y")
        .annotate(
            holidays=Count("pk", filter=Q(kind=CalendarDay.Kind.HOLIDAY)),
            workdays=Count("pk", filter=Q(kind=CalendarDay.Kind.WORKDAY)),
        )
    }
    rows = {row.year: row for row in CalendarYear.objects.all()}
    years = sorted(set(rows) | set(counts) | {today.year, today.year + 1}, reverse=True)
    result = []
    for year in years:
        row = rows.get(year) or CalendarYear(year=year, confirmed=False)
        count: Mapping[str, Any] = counts.get(year, {})
        _shown_with(
            row,
            holiday_count=count.get("holidays", 0),
            workday_count=count.get("workdays", 0),
            in_use=year in (today.year, today.year + 1),
        )
        result.append(row)
    return result


def days_of_year(year: int) -> list[CalendarDay]:
    days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    for day in days:
        _shown_with(day, weekday_label=f"周{WEEKDAYS[day.date.weekday()]}")
        day.name = chinese_name(day.name)
    return days


def is_confirmed(year: int) -> bool:
    return CalendarYear.objects.filter(year=year, confirmed=True).exists()


def default_year(today: datetime.date) -> int:
    """The year an admin most likely has to look at: next year once it is November and unconfirmed."""
    if today.month >= 11 and not is_confirmed(today.year + 1):
        return today.year + 1
    return today.year


def _ranges(dates: Iterable[datetime.date]) -> str:
    """Consecutive dates as 'MM月DD日–MM月DD日' spans (weekends in between bridge a span)."""
    spans: list[list[datetime.date]] = []
    for day in dates:
        if (
            spans
            and (day - spans[-1][1]).days <= 3
            and all(
                (spans[-1][1] + datetime.timedelta(days=i)).weekday() >= 5 for i in range(1, (day - spans[-1][1]).days)
            )
        ):
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return "、".join(
        f"{a.month}月{a.day}日" if a == b else f"{a.month}月{a.day}日–{b.month}月{b.day}日" for a, b in spans
    )


def arrangement_of_year(days: Iterable[CalendarDay]) -> list[dict[str, Any]]:
    """The year's days grouped by festival name: [{name, off: '…', work: '…', off_count}]."""
    groups: dict[str, dict[str, list[datetime.date]]] = {}
    for day in days:
        # Rows synced before names were stored in Chinese still say "Spring Festival".
        group = groups.setdefault(chinese_name(day.name) or "（未命名）", {"off": [], "work": []})
        group["off" if day.kind == CalendarDay.Kind.HOLIDAY else "work"].append(day.date)
    return [
        {
            "name": name,
            "off": _ranges(g["off"]),
            "off_count": len(g["off"]),
            "work": "、".join(f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）" for d in g["work"]),
        }
        for name, g in groups.items()
    ]
