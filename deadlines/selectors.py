"""Reads of the deadline engine: open deadlines with their countdowns, dispatch previews, timeliness."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db.models import Count, F, Model, Prefetch, Q, QuerySet
from django.utils import timezone

from deadlines.models import (
    Deadline,
    DeadlineKind,
    DeadlinePolicy,
    DeadlineQuerySet,
    ExtensionRequest,
    StartEvent,
)
from deadlines.policies import policies_for
from deadlines.scheduling import HANDLING_KINDS
from incidents.models import Incident, Ticket
from incidents.selectors import visible_incidents, visible_tickets
from org.access import AnyUser, access_for
from org.models import Unit
from workcalendar.working_days import WorkCalendar, parse_duration

# Kept for incidents/desk.py until it calls .open(); everything else asks the queryset (DeadlineQuerySet.open).
OPEN = Q(state__in=Deadline.OPEN_STATES, met_at__isnull=True)

# What with_countdowns / attach_countdowns are given back: the same list, page or queryset.
DeadlinesT = TypeVar("DeadlinesT", bound=Iterable[Deadline])
ModelsT = TypeVar("ModelsT", bound=Iterable[Model])

# A previewed deadline: unit, role, kind label, due time (None until the claim), calendar confirmed, the rule.
PreviewRow = tuple[Unit, str, str, datetime | None, bool, str]


def visible_deadlines(user: AnyUser) -> DeadlineQuerySet:
    """The office and county-wide leaders see every deadline, incident-level ones included; everyone else
    the deadlines of the tickets they see. Confidential incidents only for those cleared, as everywhere."""
    if access_for(user).sees_everything:
        return Deadline.objects.filter(incident__in=visible_incidents(user))
    return Deadline.objects.filter(ticket__in=visible_tickets(user))


def county_deadlines() -> DeadlineQuerySet:
    """Every deadline of an incident, for county-wide figures compiled with no reader (日报, 通报, 考核, 督报): counts
    and units only; see incidents.selectors.county_incidents() for how a confidential incident may be shown. The
    patrol slots' deadlines (no incident) are counted apart: county_patrol_deadlines()."""
    return Deadline.objects.filter(incident__isnull=False)


def county_patrol_deadlines() -> DeadlineQuerySet:
    """The patrol slots' deadlines (002 第五条、第六条), for 考核 and the compliance figures of monitoring/."""
    return Deadline.objects.filter(kind=DeadlineKind.PATROL, incident__isnull=True)


def visible_extension_requests(user: AnyUser) -> QuerySet[ExtensionRequest]:
    """Extension requests of the tickets the user sees (the same rule the decision services apply)."""
    return ExtensionRequest.objects.filter(ticket__in=visible_tickets(user))


@dataclass
class Countdown:
    """A deadline's countdown in words (issue 18: honest countdowns). `left` counts in the deadline's own time
    basis, working time for a limit in working days or hours ("剩余 4 个工作日 3 小时"), clock time otherwise
    ("剩余 1 小时 20 分钟"); past due it is "已超时 …" in clock time. `due` is the due instant, always shown."""

    left: str
    due: str
    css: str  # "breached" (red), "soon" (amber, within the reminder lead time), "ok"
    seconds: int  # clock seconds to the due time (negative when past), for the live countdown
    clock_based: bool = True  # False when `left` counts working time, which the browser cannot tick
    working: bool = False  # the deadline counts in working time

    @property
    def text(self) -> str:
        return f"{self.left}（{self.due}）"


WEEKDAYS = "一二三四五六日"
WORKING_UNITS = ("wd", "wh")


def due_words(due_at: datetime, now: datetime | None = None) -> str:
    """'截止 12月7日 周一 17:30' (the year too when it is not this year's)."""
    local = timezone.localtime(due_at)
    year = "" if local.year == timezone.localtime(now or timezone.now()).year else f"{local.year}年"
    return f"截止 {year}{local.month}月{local.day}日 周{WEEKDAYS[local.weekday()]} {local:%H:%M}"


