"""Reads of 舆情监测: the watch list, who is on duty, the roster, the current patrol slot, patrol compliance.

Visibility: the office (duty officers) and county-wide leaders see every watching unit; a leader the units they
oversee; anyone else the units they belong to (a 督查局 officer sees 督查局's sites, roster and slots)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from deadlines.models import Deadline
from monitoring.models import DutyAssignment, Handover, PatrolRecord, PatrolSlot, Shift, Site
from org.access import AnyUser, access_for
from org.models import Unit


def watching_units() -> QuerySet[Unit]:
    """The units with an active site to patrol."""
    return Unit.objects.filter(is_active=True, watched_sites__is_active=True).distinct().order_by("path")


def visible_unit_ids(user: AnyUser) -> set[int] | None:
    """None: every unit; else the ids of the units the user may see the monitoring of."""
    access = access_for(user)
    if access.sees_everything:
        return None
    return {u.pk for u in access.units} | access.leader_unit_ids


def visible_watching_units(user: AnyUser) -> QuerySet[Unit]:
    ids = visible_unit_ids(user)
    units = watching_units()
    return units if ids is None else units.filter(pk__in=ids)


def patrol_units(user: AnyUser) -> list[Unit]:
    """The watching units the user may record a patrol for: those they belong to; the office every one."""
    access = access_for(user)
    units = watching_units()
    if access.is_office:
        return list(units)
    return list(units.filter(pk__in={u.pk for u in access.units}))


def sites_of(unit: Unit) -> QuerySet[Site]:
    return Site.objects.filter(unit=unit, is_active=True).order_by("sort_order", "id")


# --- duty -------------------------------------------------------------------------------------------------------


def on_duty(unit: Unit | None = None, at: datetime | None = None) -> QuerySet[DutyAssignment]:
    """Who is on duty at `at` (now): the assignments of the shifts running then, of `unit` or of every unit."""
    at = at or timezone.now()
    rows = DutyAssignment.objects.filter(shift__starts_at__lte=at, shift__ends_at__gt=at)
    if unit is not None:
        rows = rows.filter(shift__unit=unit)
    return rows.select_related("shift__unit", "user").order_by("shift__unit__path", "user__id")


def people_on_duty(unit: Unit, at: datetime) -> list[User]:
    return [a.user for a in on_duty(unit, at) if a.user.is_active]


@dataclass
class DutyNow:
    unit: Unit
    shift: Shift
    people: list[User] = field(default_factory=list)
    handover: Handover | None = None  # the last note handed to this shift


def duty_now(user: AnyUser, at: datetime | None = None) -> list[DutyNow]:
    """值班 now, per shift the user may see, with the handover note the previous shift left (the desk's panel)."""
    at = at or timezone.now()
    ids = visible_unit_ids(user)
    shifts = Shift.objects.filter(starts_at__lte=at, ends_at__gt=at).select_related("unit").order_by("unit__path")
    if ids is not None:
        shifts = shifts.filter(unit_id__in=ids)
    rows: list[DutyNow] = []
    for shift in shifts.prefetch_related("assignments__user"):
        handover = (
            Handover.objects.filter(shift__unit=shift.unit, shift__ends_at__lte=shift.starts_at)
            .select_related("author", "shift")
            .order_by("-written_at", "-id")
            .first()
        )
        rows.append(DutyNow(shift.unit, shift, [a.user for a in shift.assignments.all()], handover))
    return rows


def roster(user: AnyUser, unit: Unit, month_start: date) -> QuerySet[Shift]:
    """The unit's shifts of a month, with their people and handovers; none when the user may not see the unit."""
    ids = visible_unit_ids(user)
    month_end = (month_start.replace(day=28) + timedelta(days=4)).replace(day=1)
    shifts = Shift.objects.filter(unit=unit, date__gte=month_start, date__lt=month_end)
    if ids is not None and unit.pk not in ids:
        shifts = shifts.none()
    return shifts.prefetch_related("assignments__user", "handovers__author").order_by("starts_at")


def my_shifts(user: User, at: datetime) -> QuerySet[Shift]:
    """The user's shifts running now or starting within a day (to hand over or swap)."""
    return (
        Shift.objects.filter(assignments__user=user, ends_at__gt=at - timedelta(hours=12))
        .filter(starts_at__lt=at + timedelta(days=31))
        .select_related("unit")
        .order_by("starts_at")
    )


def assignments_after(unit: Unit, at: datetime) -> QuerySet[DutyAssignment]:
    """The unit's duty assignments of shifts not yet begun (within two months): what may still be swapped."""
    return (
        DutyAssignment.objects.filter(
            shift__unit=unit, shift__starts_at__gt=at, shift__starts_at__lt=at + timedelta(days=62)
        )
        .select_related("shift", "user")
        .order_by("shift__starts_at", "user_id")
    )


# --- patrol slots ------------------------------------------------------------------------------------------------


def clock(instant: datetime) -> str:
    """HH:MM local, midnight at the end of a window written 24:00 (002 第六条 "24点前")."""
    local = timezone.localtime(instant)
    return "24:00" if (local.hour, local.minute) == (0, 0) else f"{local:%H:%M}"


def current_slot(unit: Unit, at: datetime | None = None) -> PatrolSlot | None:
    """The slot whose window holds `at`, else the latest one started before it (a late patrol still covers it)."""
    at = at or timezone.now()
    slots = PatrolSlot.objects.filter(unit=unit, starts_at__lte=at).select_related("deadline")
    return slots.filter(due_at__gt=at).order_by("-starts_at").first() or slots.order_by("-starts_at").first()


# How far back a patrol covers missed slots (late): a slot missed longer ago stays missed (漏巡), and the query
# reads a bounded range of the (unit, starts_at) index however many slots history holds.
COVERS_BACK = timedelta(hours=48)


def open_slot_deadline_ids(unit: Unit, at: datetime) -> list[tuple[int, int]]:
    """(slot id, deadline id) of the unit's slots started by `at` (within COVERS_BACK) whose deadline is still
    open: a patrol at `at` covers them (on time inside the window, late after it)."""
    return list(
        PatrolSlot.objects.filter(
            unit=unit,
            starts_at__lte=at,
            starts_at__gt=at - COVERS_BACK,
            deadline__state__in=Deadline.OPEN_STATES,
            deadline__met_at__isnull=True,
        ).values_list("pk", "deadline_id")
    )


def later_slot_past_due(slot: PatrolSlot, before: datetime) -> bool:
    """A later slot of the same unit already due by `before`: after downtime only the latest missed slot speaks."""
    return PatrolSlot.objects.filter(unit_id=slot.unit_id, starts_at__gt=slot.starts_at, due_at__lte=before).exists()


def recent_records(user: AnyUser, unit: Unit, n: int = 10) -> list[PatrolRecord]:
    ids = visible_unit_ids(user)
    if ids is not None and unit.pk not in ids:
        return []
    return list(
        PatrolRecord.objects.filter(unit=unit)
        .select_related("officer")
        .prefetch_related("sites")
        .order_by("-patrolled_at", "-id")[:n]
    )


# --- compliance ----------------------------------------------------------------------------------------------------


@dataclass
class Compliance:
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    records: int = 0

    @property
    def rate(self) -> str:
        return f"{round(100 * self.on_time / self.due)}%" if self.due else "—"


def compliance(user: AnyUser, start: datetime, end: datetime, now: datetime | None = None) -> dict[str, list]:
    """The patrol compliance of the units `user` may see (see _compliance)."""
    return _compliance(visible_unit_ids(user), start, end, now)


def county_compliance(start: datetime, end: datetime, now: datetime | None = None) -> dict[str, list]:
    """Every watching unit's compliance (units only), for the 日报 and the 季度通报 that go to every leader."""
    return _compliance(None, start, end, now, people=False)


def _compliance(
    ids: set[int] | None, start: datetime, end: datetime, now: datetime | None, *, people: bool = True
) -> dict[str, list]:
    """Per unit: slots starting in [start, end) and decided by `now` (met, or past due), on time, late, missed;
    per person: patrols recorded and the slots their patrols covered on time or late. Two grouped queries each,
    on the starts_at and patrolled_at indexes."""
    now = now or timezone.now()
    slots = PatrolSlot.objects.filter(starts_at__gte=start, starts_at__lt=end).filter(
        Q(deadline__met_at__isnull=False) | Q(due_at__lte=now)
    )
    records = PatrolRecord.objects.filter(patrolled_at__gte=start, patrolled_at__lt=end)
    if ids is not None:
        slots, records = slots.filter(unit_id__in=ids), records.filter(unit_id__in=ids)
    on_time = Q(deadline__met_at__isnull=False, deadline__met_at__lte=F("deadline__due_at"))
    late = Q(deadline__met_at__isnull=False, deadline__met_at__gt=F("deadline__due_at"))
    by_unit = {
        r["unit_id"]: r
        for r in slots.values("unit_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    }
    record_counts = dict(records.values_list("unit_id").annotate(n=Count("pk")).order_by())
    units = []
    for unit in Unit.objects.filter(pk__in=set(by_unit) | set(record_counts)).order_by("path"):
        r = by_unit.get(unit.pk, {"due": 0, "on_time": 0, "late": 0})
        row = Compliance(unit.name, r["due"], r["on_time"], r["late"], r["due"] - r["on_time"] - r["late"])
        row.records = record_counts.get(unit.pk, 0)
        units.append(row)
    if not people:
        return {"units": units, "people": []}
    by_person = {
        r["record__officer_id"]: r
        for r in slots.filter(record__isnull=False)
        .values("record__officer_id")
        .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    }
    person_records = dict(records.values_list("officer_id").annotate(n=Count("pk")).order_by())
    rows = []
    for person in User.objects.filter(pk__in=set(by_person) | set(person_records)).order_by("username"):
        counts = by_person.get(person.pk, {"on_time": 0, "late": 0})
        row = Compliance(
            person.get_full_name() or person.get_username(),
            counts["on_time"] + counts["late"],
            counts["on_time"],
            counts["late"],
        )
        row.records = person_records.get(person.pk, 0)
        rows.append(row)
    return {"units": units, "people": rows}
