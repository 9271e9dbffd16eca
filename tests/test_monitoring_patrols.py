"""Patrols (002 第五条、第六条; 004 三(一)): slots planned ahead once, a patrol meeting its slot, a missed slot told to
the person on duty and escalated to the office's leader once, and after downtime caught up exactly once."""

from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.errors import InvalidInput, NotPermitted
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind, DeadlineStep
from deadlines.selectors import county_deadlines
from deadlines.sweep import run_timed_checks
from monitoring import selectors
from monitoring.models import DutyAssignment, PatrolPolicy, PatrolRecord, PatrolSlot, Shift, Site
from monitoring.planning import plan_patrol_slots
from monitoring.services.patrols import record_patrol
from notifications.models import Notification
from org.models import Role
from reporting.assessment import assess_units

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
TUESDAY = datetime(2026, 12, 1, 0, 0, tzinfo=SH)  # an ordinary working day


def at(hour, minute=0, day=TUESDAY):
    return day.replace(hour=hour, minute=minute)


@pytest.fixture
def watch(org):
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    forum = Site.objects.create(name="县城论坛", url="https://bbs.example.cn/", kind=Site.Kind.FORUM, unit=centre)
    board = Site.objects.create(
        name="领导留言板", url="https://liuyan.example.cn/", kind=Site.Kind.MESSAGE_BOARD, unit=centre
    )
    watcher = person("watcher", centre, Role.LIAISON, first_name="刘监测")
    shift = Shift.objects.create(
        unit=centre, date=TUESDAY.date(), kind=Shift.Kind.DAY, starts_at=at(8), ends_at=at(23, 59)
    )
    DutyAssignment.objects.create(shift=shift, user=watcher)
    with time_machine.travel(TUESDAY, tick=False):
        plan_patrol_slots(until=TUESDAY + timedelta(days=1))
    return SimpleNamespace(unit=centre, forum=forum, board=board, watcher=watcher, shift=shift)


def _slot(hour, minute=30):
    return PatrolSlot.objects.select_related("deadline").get(starts_at=at(hour, minute))


def test_slots_are_planned_once_with_their_deadlines(watch):
    assert PatrolSlot.objects.filter(unit=watch.unit).count() == 11
    with time_machine.travel(TUESDAY, tick=False):
        assert plan_patrol_slots(until=TUESDAY + timedelta(days=1)) == []  # the same day again: nothing new
    assert PatrolSlot.objects.count() == 11
    slot = _slot(9)
    assert slot.deadline.kind == DeadlineKind.PATROL and slot.deadline.unit == watch.unit
    assert slot.deadline.incident is None and slot.deadline.due_at == at(10, 30)
    assert set(slot.deadline.steps.values_list("step", flat=True)) == {"breach", "escalate"}


def test_a_unit_without_sites_gets_no_slots(watch, org):
    assert not PatrolSlot.objects.filter(unit=org.edu).exists()


def test_a_patrol_in_the_window_meets_the_slot_on_time_and_a_late_one_late(watch):
    with time_machine.travel(at(9, 40), tick=False):
        record = record_patrol(watch.watcher, unit=watch.unit, sites=[watch.forum, watch.board])
    slot = _slot(9)
    assert slot.record == record and slot.deadline.state == Deadline.State.MET
    assert not slot.deadline.steps.filter(state=DeadlineStep.State.PENDING).exists()  # its escalation is cancelled
    # The 08:30 slot had passed unpatrolled: the same patrol covers it, late.
    assert _slot(8).deadline.state == Deadline.State.BREACHED and _slot(8).deadline.met_at == at(9, 40)
    # The 10:30 slot has not begun: still pending.
    assert _slot(10).deadline.state == Deadline.State.PENDING and _slot(10).record is None


def test_nothing_found_is_a_valid_result_and_is_audited(watch):
    with time_machine.travel(at(9, 40), tick=False):
        record = record_patrol(watch.watcher, unit=watch.unit, sites=[watch.forum], found=False)
    assert not record.found and list(record.sites.all()) == [watch.forum]
    event = AuditEvent.objects.get(action="patrol_recorded")
    assert event.after["found"] is False and event.after["slots"] == 2


def test_bad_patrols_are_refused_and_nothing_is_stored(watch, org):
    other = Site.objects.create(name="外单位网站", kind=Site.Kind.PORTAL, unit=org.police)
    with time_machine.travel(at(9, 40), tick=False):
        with pytest.raises(InvalidInput, match="请至少选择"):
            record_patrol(watch.watcher, unit=watch.unit, sites=[])
        with pytest.raises(InvalidInput, match="负责巡查的网站"):
            record_patrol(watch.watcher, unit=watch.unit, sites=[other])
        with pytest.raises(InvalidInput, match="不能晚于现在"):
            record_patrol(watch.watcher, unit=watch.unit, sites=[watch.forum], patrolled_at=at(11))
        with pytest.raises(NotPermitted):
            record_patrol(org.edu_liaison, unit=watch.unit, sites=[watch.forum])
    assert not PatrolRecord.objects.exists()
    assert _slot(9).deadline.state == Deadline.State.PENDING


