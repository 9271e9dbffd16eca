"""Reads of 舆情监测: the watch list, who is on duty, the roster, the current patrol slot, patrol compliance.

Visibility: the office (duty officers) and county-wide leaders see every watching unit; a leader the units they
oversee; anyone else the units they belong to (a 督查局 officer sees 督查局's sites, roster and slots)."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Sum, When
from django.utils import timezone

from deadlines.models import Deadline
from monitoring import patrol_days
from monitoring.models import (
    DutyAssignment,
    Handover,
    PatrolDay,
    PatrolDayPerson,
    PatrolRecord,
    PatrolSlot,
    Shift,
    Site,
)
from org.access import AnyUser, access_for
from org.models import Role, Unit


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


def patrol_flag() -> Case:
    """Per membership row, what patrol_units() answers for the navigation's 巡查 link: the office for any watching
    unit, anyone else for their own unit if it watches an active site (002 第五条). org.access annotates its one
    membership statement per request with it (register_flag), so the link costs no statement of its own."""
    sites = Site.objects.filter(is_active=True, unit__is_active=True)
    return Case(
        When(role=Role.DUTY_OFFICER, then=Exists(sites)),
        default=Exists(sites.filter(unit=OuterRef("unit"))),
        output_field=BooleanField(),
    )


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


# How far back the patrol page looks for the unit's latest slot: a day (overnight there may be none for hours); the
# bound makes both reads a range of the (unit, starts_at) index, not a walk of the unit's whole history.
CURRENT_BACK = timedelta(days=1)


def current_slot(unit: Unit, at: datetime | None = None) -> PatrolSlot | None:
    """The slot whose window holds `at`, else the latest one started before it within a day (a late patrol still
    covers it)."""
    at = at or timezone.now()
    slots = PatrolSlot.objects.filter(unit=unit, starts_at__lte=at, starts_at__gt=at - CURRENT_BACK).select_related(
        "deadline"
    )
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
    return records_page(user, unit, n=n).records


@dataclass
class RecordsPage:
    records: list[PatrolRecord]
    next_cursor: str | None  # pass back as `after` for the next (older) page; None on the last page


def _cursor(record: PatrolRecord) -> str:
    return f"{record.patrolled_at.isoformat()}_{record.pk}"


def _parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """A cursor made by _cursor, else None (a hand-edited one shows the first page rather than an error)."""
    try:
        at, pk = (cursor or "").rsplit("_", 1)
        parsed = datetime.fromisoformat(at)
        return (parsed, int(pk)) if parsed.tzinfo is not None else None
    except ValueError:
        return None


def records_page(user: AnyUser, unit: Unit, *, after: str | None = None, n: int = 20) -> RecordsPage:
    """A unit's patrol records newest first, `n` a page, keyset-paginated: the page after the cursor `after` reads
    a range of the (unit, patrolled_at, id) index backwards, as fast on the thousandth page as on the first (no
    OFFSET, no COUNT over the history). None when the user may not see the unit."""
    ids = visible_unit_ids(user)
    if ids is not None and unit.pk not in ids:
        return RecordsPage([], None)
    rows = PatrolRecord.objects.filter(unit=unit)
    if (key := _parse_cursor(after)) is not None:
        rows = rows.filter(patrolled_at__lte=key[0]).exclude(patrolled_at=key[0], pk__gte=key[1])
    page = list(rows.select_related("officer").prefetch_related("sites").order_by("-patrolled_at", "-id")[: n + 1])
    return RecordsPage(page[:n], _cursor(page[n - 1]) if len(page) > n else None)


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


# Per unit id: [due, on_time, late, records]; per officer id: [on_time, late, records].
UnitCounts = dict[int, list[int]]


def _add(into: dict[int, list[int]], key: int, *values: int) -> None:
    row = into.setdefault(key, [0] * len(values))
    for i, v in enumerate(values):
        row[i] += v


def _compliance(
    ids: set[int] | None, start: datetime, end: datetime, now: datetime | None, *, people: bool = True
) -> dict[str, list]:
    """Per unit: slots starting in [start, end) and decided by `now` (met, or past due), on time, late, missed,
    and the patrols recorded; per person: patrols recorded and the slots their patrols covered on time or late.

    Flat in history: the whole local days of the period that are decided (ended, every window past) are added up
    from the kept daily figures (PatrolDay, monitoring.patrol_days; 365 rows a unit for a year); only the
    partial days at the edges and the days not yet decided (today) are counted from the slots and records, a range
    of at most a couple of days on the starts_at and patrolled_at indexes. Both give the same figures (tested)."""
    now = now or timezone.now()
    first = patrol_days.local_day(start)
    if patrol_days.day_start(first) < start:
        first += timedelta(days=1)
    last = patrol_days.local_day(end)  # days [first, last) lie wholly inside [start, end)
    decided = patrol_days.local_day(now)  # a day before today has ended ...
    if first < last:
        # ... and is decided once its latest window has passed too (a window may run past midnight).
        open_day = (
            PatrolDay.objects.filter(day__gte=first, day__lt=min(last, decided), last_due_at__gt=now)
            .order_by("day")
            .values_list("day", flat=True)
            .first()
        )
        decided = min(decided, open_day or decided)
    kept_to = max(first, min(last, decided))
    units: UnitCounts = {}
    persons: UnitCounts = {}
    if first < kept_to:
        lo, hi = patrol_days.day_start(first), patrol_days.day_start(kept_to)
        _kept(ids, first, kept_to, units, persons if people else None)
        ranges = [(start, lo), (hi, end)]
    else:
        ranges = [(start, end)]
    _counted(ids, [(a, b) for a, b in ranges if a < b], now, units, persons if people else None)
    unit_rows = []
    for unit in Unit.objects.filter(pk__in=[k for k, v in units.items() if any(v)]).order_by("path"):
        due, on_time, late, records = units[unit.pk]
        unit_rows.append(Compliance(unit.name, due, on_time, late, due - on_time - late, records))
    if not people:
        return {"units": unit_rows, "people": []}
    person_rows = []
    for person in User.objects.filter(pk__in=[k for k, v in persons.items() if any(v)]).order_by("username"):
        on_time, late, records = persons[person.pk]
        name = person.get_full_name() or person.get_username()
        person_rows.append(Compliance(name, on_time + late, on_time, late, 0, records))
    return {"units": unit_rows, "people": person_rows}


def _kept(ids: set[int] | None, first: date, last: date, units: UnitCounts, persons: UnitCounts | None) -> None:
    """Add the kept daily figures of the days [first, last): every slot of them is decided."""
    days = PatrolDay.objects.filter(day__gte=first, day__lt=last)
    if ids is not None:
        days = days.filter(unit_id__in=ids)
    for r in (
        days.values("unit_id")
        .annotate(due=Sum("slots"), on_time=Sum("on_time"), late=Sum("late"), records=Sum("records"))
        .order_by()
    ):
        _add(units, r["unit_id"], r["due"], r["on_time"], r["late"], r["records"])
    if persons is None:
        return
    shares = PatrolDayPerson.objects.filter(day__gte=first, day__lt=last)
    if ids is not None:
        shares = shares.filter(unit_id__in=ids)
    for share in (
        shares.values("officer_id")
        .annotate(on_time=Sum("on_time"), late=Sum("late"), records=Sum("records"))
        .order_by()
    ):
        _add(persons, share["officer_id"], share["on_time"], share["late"], share["records"])


def _counted(
    ids: set[int] | None,
    ranges: list[tuple[datetime, datetime]],
    now: datetime,
    units: UnitCounts,
    persons: UnitCounts | None,
) -> None:
    """Add the figures counted from the slots and records of `ranges` (the edges of the period, the undecided
    days): two grouped queries, four with the people."""
    if not ranges:
        return
    in_slots, in_records = Q(), Q()
    for lo, hi in ranges:
        in_slots |= Q(starts_at__gte=lo, starts_at__lt=hi)
        in_records |= Q(patrolled_at__gte=lo, patrolled_at__lt=hi)
    slots = PatrolSlot.objects.filter(in_slots).filter(Q(deadline__met_at__isnull=False) | Q(due_at__lte=now))
    records = PatrolRecord.objects.filter(in_records)
    if ids is not None:
        slots, records = slots.filter(unit_id__in=ids), records.filter(unit_id__in=ids)
    on_time = Q(deadline__met_at__isnull=False, deadline__met_at__lte=F("deadline__due_at"))
    late = Q(deadline__met_at__isnull=False, deadline__met_at__gt=F("deadline__due_at"))
    for r in (
        slots.values("unit_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    ):
        _add(units, r["unit_id"], r["due"], r["on_time"], r["late"], 0)
    for unit_id, n in records.values_list("unit_id").annotate(n=Count("pk")).order_by():
        _add(units, unit_id, 0, 0, 0, n)
    if persons is None:
        return
    for share in (
        slots.filter(record__isnull=False)
        .values("record__officer_id")
        .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    ):
        _add(persons, share["record__officer_id"], share["on_time"], share["late"], 0)
    for officer_id, n in records.values_list("officer_id").annotate(n=Count("pk")).order_by():
        _add(persons, officer_id, 0, 0, n)
