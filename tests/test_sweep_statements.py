"""The timed checks are set-based per batch (issue 16): the statements a pass sends do not grow with the steps it
fires (counted with connection.execute_wrapper, which sees every statement, unlike Django's capped query log);
a failed bulk write falls back to firing the steps one by one; a pass keeps to its budget and never overlaps
another (PostgreSQL advisory lock); two concurrent passes fire every step exactly once. The steps of patrol slots'
deadlines (no incident, their subject registered by monitoring) are planned a batch at a time like an incident's."""

import threading
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from core import audit
from core.models import AuditEvent
from deadlines import sweep
from deadlines.models import Deadline, DeadlineKind, DeadlineStep
from deadlines.sweep import run_timed_checks
from incidents import services
from incidents.models import TicketRole
from monitoring.models import DutyAssignment, PatrolSlot, Shift
from notifications.models import Notification
from org import recipients
from org.models import Role

from .factories import UnitFactory, person

SH = ZoneInfo("Asia/Shanghai")
DISPATCH = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
NOW = DISPATCH + timedelta(days=3)


class Counter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


@pytest.fixture
def scene(org, make_incident):
    """One dispatched incident; its real deadlines are fired away first, so only the steps added by due() count."""
    with time_machine.travel(DISPATCH, tick=False):
        incident = make_incident(grade="IV")
        lead, assist = services.dispatch_incident(
            org.duty, incident, assignments=[(org.edu, TicketRole.LEAD), (org.health, TicketRole.ASSIST)]
        )
    DeadlineStep.objects.update(state=DeadlineStep.State.CANCELLED)
    return incident, lead, assist


def due(org, scene, n):
    """n due steps over n deadlines of every shape the sweep knows: a ticket's claim (breach: the ticket is marked
    overdue, the unit's leaders told), a unit's deadline without a ticket (breach, then escalation in the same
    pass), the office's own (escalates to the office's leaders) and reminders (told, or stale)."""
    incident, lead, assist = scene
    owners = [(lead, org.edu), (assist, org.health), (None, org.edu), (None, None)]
    deadlines, steps = [], []
    last = Deadline.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for i in range(n):
        ticket, unit = owners[i % len(owners)]
        kind = "claim" if ticket is not None else "handle"
        remind = i % 5 == 4
        due_at = NOW + timedelta(hours=2) if remind else NOW - timedelta(hours=3)
        deadlines.append(
            Deadline(
                kind=kind,
                incident=incident,
                ticket=ticket,
                unit=unit,
                rule={"channels": "inbox"},
                started_at=DISPATCH,
                due_at=due_at,
                original_due_at=due_at,
            )
        )
    Deadline.objects.bulk_create(deadlines)
    for i, d in enumerate(Deadline.objects.filter(pk__gt=last).order_by("pk")):
        if i % 5 == 4:
            steps.append(DeadlineStep(deadline=d, step="remind", fire_at=NOW - timedelta(hours=1)))
        else:
            steps.append(DeadlineStep(deadline=d, step="breach", fire_at=d.due_at))
            if i % 2:
                steps.append(DeadlineStep(deadline=d, step="escalate", fire_at=d.due_at + timedelta(hours=1)))
    DeadlineStep.objects.bulk_create(steps[:n])
    assert DeadlineStep.objects.filter(state="pending", fire_at__lte=NOW).count() == n


def counted_pass(batch_size, **kwargs):
    counter = Counter()
    with time_machine.travel(NOW, tick=False), connection.execute_wrapper(counter):
        fired = run_timed_checks(batch_size=batch_size, **kwargs)
    return fired, counter.statements


@pytest.mark.parametrize("n", [10, 100])
def test_statements_per_pass_do_not_grow_with_the_steps(org, scene, n):
    due(org, scene, n)
    fired, statements = counted_pass(n)
    assert len(fired) == n and all(f.outcome in {"notified", "skipped_stale"} for f in fired)
    assert DeadlineStep.objects.filter(state="fired").count() == n
    # A pass of one batch sends a fixed number of statements, whatever the batch's size: lock and read the batch (with
    # each escalation's breach state), the incidents' titles, the units and their people (once per pass), one write per
    # kind of row, and the savepoints. At 10 steps about 2 per step; at 100, a fifth of one.
    assert len(statements) <= BUDGET[connection.vendor], statements
    if n >= 100:
        assert len(statements) <= n / 4, statements


# Measured: one batch's pass, whatever its size (10 or 100 steps), counting the test's own savepoints around each
# transaction. A larger count means something is per step again.
BUDGET = {"postgresql": 21, "sqlite": 20}  # PostgreSQL: and the pass lock, taken and released


