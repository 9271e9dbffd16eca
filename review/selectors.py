"""Reads of review/, through the visibility rules: the spot checks (the office's), and each unit's 舆情日志
(002 第八条) with 敏感 titles masked for those not cleared (incidents/clearance.py)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from deadlines.models import Deadline
from incidents.clearance import SENSITIVE_ONE
from incidents.models import Ticket
from incidents.selectors import visible_incidents
from org.access import AnyUser, access_for
from org.models import Unit
from review.models import SpotCheck, SpotCheckDraw


def visible_draws(user: AnyUser) -> QuerySet[SpotCheckDraw]:
    """The spot checks are the supervising office's (000 四.3)."""
    if not access_for(user).is_office:
        return SpotCheckDraw.objects.none()
    return SpotCheckDraw.objects.all()


def draw_checks(user: AnyUser, draw: SpotCheckDraw) -> QuerySet[SpotCheck]:
    return SpotCheck.objects.filter(draw__in=visible_draws(user), draw=draw).select_related("incident", "checked_by")


def log_units(user: AnyUser) -> QuerySet[Unit]:
    """The units whose 舆情日志 `user` may read: the office and county leaders every unit, others their own."""
    access = access_for(user)
    if access.user_id is None:
        return Unit.objects.none()
    if access.sees_everything:
        return Unit.objects.all()
    return Unit.objects.filter(pk__in=access.visible_unit_ids)


@dataclass
class LogRow:
    day: date
    number: str
    title: str
    grade: str
    role: str
    claimed_at: datetime | None
    feedback_at: datetime | None
    closed_at: datetime | None
    on_time: bool | None  # None: nothing decided yet

    @property
    def on_time_words(self) -> str:
        return "—" if self.on_time is None else ("是" if self.on_time else "否")


def incident_log(user: AnyUser, unit: Unit, *, start: date | None = None, end: date | None = None) -> list[LogRow]:
    """舆情日志 (002 第八条) of `unit`: each ticket it received in [start, end] (dates inclusive), oldest first.
    Empty for a unit the reader may not read. A confidential item the reader is not cleared for keeps its row
    (the unit handled it) but shows SENSITIVE_ONE in place of its title."""
    if not log_units(user).filter(pk=unit.pk).exists():
        return []
    tickets = Ticket.objects.filter(unit=unit).select_related("incident")
    if start:
        tickets = tickets.filter(dispatched_at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if end:
        tickets = tickets.filter(
            dispatched_at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
        )
    late = Deadline.objects.filter(ticket=OuterRef("pk"), breached_at__isnull=False)
    decided = Deadline.objects.filter(ticket=OuterRef("pk"), state__in=[Deadline.State.MET, Deadline.State.BREACHED])
    tickets = tickets.annotate(late=Exists(late), decided=Exists(decided)).order_by("dispatched_at", "pk")
    cleared = set(visible_incidents(user).filter(pk__in=tickets.values("incident_id")).values_list("pk", flat=True))
    rows = []
    for t in tickets:
        incident = t.incident
        title = incident.title if (not incident.is_confidential or incident.pk in cleared) else SENSITIVE_ONE
        rows.append(
            LogRow(
                day=timezone.localtime(t.dispatched_at).date(),
                number=incident.number,
                title=title,
                grade=incident.get_grade_display() if incident.grade else "—",
                role=t.get_role_display(),
                claimed_at=t.claimed_at,
                feedback_at=t.feedback_at,
                closed_at=t.closed_at,
                on_time=(not t.late) if (t.late or t.decided) else None,
            )
        )
    return rows


def visible_checks(user: AnyUser) -> QuerySet[SpotCheck]:
    return SpotCheck.objects.filter(draw__in=visible_draws(user)).select_related("incident", "draw")


def check_titles(user: AnyUser, checks: list[SpotCheck]) -> dict[int, str]:
    """Each sampled incident's title, SENSITIVE_ONE for a confidential one the reader is not cleared for."""
    cleared = set(visible_incidents(user).filter(pk__in=[c.incident_id for c in checks]).values_list("pk", flat=True))
    return {
        c.pk: c.incident.title if (not c.incident.is_confidential or c.incident_id in cleared) else SENSITIVE_ONE
        for c in checks
    }
