"""Patrol slots' steps fired a batch at a time (issue 16) tell the same people in the same words, leave the same
states and audit rows as the one-by-one path the sweep falls back on, and a bad slot still fails alone
(002 第六条: a missed patrol is told to the person on duty, then the office's leaders, exactly once)."""

import time_machine

from core import audit
from core.models import AuditEvent
from deadlines.models import Deadline, DeadlineKind, DeadlineStep
from deadlines.sweep import run_timed_checks
from monitoring import notices
from notifications.models import Notification

from .test_sweep_statements import NOW, patrol_due


def _outcome():
    """What a pass left: the notices, the steps' outcomes, the deadlines' states and the audit rows, comparable."""
    sent = sorted(
        Notification.objects.values_list("step_id", "recipient_id", "channel", "title", "body", "link", "status")
    )
    steps = sorted(DeadlineStep.objects.filter(state="fired").values_list("pk", "outcome", "fired_at"))
    deadlines = sorted(Deadline.objects.filter(kind=DeadlineKind.PATROL).values_list("pk", "state", "breached_at"))
    events = sorted(
        (e.action, e.object_type, e.object_id, e.actor_id, e.actor_name, e.before, e.after, e.incident_id, e.ticket_id)
        for e in AuditEvent.objects.filter(action__startswith="deadline_")
    )
    return sent, steps, deadlines, events


def _again(breached):
    """The scene as it was before the pass: steps pending, missed slots not yet breached, no notices (audit rows
    are append-only: the caller compares only the rows written after)."""
    DeadlineStep.objects.update(state=DeadlineStep.State.PENDING, fired_at=None, outcome="", error="", attempts=0)
    Deadline.objects.filter(pk__in=breached).update(state=Deadline.State.PENDING, breached_at=None)
    Notification.objects.all().delete()


def test_a_batch_tells_the_same_people_in_the_same_words_as_one_by_one(org, monkeypatch):
    scene = patrol_due(org, 20)
    breached = list(DeadlineStep.objects.filter(step="breach").values_list("deadline_id", flat=True))
    with time_machine.travel(NOW, tick=False):
        batch = run_timed_checks(batch_size=20)
    sent, steps, deadlines, events = _outcome()
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()

    _again(breached)
    real = audit.record_system_rows

    def refused(object_type, rows, **kwargs):  # the batch's INSERT refused: every step fires alone, a batch of one
        if len(rows) > 1:
            raise RuntimeError("bulk insert refused")
        return real(object_type, rows, **kwargs)

    monkeypatch.setattr(audit, "record_system_rows", refused)
    with time_machine.travel(NOW, tick=False):
        alone = run_timed_checks(batch_size=20)
    alone_events = sorted(
        (e.action, e.object_type, e.object_id, e.actor_id, e.actor_name, e.before, e.after, e.incident_id, e.ticket_id)
        for e in AuditEvent.objects.filter(action__startswith="deadline_", pk__gt=mark)
    )
    assert _outcome()[:3] == (sent, steps, deadlines)
    assert alone_events == events
    assert sorted((f.step_id, f.outcome, f.label) for f in alone) == sorted(
        (f.step_id, f.outcome, f.label) for f in batch
    )

    # What the people read: the person rostered gets the reminder and the latest miss of their unit; the office's
    # leader the latest escalation of each unit; a unit with nobody rostered falls back on the duty officers.
    titles = {(r, t[: t.index("】") + 1]) for _, r, _, t, *_ in sent}
    assert (scene.watcher.pk, "【巡查提醒】") in titles and (scene.watcher.pk, "【巡查逾期】") in titles
    assert (org.leader.pk, "【巡查逾期升级】") in titles and (org.duty.pk, "【巡查逾期】") in titles
    assert all(link == "/monitoring/patrol/" for *_, link, _ in sent)
    assert {e[0] for e in events} == {"deadline_breached", "deadline_escalated"}
    # Each breached slot is audited once, superseded or not; only the latest missed slot of a unit speaks.
    assert sum(e[0] == "deadline_breached" for e in events) == len(breached)
    assert sum(f.outcome == "superseded" for f in batch) > 0
    told = {step for step, *_ in sent}
    assert told == {f.step_id for f in batch if f.outcome == "notified"}


def test_a_bad_slot_fails_alone_and_the_rest_of_its_batch_fires(org, monkeypatch, caplog):
    scene = patrol_due(org, 15)
    bad = scene.units[1]
    real = notices._window

    def window(slot):
        if slot.unit_id == bad.pk:
            raise RuntimeError("巡查时段数据异常")
        return real(slot)

    monkeypatch.setattr(notices, "_window", window)
    with time_machine.travel(NOW, tick=False):
        fired = run_timed_checks(batch_size=15)
    assert "fire one by one" in caplog.text
    assert len(fired) == len({f.step_id for f in fired}) == 15
    failed = {f.step_id for f in fired if f.outcome.startswith("failed")}
    units = dict(DeadlineStep.objects.values_list("pk", "deadline__unit_id"))
    assert failed and {units[pk] for pk in failed} == {bad.pk}
    # The bad unit's steps are kept for a retry with their error; nothing of them was written.
    for step in DeadlineStep.objects.filter(pk__in=failed):
        assert step.state == DeadlineStep.State.PENDING and "巡查时段数据异常" in step.error
    assert not Notification.objects.filter(step_id__in=failed).exists()
    ok = [f for f in fired if f.step_id not in failed]
    assert {f.outcome for f in ok} == {"notified", "superseded"}
    assert {units[f.step_id] for f in ok} == {scene.units[0].pk, scene.units[2].pk}