@pytest.mark.parametrize("n", [100, 200])
def test_the_count_is_the_same_for_ten_steps_and_for_many(org, scene, n):
    """002 第六条 (逾期督办 reaches everyone it must, however many are due at once): the statements of one batch do not
    depend on how many steps it fires."""
    due(org, scene, 10)
    _, ten = counted_pass(10)
    DeadlineStep.objects.filter(state="fired").update(state=DeadlineStep.State.CANCELLED)
    due(org, scene, n)
    _, many = counted_pass(n)
    assert len(many) == len(ten), (ten, many)  # audit rows and notices go in as tuples, one statement each


def test_every_step_wrote_what_firing_it_alone_writes(org, scene):
    due(org, scene, 20)
    fired, _ = counted_pass(7)  # several batches
    notified = {f.step_id for f in fired if f.outcome == "notified"}
    assert len(fired) == 20 and notified
    # One audit row per notified step, one set of notices per notified step, nothing for a stale reminder.
    events = AuditEvent.objects.filter(action__in=["deadline_breached", "deadline_escalated", "deadline_reminder"])
    assert events.count() == len(notified)
    assert set(Notification.objects.filter(step__isnull=False).values_list("step_id", flat=True)) == notified
    inbox = list(Notification.objects.filter(step__isnull=False).values_list("step_id", "recipient_id", "channel"))
    assert len(inbox) == len(set(inbox))
    # Breached deadlines carry their due time; the claim's ticket is marked overdue unclaimed; escalations reached
    # the unit's leaders (or the office's) and the duty officers.
    for d in Deadline.objects.filter(state="breached"):
        assert d.breached_at == d.due_at
    _, lead, _ = scene
    lead.refresh_from_db()
    assert lead.overdue_unclaimed_at == NOW - timedelta(hours=3)
    # 卫健委 has no leader of its own: its escalation goes up the chain to the county's; so does the office's own.
    escalated = Notification.objects.filter(step__step="escalate", step__deadline__unit=org.health)
    assert set(escalated.values_list("recipient_id", flat=True)) == {org.leader.pk, org.duty.pk}
    escalated = Notification.objects.filter(step__step="escalate", step__deadline__unit=None)
    assert {org.leader.pk, org.duty.pk} <= set(escalated.values_list("recipient_id", flat=True))


def test_a_failed_bulk_write_fires_the_batch_one_by_one_and_a_bad_row_still_fails_alone(
    org, scene, monkeypatch, caplog
):
    due(org, scene, 12)

    real_many = audit.record_system_rows

    def refused(object_type, rows, **kwargs):
        # The batch's INSERT is refused (as a bad row would make the database refuse it); one row at a time goes in,
        # as the fallback writes it.
        if len(rows) > 1:
            raise RuntimeError("bulk insert refused")
        return real_many(object_type, rows, **kwargs)

    real = recipients.liaisons

    def liaisons(unit):
        if unit == org.health:
            raise RuntimeError("卫健委联络员数据异常")
        return real(unit)

    monkeypatch.setattr(audit, "record_system_rows", refused)
    monkeypatch.setattr(recipients, "liaisons", liaisons)
    fired, _ = counted_pass(12)
    assert "bulk insert refused" in caplog.text
    failed = [f for f in fired if f.outcome.startswith("failed")]
    assert failed and all(
        DeadlineStep.objects.get(pk=f.step_id).deadline.unit == org.health for f in failed
    )  # only 卫健委's steps
    ok = [f for f in fired if f.outcome == "notified"]
    assert ok and AuditEvent.objects.filter(
        action__in=["deadline_breached", "deadline_escalated", "deadline_reminder"]
    ).count() == len(ok)
    assert len(fired) == len({f.step_id for f in fired}) == 12


def test_a_pass_keeps_to_its_budget_and_the_next_pass_goes_on(org, scene):
    due(org, scene, 30)
    first, _ = counted_pass(5, max_steps=10)
    assert len(first) == 10
    second, _ = counted_pass(5, max_seconds=0)  # out of time after its first batch
    assert len(second) == 5
    rest, _ = counted_pass(5)
    assert len({f.step_id for f in first + second + rest}) == 30
    assert DeadlineStep.objects.filter(state="pending", fire_at__lte=NOW).count() == 0


@pytest.mark.parametrize("n", [10, 100])
@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row and advisory locks need PostgreSQL")
def test_two_concurrent_passes_fire_each_step_exactly_once(org, scene, n):
    due(org, scene, n)
    barrier = threading.Barrier(2)
    results: list = []

    def one_pass():
        try:
            barrier.wait()
            with time_machine.travel(NOW, tick=False):
                results.append(run_timed_checks(batch_size=7))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    tried = [f for r in results for f in r]
    assert len(results) == 2
    with time_machine.travel(NOW, tick=False):
        tried += run_timed_checks()  # an escalation left waiting for its breach fires now
    fired = [f for f in tried if f.outcome != "waiting_breach"]
    assert len(fired) == len({f.step_id for f in fired}) == n
    assert DeadlineStep.objects.filter(state="fired").count() == n
    rows = list(Notification.objects.filter(step__isnull=False).values_list("step_id", "recipient_id", "channel"))
    assert len(rows) == len(set(rows))
    assert (
        AuditEvent.objects.filter(action="deadline_breached").count()
        == Deadline.objects.filter(state="breached").count()
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row and advisory locks need PostgreSQL")
def test_a_pass_started_while_another_runs_leaves_the_steps_to_it(org, scene):
    due(org, scene, 10)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sweep.PASS_LOCK])
        fired, statements = counted_pass(5)
        assert fired == [] and len(statements) == 1
        assert DeadlineStep.objects.filter(state="pending", fire_at__lte=NOW).count() == 10
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [sweep.PASS_LOCK])
    finally:
        other.close()
    fired, _ = counted_pass(5)
    assert len(fired) == 10