def clock_words(seconds: float) -> str:
    """Clock time in words: '2 天 3 小时', '3 小时 20 分钟', '20 分钟' (no zero part shown)."""
    seconds = abs(int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {minutes} 分钟" if minutes else f"{hours} 小时"
    return f"{minutes} 分钟" if minutes else "不足 1 分钟"


def working_words(seconds: int, day_seconds: int) -> str:
    """Working time in words, a working day being the length of the configured working hours (WorkSettings):
    '4 个工作日 3 小时', or under one working day '工作时间 3 小时 20 分钟'. Never '1天11小时' for five working
    days, which is what counting 35 working hours as clock days printed."""
    days, rest = divmod(max(int(seconds), 0), max(day_seconds, 1))
    hours = rest // 3600
    if days:
        return f"{days} 个工作日 {hours} 小时" if hours else f"{days} 个工作日"
    return f"工作时间 {clock_words(rest)}"


def _working_day_seconds(calendar: WorkCalendar) -> int:
    anchor = datetime(2000, 1, 3)
    return sum(
        int((datetime.combine(anchor, end) - datetime.combine(anchor, start)).total_seconds())
        for start, end in calendar.periods
    )


def _basis_unit(deadline: Deadline, policy_units: dict[int, str]) -> str:
    """The duration unit the deadline counts in: its own rule's, or for an explicit due time (an approved
    extension, a limit given at dispatch) the unit of the policy it came from, so a deadline keeps counting in
    working days after an extension (issue 18); an explicit time without a policy counts in clock time."""
    spec = deadline.rule.get("duration") if isinstance(deadline.rule, dict) else ""
    if spec:
        try:
            return parse_duration(spec)[1]
        except ValueError:
            return ""
    return policy_units.get(deadline.policy_id or 0, "")


def countdown(
    deadline: Deadline, now: datetime, calendar: WorkCalendar, policy_units: dict[int, str] | None = None
) -> Countdown:
    """The one function that puts a deadline's remaining time in words, for every page (desk, tickets, the
    incident page; templates/desk/_countdown.html)."""
    clock = int((deadline.due_at - now).total_seconds())
    due = due_words(deadline.due_at, now)
    working = _basis_unit(deadline, policy_units or {}) in WORKING_UNITS
    if clock <= 0:
        return Countdown(f"已超时 {clock_words(-clock)}", due, "breached", clock, True, working)
    if working:
        words = working_words(calendar.working_seconds_between(now, deadline.due_at), _working_day_seconds(calendar))
        left = f"剩余{words}" if words.startswith("工作时间") else f"剩余 {words}"
    else:
        left = f"剩余 {clock_words(clock)}"
    leads = [s.strip() for s in (deadline.rule.get("reminder_leads") or "").split(",") if s.strip()]
    soon_from = min((calendar.subtract(deadline.due_at, lead).at for lead in leads), default=None)
    css = "soon" if soon_from is not None and now >= soon_from else "ok"
    return Countdown(left, due, css, clock, not working, working)


def _policy_units(deadlines: list[Deadline]) -> dict[int, str]:
    """{policy id: duration unit} for the deadlines whose rule carries no duration (explicit due times); one
    query, and only when such a deadline is shown."""
    ids = {d.policy_id for d in deadlines if d.policy_id and not (d.rule or {}).get("duration")}
    units: dict[int, str] = {}
    for pk, spec in DeadlinePolicy.objects.filter(pk__in=ids).values_list("pk", "duration") if ids else ():
        try:
            units[pk] = parse_duration(spec)[1]
        except ValueError:
            continue
    return units


def with_countdowns(
    deadlines: DeadlinesT, now: datetime | None = None, calendar: WorkCalendar | None = None
) -> DeadlinesT:
    now = now or timezone.now()
    calendar = calendar or WorkCalendar.load()
    listed = list(deadlines)
    policy_units = _policy_units(listed)
    for d in listed:
        # The templates read d.countdown: a display attribute set here, not a field of the model.
        d.countdown = countdown(d, now, calendar, policy_units)  # type: ignore[attr-defined]  # set for display
    return deadlines


def open_deadlines_prefetch(to_attr: str = "open_deadlines", lookup: str = "deadlines") -> Prefetch:
    """The open deadlines of prefetched incidents or tickets (`lookup` "incident__deadlines" for a ticket's
    incident), nearest first, as `to_attr`."""
    return Prefetch(lookup, queryset=Deadline.objects.open().order_by("due_at"), to_attr=to_attr)


def attach_countdowns(objects: ModelsT, attr: str = "open_deadlines", now: datetime | None = None) -> ModelsT:
    """Countdowns for prefetched open deadlines of tickets or incidents; one calendar load and at most one policy
    query in all."""
    listed = list(objects)
    with_countdowns([d for obj in listed for d in getattr(obj, attr, [])], now)
    for obj in listed:
        first = getattr(obj, attr)[0] if getattr(obj, attr, None) else None
        obj.next_deadline = first  # type: ignore[attr-defined]  # a display attribute for the templates, not a field
    return objects


def preview_dispatch(
    incident: Incident,
    assignments: Iterable[tuple[Unit, str]],
    due_at: datetime | None = None,
    at: datetime | None = None,
) -> list[PreviewRow]:
    """The deadlines a dispatch would create, computed but not saved, so the officer sees them first."""
    at = at or timezone.now()
    calendar = WorkCalendar.load()
    rows: list[PreviewRow] = []
    for unit, role in assignments:
        ticket = Ticket(incident=incident, unit=unit, role=role, due_at=due_at, dispatched_at=at)
        for kind, policy in policies_for(incident, ticket, [StartEvent.DISPATCH]).items():
            if kind == DeadlineKind.FEEDBACK and due_at:
                rows.append((unit, role, DeadlineKind(kind).label, due_at, True, "转办时指定"))
                continue
            due = calendar.add(at, policy.duration)
            rows.append((unit, role, DeadlineKind(kind).label, due.at, due.confirmed, policy.duration))
        for kind, policy in policies_for(incident, ticket, [StartEvent.CLAIM]).items():
            if kind in HANDLING_KINDS and due_at:  # the limit given at dispatch governs the report too (000 三.2)
                rows.append((unit, role, DeadlineKind(kind).label, due_at, True, "转办时指定"))
                continue
            rows.append((unit, role, DeadlineKind(kind).label, None, True, f"认领后 {policy.duration}"))
    return rows


def timeliness_by_unit(since: datetime, until: datetime, unit_ids: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """Per unit: deadlines due in the period, how many met on time, for claim and handling kinds."""
    # Only deadlines that are decided: met, or past due. A pending one is not yet late or on time.
    now = timezone.now()
    qs = (
        Deadline.objects.filter(due_at__gte=since, due_at__lt=until, unit__isnull=False, incident__isnull=False)
        .filter(Q(met_at__isnull=False) | Q(due_at__lte=now))
        .exclude(state__in=(Deadline.State.CANCELLED, Deadline.State.EXTENDED))
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    rows = (
        qs.values("unit_id", "unit__name")
        .annotate(
            claim_total=Count("pk", filter=Q(kind=DeadlineKind.CLAIM)),
            claim_on_time=Count("pk", filter=Q(kind=DeadlineKind.CLAIM, met_at__lte=F("due_at"))),
            handling_total=Count("pk", filter=Q(kind__in=(DeadlineKind.FEEDBACK, DeadlineKind.REPORT))),
            handling_on_time=Count(
                "pk", filter=Q(kind__in=(DeadlineKind.FEEDBACK, DeadlineKind.REPORT), met_at__lte=F("due_at"))
            ),
            breached=Count("pk", filter=Q(state=Deadline.State.BREACHED)),
        )
        .order_by("unit__name")
    )
    result: list[dict[str, Any]] = []
    for values in rows:
        r: dict[str, Any] = dict(values)
        r["claim_rate"] = round(100 * r["claim_on_time"] / r["claim_total"]) if r["claim_total"] else None
        r["handling_rate"] = round(100 * r["handling_on_time"] / r["handling_total"]) if r["handling_total"] else None
        result.append(r)
    result.sort(key=lambda r: (-(r["claim_rate"] or 0) - (r["handling_rate"] or 0), r["unit__name"]))
    return result


def overdue_by_unit(user: AnyUser) -> list[dict[str, Any]]:
    """Open breached deadlines per unit, among the tickets the user may see."""
    rows = (
        Deadline.objects.open()
        .filter(state=Deadline.State.BREACHED, ticket__in=visible_tickets(user))
        .values("unit_id", "unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__name")
    )
    return [dict(r) for r in rows]
