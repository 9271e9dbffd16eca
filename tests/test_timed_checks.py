"""The timed checks: escalation at 2 h and not before, catch-up after downtime firing each missed
step once, no double-firing, the by-hand command."""

import threading
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections

from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import TicketRole
from notifications.models import Notification
from org.models import Membership

SH = ZoneInfo("Asia/Shanghai")
DISPATCH = datetime(2026, 11, 23, 10, 0, tzinfo=SH)  # a Monday


@pytest.fixture
def dispatched_at_ten(org, make_incident):
    Membership.objects.filter(user=org.edu_leader).update(phone="13800000000")
    with time_machine.travel(DISPATCH, tick=False):
        incident = make_incident(grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    return incident, lead, assist


def fired_steps(kind=None):
    qs = DeadlineStep.objects.filter(state="fired")
    if kind:
        qs = qs.filter(deadline__kind=kind)
    return qs


def test_claim_escalation_fires_at_two_hours_and_not_before(org, dispatched_at_ten, django_capture_on_commit_callbacks):
    incident, lead, _ = dispatched_at_ten
    run_timed_checks(DISPATCH + timedelta(hours=1, minutes=59))
    lead.refresh_from_db()
    assert lead.overdue_unclaimed_at is None
    assert not fired_steps("claim").filter(step="breach").exists()
    assert fired_steps("claim").filter(step="reminder:30m").count() == 2  # both tickets reminded at 11:30

    with django_capture_on_commit_callbacks(execute=True):  # email/SMS go out after commit
        run_timed_checks(DISPATCH + timedelta(hours=2))
    lead.refresh_from_db()
    assert lead.overdue_unclaimed_at == DISPATCH + timedelta(hours=2)
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "breached" and claim.breached_at == DISPATCH + timedelta(hours=2)
    notified = set(
        Notification.objects.filter(step__deadline=claim, step__step="breach", channel="inbox").values_list(
            "recipient__username", flat=True
        )
    )
    # The unit's liaisons, the office and the unit's leader (002 第六条).
    assert notified == {"edu_l", "edu_l2", "duty", "edu_leader"}
    sms = Notification.objects.get(step__deadline=claim, step__step="breach", channel="sms", recipient=org.edu_leader)
    assert sms.status == "sent" and sms.attempts == 1
    no_phone = Notification.objects.get(step__deadline=claim, step__step="breach", channel="sms", recipient=org.duty)
    assert no_phone.status == "skipped"
    assert AuditEvent.objects.filter(ticket=lead, action="deadline_breached").count() == 1


def test_designated_claim_after_escalation_is_recorded(org, dispatched_at_ten):
    incident, lead, _ = dispatched_at_ten
    run_timed_checks(DISPATCH + timedelta(hours=3))
    with time_machine.travel(DISPATCH + timedelta(hours=3), tick=False):
        services.assign_ticket(org.duty, lead, assignee=org.edu_liaison2, reason="逾期未认领，指定认领")
    lead.refresh_from_db()
    assert lead.designated and lead.claimed_by == org.edu_liaison2 and lead.overdue_unclaimed_at is not None
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "breached" and claim.met_at == DISPATCH + timedelta(hours=3)


def test_ten_hours_of_downtime_fire_each_missed_step_once(org, dispatched_at_ten):
    incident, lead, assist = dispatched_at_ten
    due_by_then = DeadlineStep.objects.filter(fire_at__lte=DISPATCH + timedelta(hours=10)).count()
    fired = run_timed_checks(DISPATCH + timedelta(hours=10))
    assert len(fired) == due_by_then > 0
    assert len({f.step_id for f in fired}) == len(fired)
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.breached_at == DISPATCH + timedelta(hours=2)  # the breach time it really had
    reminder = DeadlineStep.objects.get(deadline=claim, step="reminder:30m")
    assert reminder.outcome == "skipped_stale"  # a reminder for a deadline already past is not sent
    assert DeadlineStep.objects.get(deadline=claim, step="escalate").outcome == "notified"
    notices = Notification.objects.count()
    assert run_timed_checks(DISPATCH + timedelta(hours=10)) == []
    assert run_timed_checks(DISPATCH + timedelta(hours=10, minutes=5)) == []
    assert Notification.objects.count() == notices


def test_a_met_deadline_does_not_fire(org, dispatched_at_ten):
    incident, lead, _ = dispatched_at_ten
    with time_machine.travel(DISPATCH + timedelta(minutes=20), tick=False):
        services.claim_ticket(org.edu_liaison, lead)
    run_timed_checks(DISPATCH + timedelta(hours=5))
    claim = Deadline.objects.get(ticket=lead, kind="claim")
    assert claim.state == "met"
    assert not Notification.objects.filter(step__deadline=claim).exists()


def test_run_timed_checks_command_dry_run_changes_nothing(org, dispatched_at_ten):
    notices = Notification.objects.count()  # the dispatch notices
    out = StringIO()
    call_command("run_timed_checks", "--at", "2026-11-23T12:00:00+08:00", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "将触发" in text and "breach" in text and "认领时限" in text
    assert not fired_steps().exists() and Notification.objects.count() == notices
    out = StringIO()
    call_command("run_timed_checks", "--at", "2026-11-23T12:00:00+08:00", stdout=out)
    assert "已触发" in out.getvalue()
    assert fired_steps("claim").filter(step="breach").count() == 2


def test_beat_schedule_triggers_the_sweep_in_shanghai_time(settings):
    from yuqing.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["timed-checks-every-minute"]
    assert entry["task"] == "deadlines.tasks.run_timed_checks"
    assert app.conf.timezone == "Asia/Shanghai" and app.conf.enable_utc is False
    app.loader.import_default_modules()  # what a worker does at start: autodiscover tasks
    assert "deadlines.tasks.run_timed_checks" in app.tasks


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent sweeps need PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_fire_nothing_twice(org, dispatched_at_ten):
    now = DISPATCH + timedelta(hours=10)
    due = DeadlineStep.objects.filter(fire_at__lte=now).count()
    barrier = threading.Barrier(2)
    results = []

    def sweep():
        try:
            barrier.wait()
            results.append(run_timed_checks(now, batch_size=2))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    tried = [f for r in results for f in r]
    assert len(tried) == len({f.step_id for f in tried}) == due  # every due step taken by exactly one sweep
    # An escalation taken while the other sweep still holds its breach waits for the next run rather than find
    # the deadline unbreached (the batch lock reads the breach's state; sweep_steps plans it as waiting); the next
    # run fires it, and nothing twice.
    waiting = [f.step_id for f in tried if f.outcome == "waiting_breach"]
    later = run_timed_checks(now)
    assert sorted(f.step_id for f in later) == sorted(waiting)
    assert DeadlineStep.objects.filter(state="fired").count() == due
    inbox = Notification.objects.filter(channel="inbox").values_list("step_id", "recipient_id")
    assert len(inbox) == len(set(inbox))
    assert (
        AuditEvent.objects.filter(action="deadline_breached").count()
        == Deadline.objects.filter(state="breached").count()
    )
