"""The daily patrol figures (PatrolDay, PatrolDayPerson) the compliance page and the 日报/季度通报 add up (issue 15).

State-based: a refresh recounts the given unit-days from the slots and records themselves (never +1/-1), so it can
run twice, after downtime or after a failed write, and give the same rows; `rebuild()` (the management command
rebuild_patrol_days) recounts everything. Called inside the writes that change the counts: the planner (slots
created) and record_patrol (records, slots met). Missed slots need no write: a slot not met is missed once its
window has passed, which the reader decides from `now` (monitoring.selectors._compliance).

The functions take the app registry so the migration that creates the tables can fill them with its historical
models."""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.apps import apps as global_apps
from django.db.models import Count, F, Max, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

ZERO = {"slots": 0, "on_time": 0, "late": 0, "last_due_at": None, "records": 0}
PERSON_ZERO = {"on_time": 0, "late": 0, "records": 0}


def local_day(instant: datetime) -> date:
    """The day of the county's calendar (settings.TIME_ZONE) an instant falls on: the days the figures are kept by."""
    return instant.astimezone(timezone.get_default_timezone()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())


def _counts(apps, unit_ids: set[int] | None, lo: datetime | None, hi: datetime | None):
    """Per (unit, day) and per (unit, day, officer): the counts of slots starting and records made in [lo, hi)
    (everything when lo is None), of `unit_ids` (every unit when None). Four grouped queries."""
    slot_model = apps.get_model("monitoring", "PatrolSlot")
    record_model = apps.get_model("monitoring", "PatrolRecord")
    tz = timezone.get_default_timezone()
    slots = slot_model.objects.all()
    records = record_model.objects.all()
    if lo is not None:
        slots = slots.filter(starts_at__gte=lo, starts_at__lt=hi)
        records = records.filter(patrolled_at__gte=lo, patrolled_at__lt=hi)
    if unit_ids is not None:
        slots, records = slots.filter(unit_id__in=unit_ids), records.filter(unit_id__in=unit_ids)
    on_time = Q(deadline__met_at__isnull=False, deadline__met_at__lte=F("deadline__due_at"))
    late = Q(deadline__met_at__isnull=False, deadline__met_at__gt=F("deadline__due_at"))
    days: dict[tuple[int, date], dict] = {}
    for r in (
        slots.annotate(d=TruncDate("starts_at", tzinfo=tz))
        .values("unit_id", "d")
        .annotate(
            slots=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            last_due_at=Max("due_at"),
        )
        .order_by()
    ):
        days[(r["unit_id"], r["d"])] = {**ZERO, **{k: r[k] for k in ("slots", "on_time", "late", "last_due_at")}}
    for r in (
        records.annotate(d=TruncDate("patrolled_at", tzinfo=tz))
        .values("unit_id", "d")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days.setdefault((r["unit_id"], r["d"]), dict(ZERO))["records"] = r["n"]
    people: dict[tuple[int, date, int], dict] = {}
    for r in (
        slots.filter(record__isnull=False)
        .annotate(d=TruncDate("starts_at", tzinfo=tz))
        .values("unit_id", "d", "record__officer_id")
        .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    ):
        key = (r["unit_id"], r["d"], r["record__officer_id"])
        people[key] = {**PERSON_ZERO, "on_time": r["on_time"], "late": r["late"]}
    for r in (
        records.annotate(d=TruncDate("patrolled_at", tzinfo=tz))
        .values("unit_id", "d", "officer_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        people.setdefault((r["unit_id"], r["d"], r["officer_id"]), dict(PERSON_ZERO))["records"] = r["n"]
    return days, people


def refresh(pairs: Iterable[tuple[int, date]], apps=global_apps) -> None:
    """Recount the (unit id, day) pairs: about seven statements however many pairs. Called inside the caller's
    transaction. The day rows are locked first (created if missing), so a concurrent refresh of the same day waits
    and then counts what this one committed: the last writer counts everything (no lost update)."""
    wanted = set(pairs)
    if not wanted:
        return
    day_model = apps.get_model("monitoring", "PatrolDay")
    person_model = apps.get_model("monitoring", "PatrolDayPerson")
    unit_ids = {u for u, _ in wanted}
    days = {d for _, d in wanted}
    day_model.objects.bulk_create([day_model(unit_id=u, day=d) for u, d in sorted(wanted)], ignore_conflicts=True)
    # Locked in the order they were inserted in: two refreshes never wait on each other in a cycle.
    locked = day_model.objects.select_for_update().filter(unit_id__in=unit_ids, day__in=days)
    list(locked.order_by("unit_id", "day").values_list("pk", flat=True))
    counts, people = _counts(apps, unit_ids, day_start(min(days)), day_start(max(days) + timedelta(days=1)))
    day_model.objects.bulk_create(
        [day_model(unit_id=u, day=d, **counts.get((u, d), ZERO)) for u, d in sorted(wanted)],
        update_conflicts=True,
        unique_fields=["day", "unit"],
        update_fields=["slots", "on_time", "late", "last_due_at", "records"],
    )
    these = Q()
    for u, d in wanted:
        these |= Q(unit_id=u, day=d)
    person_model.objects.filter(these).delete()
    person_model.objects.bulk_create(
        person_model(unit_id=u, day=d, officer_id=o, **c) for (u, d, o), c in people.items() if (u, d) in wanted
    )


def rebuild(apps=global_apps) -> tuple[int, int]:
    """Recount every day from the slots and records (after a restore, or to check the kept rows): returns the
    number of unit-days and person-days written. Run inside a transaction."""
    day_model = apps.get_model("monitoring", "PatrolDay")
    person_model = apps.get_model("monitoring", "PatrolDayPerson")
    counts, people = _counts(apps, None, None, None)
    day_model.objects.all().delete()
    person_model.objects.all().delete()
    day_model.objects.bulk_create((day_model(unit_id=u, day=d, **c) for (u, d), c in counts.items()), batch_size=5000)
    person_model.objects.bulk_create(
        (person_model(unit_id=u, day=d, officer_id=o, **c) for (u, d, o), c in people.items()), batch_size=5000
    )
    return len(counts), len(people)
