"""Patrol figures and lists flat at a million records (issue 15 "lists paginated and fast"): the compliance page and
the 日报/季度通报 add up the kept daily figures and give what counting the slots gave (002 第五条、第六条: patrols on
schedule, missed ones counted for 考核); the planner creates slots set-based and exactly once; the patrol page's
reads are bounded; a unit's records are keyset-paginated."""

import random
import threading
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deadlines import scheduling
from deadlines.models import DeadlineKind, DeadlineStep
from deadlines.selectors import county_patrol_deadlines
from monitoring import selectors
from monitoring.models import PatrolDay, PatrolDayPerson, PatrolPolicy, PatrolRecord, PatrolSlot, Site
from monitoring.planning import plan_patrol_slots
from monitoring.services.patrols import record_patrol
from org.models import Role, Unit
from reporting.patrol_figures import patrol_section
from workcalendar.working_days import WorkCalendar

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 12, 1, 0, 0, tzinfo=SH)  # an ordinary working week follows


def _watching_unit(org, code, name):
    unit = UnitFactory(code=code, name=name, parent=org.county)
    site = Site.objects.create(name=f"{name}论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=unit)
    return unit, site


@pytest.fixture
def watch(org):
    centre, forum = _watching_unit(org, "jiankong", "网络舆情应急监控中心")
    board_unit, board = _watching_unit(org, "ducha", "督查局")
    watchers = [
        person("watcher1", centre, Role.LIAISON, first_name="刘监测"),
        person("watcher2", centre, Role.LIAISON, first_name="王监测"),
        person("watcher3", board_unit, Role.LIAISON, first_name="张督查"),
    ]
    return SimpleNamespace(centre=centre, forum=forum, board_unit=board_unit, board=board, watchers=watchers)


def _plan_days(first, days):
    for i in range(days):
        start = first + timedelta(days=i)
        with time_machine.travel(start, tick=False):
            plan_patrol_slots(now=start, until=start + timedelta(days=1))


def _reference(ids, start, end, now, people=True):
    """The compliance as it was counted before the daily figures (issue 15, first version): from the slots and
    records of the period, grouped. The oracle the kept figures must equal."""
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
        missed = r["due"] - r["on_time"] - r["late"]
        units.append((unit.name, r["due"], r["on_time"], r["late"], missed, record_counts.get(unit.pk, 0)))
    if not people:
        return units, []
    by_person = {
        r["record__officer_id"]: r
        for r in slots.filter(record__isnull=False)
        .values("record__officer_id")
        .annotate(on_time=Count("pk", filter=on_time), late=Count("pk", filter=late))
        .order_by()
    }
    person_records = dict(records.values_list("officer_id").annotate(n=Count("pk")).order_by())
    rows = []
    for p in User.objects.filter(pk__in=set(by_person) | set(person_records)).order_by("username"):
        c = by_person.get(p.pk, {"on_time": 0, "late": 0})
        name = p.get_full_name() or p.get_username()
        rows.append((name, c["on_time"] + c["late"], c["on_time"], c["late"], 0, person_records.get(p.pk, 0)))
    return units, rows


def _rows(result):
    as_tuples = [
        [(r.name, r.due, r.on_time, r.late, r.missed, r.records) for r in result[k]] for k in ("units", "people")
    ]
    return as_tuples[0], as_tuples[1]


def _random_patrols(watch, rng, first, days):
    """Patrols at random times (some on time, some late, many slots left missed), each recorded when it happens."""
    for i in range(days):
        day = first + timedelta(days=i)
        for _ in range(rng.randint(3, 9)):
            when = day + timedelta(minutes=rng.randint(0, 24 * 60 - 1))
            officer = rng.choice(watch.watchers)
            unit, site = (
                (watch.board_unit, watch.board) if officer is watch.watchers[2] else (watch.centre, watch.forum)
            )
            with time_machine.travel(when + timedelta(minutes=rng.choice([0, 0, 30, 600])), tick=False):
                record_patrol(officer, unit=unit, sites=[site], patrolled_at=when)


def test_kept_daily_figures_equal_the_recount_on_random_data(watch, org):
    """002 第六条 (按时巡查纳入考核): on random patrols over five days, the compliance of any period, at any `now`,
    per unit and per person, equals what counting the slots and records gives; so do the 日报/季度通报 figures."""
    rng = random.Random(15)
    _plan_days(TUESDAY, 5)
    _random_patrols(watch, rng, TUESDAY, 5)
    office = org.duty
    periods = [(TUESDAY, TUESDAY + timedelta(days=5))]
    for _ in range(12):
        a = TUESDAY + timedelta(minutes=rng.randint(-600, 5 * 24 * 60))
        b = a + timedelta(minutes=rng.randint(1, 5 * 24 * 60))
        periods.append((a, b))
    for start, end in periods:
        for now in (TUESDAY + timedelta(days=6), TUESDAY + timedelta(days=3, hours=rng.randint(0, 23))):
            expected = _reference(None, start, end, now)
            assert _rows(selectors.compliance(office, start, end, now)) == expected, (start, end, now)
            only = {watch.board_unit.pk}
            assert _rows(selectors._compliance(only, start, end, now)) == _reference(only, start, end, now)
            county = selectors.county_compliance(start, end, now)
            assert _rows(county) == (expected[0], [])
            _, figures = patrol_section("patrols", "七、巡查情况", start, end, now)
            assert figures == {
                "due": sum(r[1] for r in expected[0]),
                "on_time": sum(r[2] for r in expected[0]),
                "late": sum(r[3] for r in expected[0]),
                "missed": sum(r[4] for r in expected[0]),
            }
    assert any(r[4] for r in _reference(None, *periods[0], TUESDAY + timedelta(days=6))[0])  # some missed
    assert any(r[3] for r in _reference(None, *periods[0], TUESDAY + timedelta(days=6))[0])  # some late


def test_the_rebuild_command_recounts_the_same_rows(watch):
    """The kept figures are state, not history: recounting them from the slots and records (the command an
    operator runs after a restore) gives the rows the writes kept (002 第六条 考核 figures unchanged)."""
    _plan_days(TUESDAY, 3)
    _random_patrols(watch, random.Random(3), TUESDAY, 3)

    def snapshot():
        days = {
            (d.unit_id, d.day): (d.slots, d.on_time, d.late, d.last_due_at, d.records)
            for d in PatrolDay.objects.all()
            if d.slots or d.records
        }
        people = {
            (p.unit_id, p.day, p.officer_id): (p.on_time, p.late, p.records) for p in PatrolDayPerson.objects.all()
        }
        return days, people

    kept = snapshot()
    assert kept[0] and kept[1]
    PatrolDay.objects.all().delete()
    PatrolDayPerson.objects.all().delete()
    call_command("rebuild_patrol_days", verbosity=0)
    assert snapshot() == kept


def _statements(fn):
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_compliance_page_costs_the_same_statements_for_a_day_or_a_week(client, watch, org):
    """The page (002 第六条 考核) reads the kept days, not the slots: a week of history costs what a day costs."""
    url = reverse("monitoring:compliance")
    _plan_days(TUESDAY, 2)
    _random_patrols(watch, random.Random(1), TUESDAY, 2)
    with time_machine.travel(TUESDAY + timedelta(days=8), tick=False):
        client.force_login(org.duty)
        small = _statements(lambda: client.get(url, {"from": "2026-12-01", "to": "2026-12-08"}))
    _plan_days(TUESDAY + timedelta(days=2), 5)
    _random_patrols(watch, random.Random(2), TUESDAY + timedelta(days=2), 5)
    with time_machine.travel(TUESDAY + timedelta(days=8), tick=False):
        client.force_login(org.duty)
        response = client.get(url, {"from": "2026-12-01", "to": "2026-12-08"})
        large = _statements(lambda: client.get(url, {"from": "2026-12-01", "to": "2026-12-08"}))
    assert response.status_code == 200 and "网络舆情应急监控中心" in response.content.decode()
    assert large == small


def test_the_patrol_page_costs_the_same_statements_for_ten_or_a_thousand_records(client, watch):
    """The duty officer's page (002 第五条 巡查) reads the current slot and the latest records by bounded index
    ranges: a thousand older records cost nothing more."""
    officer = watch.watchers[0]
    url = reverse("monitoring:patrol")
    _plan_days(TUESDAY, 1)

    def add_records(n, before):
        made = PatrolRecord.objects.bulk_create(
            PatrolRecord(unit=watch.centre, officer=officer, patrolled_at=before - timedelta(minutes=i))
            for i in range(n)
        )
        PatrolRecord.sites.through.objects.bulk_create(
            PatrolRecord.sites.through(patrolrecord_id=r.pk, site_id=watch.forum.pk) for r in made
        )

    add_records(10, TUESDAY - timedelta(days=1))
    with time_machine.travel(TUESDAY + timedelta(hours=10), tick=False):
        client.force_login(officer)
        small = _statements(lambda: client.get(url, {"unit": watch.centre.pk}))
    add_records(1000, TUESDAY - timedelta(days=2))
    with time_machine.travel(TUESDAY + timedelta(hours=10), tick=False):
        client.force_login(officer)
        large = _statements(lambda: client.get(url, {"unit": watch.centre.pk}))
    assert large == small


def test_the_planner_costs_the_same_statements_for_one_unit_or_three(org):
    """The planner (002 第六条 schedule) writes the deadlines, their steps and the slots set-based: planning three
    units' day costs what one unit's costs."""
    _watching_unit(org, "w1", "监测一")
    with time_machine.travel(TUESDAY, tick=False):
        one = _statements(lambda: plan_patrol_slots(now=TUESDAY, until=TUESDAY + timedelta(days=1)))
    assert PatrolSlot.objects.count() > 10
    _watching_unit(org, "w2", "监测二")
    _watching_unit(org, "w3", "监测三")
    day = TUESDAY + timedelta(days=1)
    with time_machine.travel(day, tick=False):
        three = _statements(lambda: plan_patrol_slots(now=day, until=day + timedelta(days=1)))
        again = _statements(lambda: plan_patrol_slots(now=day, until=day + timedelta(days=1)))
    assert PatrolSlot.objects.filter(starts_at__gte=day).values("unit_id").distinct().count() == 3
    assert three == one
    assert again < one  # nothing left to create: the run reads and stops


def test_the_planner_gives_each_slot_the_steps_the_engine_would(org):
    """A slot's 巡查时限 has the reminder, breach and escalation steps deadlines.scheduling.build_steps gives a
    deadline of the same rule (002 第六条: reminded, then the office leader told once)."""
    unit, _ = _watching_unit(org, "w1", "监测一")
    policy = PatrolPolicy.objects.create(reminder_lead=15, escalate_after=45)
    with time_machine.travel(TUESDAY, tick=False):
        made = plan_patrol_slots(now=TUESDAY, until=TUESDAY + timedelta(days=1))
    calendar = WorkCalendar.load()
    for slot in made:
        planned = sorted(DeadlineStep.objects.filter(deadline_id=slot.deadline_id).values_list("step", "fire_at"))
        engine = scheduling.create_unit_deadline(
            kind=DeadlineKind.PATROL,
            unit=unit,
            started_at=slot.starts_at,
            due_at=slot.due_at,
            rule=slot.deadline.rule,
            calendar=calendar,
        )
        assert planned == sorted(engine.steps.values_list("step", "fire_at"))
        assert {s for s, _ in planned} == {"reminder:15m", "breach", "escalate"}
    assert policy.reminder_lead == 15


def test_current_slot_looks_back_one_day_at_most(watch):
    """The patrol page's slot (002 第六条): the window open now, else the latest begun within a day; a slot two
    days old is no longer offered (and the read stays a bounded index range)."""
    _plan_days(TUESDAY, 1)
    slot = selectors.current_slot(watch.centre, TUESDAY + timedelta(hours=10))
    assert slot is not None and slot.starts_at <= TUESDAY + timedelta(hours=10) < slot.due_at
    last = PatrolSlot.objects.filter(unit=watch.centre).order_by("-starts_at").first()
    late_night = TUESDAY + timedelta(days=1, hours=3)
    assert selectors.current_slot(watch.centre, late_night) == last  # overnight: the evening's last slot
    assert selectors.current_slot(watch.centre, last.starts_at + timedelta(days=1, minutes=1)) is None


def test_records_are_keyset_paginated_newest_first(watch, org):
    """A unit's 巡查记录 page after page on (patrolled_at, id), ties included, no record twice or skipped; a
    tampered cursor shows the first page; another unit's reader sees nothing."""
    officer = watch.watchers[0]
    at = TUESDAY + timedelta(hours=9)
    made = PatrolRecord.objects.bulk_create(
        PatrolRecord(unit=watch.centre, officer=officer, patrolled_at=at - timedelta(minutes=i // 3)) for i in range(25)
    )
    expected = sorted(made, key=lambda r: (r.patrolled_at, r.pk), reverse=True)
    seen, cursor = [], None
    for _ in range(3):
        page = selectors.records_page(officer, watch.centre, after=cursor, n=10)
        seen += page.records
        cursor = page.next_cursor
    assert [r.pk for r in seen] == [r.pk for r in expected] and cursor is None
    assert [r.pk for r in selectors.records_page(officer, watch.centre, after="2026-13-45_x").records] == [
        r.pk for r in expected[:20]
    ]
    outsider = watch.watchers[2]  # 督查局
    assert selectors.records_page(outsider, watch.centre).records == []


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent planners need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_planners_create_each_slot_once(org):
    """Two beat workers planning the same hours at once (002 第六条 schedule, exactly once): every slot and its
    巡查时限 exist once, no deadline without its slot, the daily figures count each slot once."""
    for i in range(3):
        _watching_unit(org, f"w{i}", f"监测{i}")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(plan_patrol_slots(now=TUESDAY, until=TUESDAY + timedelta(days=2)))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    slots = PatrolSlot.objects.count()
    assert slots > 0 and sorted(len(r) for r in results) == [0, slots]
    assert county_patrol_deadlines().count() == slots
    assert DeadlineStep.objects.filter(deadline__kind=DeadlineKind.PATROL).count() == 2 * slots
    assert sum(PatrolDay.objects.values_list("slots", flat=True)) == slots