def test_a_missed_slot_tells_the_person_on_duty_then_the_office_leader_once(watch, org):
    with time_machine.travel(at(10, 30), tick=False):
        run_timed_checks()
    missed = Notification.objects.filter(title__startswith="【巡查逾期】")
    assert [n.recipient for n in missed] == [watch.watcher]
    assert "09:30–10:30" in missed[0].title and missed[0].link == reverse("monitoring:patrol")
    assert _slot(9).deadline.state == Deadline.State.BREACHED
    with time_machine.travel(at(11, 30), tick=False):  # escalate_after 60 minutes
        run_timed_checks()
        run_timed_checks()  # exactly once
    escalated = Notification.objects.filter(title__startswith="【巡查逾期升级】", title__contains="09:30–10:30")
    assert org.leader in [n.recipient for n in escalated]
    assert escalated.filter(recipient=org.leader).count() == 1


def test_a_patrol_after_the_miss_stops_the_escalation(watch, org):
    with time_machine.travel(at(10, 30), tick=False):
        run_timed_checks()
    with time_machine.travel(at(10, 45), tick=False):
        record_patrol(watch.watcher, unit=watch.unit, sites=[watch.forum])
    with time_machine.travel(at(11, 30), tick=False):
        run_timed_checks()
    assert (
        not Notification.objects.filter(title__startswith="【巡查逾期升级】")
        .filter(title__contains="09:30–10:30")
        .exists()
    )
    deadline = _slot(9).deadline
    assert deadline.state == Deadline.State.BREACHED and deadline.met_at == at(10, 45)  # late, counted late


def test_after_ten_hours_of_downtime_the_missed_slots_fire_once_and_only_the_latest_speaks(watch, org):
    """Nothing ran from 08:30 to 18:35: every due step fires once on the first run after, each slot marked
    missed; the person on duty gets one notice for the latest missed slot, the leader one escalation."""
    with time_machine.travel(at(18, 35), tick=False):
        fired = run_timed_checks()
        again = run_timed_checks()
    assert again == []
    breaches = [f for f in fired if f.step == "breach"]
    assert len(breaches) == 7  # the office-hours slots 08:30 … 16:30; the 17:30 evening slot is due at 19:30
    assert Deadline.objects.filter(kind=DeadlineKind.PATROL, state=Deadline.State.BREACHED).count() == len(breaches)
    assert Notification.objects.filter(title__startswith="【巡查逾期】", recipient=watch.watcher).count() == 1
    assert Notification.objects.filter(title__startswith="【巡查逾期升级】", recipient=org.leader).count() == 1


def test_who_is_on_duty_now(watch):
    assert [a.user for a in selectors.on_duty(watch.unit, at(9))] == [watch.watcher]
    assert list(selectors.on_duty(watch.unit, at(7))) == []


def test_patrol_slots_count_in_the_units_assessment_and_not_in_the_incident_figures(watch):
    """002 第六条 纳入考核: the unit's patrol rate in 考核; a missed patrol is no overdue incident deadline."""
    with time_machine.travel(at(9, 40), tick=False):
        record_patrol(watch.watcher, unit=watch.unit, sites=[watch.forum])
    with time_machine.travel(at(12, 5), tick=False):
        run_timed_checks()
        (row,) = assess_units(TUESDAY, TUESDAY + timedelta(days=1), unit_ids=[watch.unit.pk])
        assert (row.patrol.on_time, row.patrol.total) == (1, 4)  # 09:30 on time; 08:30 late; 10:30, 11:30 missed
        assert not county_deadlines().filter(kind=DeadlineKind.PATROL).exists()


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (datetime(2026, 10, 10, 0, 0, tzinfo=SH), 24, 11),  # 调休 Saturday: a working day's 11 slots
        (datetime(2026, 10, 11, 0, 0, tzinfo=SH), 24, 8),  # the Sunday after: 8 holiday slots
        (datetime(2026, 10, 7, 0, 0, tzinfo=SH), 24, 8),  # 国庆, a Wednesday
        (datetime(2026, 10, 9, 18, 0, tzinfo=SH), 6, 3),  # a Friday evening: 19:30, 21:30, 23:30
    ],
)
def test_planning_follows_the_seeded_calendar(org, start, hours, expected):
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    Site.objects.create(name="县城论坛", kind=Site.Kind.FORUM, unit=centre)
    with time_machine.travel(start, tick=False):
        created = plan_patrol_slots()
        assert plan_patrol_slots() == []  # twice: once
    in_window = [s for s in created if s.starts_at < start + timedelta(hours=hours)]
    assert len(in_window) == expected


def test_a_reminder_before_the_window_closes_when_configured(org):
    centre = UnitFactory(code="jiankong", name="网络舆情应急监控中心", parent=org.county)
    Site.objects.create(name="县城论坛", kind=Site.Kind.FORUM, unit=centre)
    PatrolPolicy.objects.create(reminder_lead=15)
    with time_machine.travel(TUESDAY, tick=False):
        plan_patrol_slots(until=TUESDAY + timedelta(days=1))
    with time_machine.travel(at(10, 15), tick=False):
        run_timed_checks()
    reminders = Notification.objects.filter(title__startswith="【巡查提醒】")
    assert reminders.filter(title__contains="09:30–10:30").exists()
    assert {n.recipient for n in reminders} == {org.duty}  # nobody rostered: the office's duty officers