def patrol_due(org, n, tag="a"):
    """n due steps of patrol slots' deadlines (no incident) over three watching units, one with a watcher rostered
    (told), two with nobody rostered (the duty officers are told): reminders of slots open now, breaches of slots
    missed (the unit's latest missed slot speaks, the older ones are superseded), escalations of slots breached more
    than an hour ago (the office's leaders told). `tag` names the units and the watcher, for a second scene."""
    units = [UnitFactory(code=f"watch{tag}{k}", name=f"监测中心{tag}{k}", parent=org.county) for k in range(3)]
    watcher = person(f"watcher{tag}", units[0], Role.LIAISON, first_name="刘监测")
    shift = Shift.objects.create(
        unit=units[0],
        date=NOW.date(),
        kind="day",
        starts_at=NOW - timedelta(hours=12),
        ends_at=NOW + timedelta(hours=6),
    )
    DutyAssignment.objects.create(shift=shift, user=watcher)
    rule = {"policy": "巡查时限", "escalate_after": "60m", "channels": "inbox"}
    plans = []
    for i in range(n):
        stage = ("remind", "breach", "breach", "escalate", "escalate")[i % 5]
        back = {"remind": timedelta(minutes=30), "breach": timedelta(minutes=90), "escalate": timedelta(hours=2)}[stage]
        starts = NOW - back - timedelta(seconds=i)
        plans.append((units[i % 3], stage, starts, starts + timedelta(hours=1)))
    last = Deadline.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    Deadline.objects.bulk_create(
        Deadline(
            kind=DeadlineKind.PATROL,
            unit=unit,
            rule=rule,
            started_at=starts,
            due_at=due_at,
            original_due_at=due_at,
            state=Deadline.State.BREACHED if stage == "escalate" else Deadline.State.PENDING,
            breached_at=due_at if stage == "escalate" else None,
        )
        for unit, stage, starts, due_at in plans
    )
    deadlines = list(Deadline.objects.filter(pk__gt=last).order_by("pk"))
    PatrolSlot.objects.bulk_create(
        PatrolSlot(unit=unit, starts_at=starts, due_at=due_at, kind="office", deadline=d)
        for d, (unit, _, starts, due_at) in zip(deadlines, plans, strict=True)
    )
    fire = {"remind": NOW - timedelta(minutes=1), "breach": timedelta(0), "escalate": timedelta(hours=1)}
    DeadlineStep.objects.bulk_create(
        DeadlineStep(
            deadline=d,
            step="reminder:15m" if stage == "remind" else stage,
            fire_at=fire[stage] if stage == "remind" else d.due_at + fire[stage],
        )
        for d, (_, stage, _, _) in zip(deadlines, plans, strict=True)
    )
    assert DeadlineStep.objects.filter(state="pending", fire_at__lte=NOW).count() == n
    return SimpleNamespace(units=units, watcher=watcher)


@pytest.mark.parametrize("n", [100])
def test_a_batch_of_patrol_steps_costs_the_same_statements_for_ten_and_a_hundred(org, n):
    """002 第六条 (a missed patrol is told to the person on duty, then the office's leaders): the statements of a batch
    of patrol slots' steps do not depend on how many it fires: the slots, the roster and the later slots already due
    are read once per batch, the office's people once per pass, and each kind of row written in one statement."""
    patrol_due(org, 10, "a")
    ten_fired, ten = counted_pass(10)
    DeadlineStep.objects.filter(state="fired").update(state=DeadlineStep.State.CANCELLED)
    patrol_due(org, n, "b")
    many_fired, many = counted_pass(n)
    for fired, size in ((ten_fired, 10), (many_fired, n)):
        assert len(fired) == size and {f.outcome for f in fired} == {"notified", "superseded"}
        assert {f.step for f in fired} == {"reminder:15m", "breach", "escalate"}
    assert len(many) == len(ten), (ten, many)
    assert len(ten) <= PATROL_BUDGET[connection.vendor], ten


# Measured: a pass of one batch of patrol steps: lock and read the batch, the slots, the roster, the later slots, the
# duty officers and the office's leaders (once per pass), the breaches, notices, audit rows and fired steps (one per
# outcome), and the savepoints. Was about 12 per step, fired one by one.
PATROL_BUDGET = {"postgresql": 21, "sqlite": 19}
