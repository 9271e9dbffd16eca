"""The timed checks. Each run asks the database for the steps due now, by index, never loops over
open incidents. A step is locked (skip locked, so two workers split the work), re-checked, fired and
marked in its own savepoint with its audit row; notices go out after commit. A step missed while the
worker was down fires on the next run, once, with the breach time it really had.

A step that raises is isolated: only its savepoint is rolled back, the error and the attempt are kept
on the step and logged, and the rest of the batch fires. It is not picked again in the same run, is
retried by the next runs, and after MAX_ATTEMPTS it is marked failed for the admins, who can put it
back in the queue (requeue_failed_steps, the admin's 重新触发).

Set-based per batch (issue 16): one statement locks a batch of due steps with their deadlines (skip locked),
recipients are looked up once per unit and role for the whole pass (org.recipients.Directory), and the batch's
notices, audit rows, breached deadlines, overdue tickets and fired steps are each written in one statement, so
the statements per step fall with the batch's size instead of being a dozen per step. Should a bulk write fail,
its savepoint is rolled back and the batch's steps fire one by one as before (_fire_isolated), so one bad row
still fails alone. A pass holds a lock (a PostgreSQL advisory lock; on SQLite the database's single writer
serialises the batches) so two passes never overlap, and stops taking batches after PASS_SECONDS or PASS_STEPS:
a backlog drains over several passes, none outliving the beat interval."""

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from core import audit
from deadlines import subjects
from deadlines.models import Deadline, DeadlineKind, DeadlineStep
from incidents.models import Ticket
from notifications.notify import TITLE_MAX, Notice, fit, notify, notify_many
from org import recipients
from org.access import require_role

logger = logging.getLogger(__name__)
BATCH_SIZE = 200
MAX_ATTEMPTS = 3  # over three runs, about three minutes apart under beat; then it waits for an admin
ERROR_MAX = 2000
# A pass stops taking new batches after this long or this many steps; the rest is the next pass's (beat runs the
# checks every minute, so a pass ends well within the interval and a backlog drains over a few passes).
PASS_SECONDS = 40
PASS_STEPS = 20_000
PASS_LOCK = 0x59510016  # pg_try_advisory_lock key of the timed checks' pass ("YQ", issue 16)


@dataclass
class Fired:
    step_id: int
    deadline_id: int
    kind: str
    step: str
    fire_at: datetime
    outcome: str
    label: str

    def __str__(self) -> str:
        return f"{timezone.localtime(self.fire_at):%Y-%m-%d %H:%M} {self.step:<14} {self.outcome:<14} {self.label}"


def due_steps(now: datetime, *, tried_before: datetime | None = None) -> QuerySet[DeadlineStep]:
    """Pending steps due at `now`. With `tried_before` (the run's start), a step that failed during this
    run is left out, so a failing step cannot keep a run busy; the next run retries it."""
    qs = DeadlineStep.objects.filter(state=DeadlineStep.State.PENDING, fire_at__lte=now)
    if tried_before is not None:
        qs = qs.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=tried_before))
    return qs.select_related("deadline__incident", "deadline__ticket", "deadline__unit").order_by("fire_at", "id")


def _label(deadline: Deadline) -> str:
    if (subject := subjects.subject_of(deadline)) is not None:
        return subject.label(deadline)
    owner = deadline.unit.name if deadline.unit else "办公室"
    title = deadline.incident.title if deadline.incident else ""
    return f"{title}｜{owner}｜{deadline.get_kind_display()}"


def run_timed_checks(
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    max_seconds: float = PASS_SECONDS,
    max_steps: int = PASS_STEPS,
) -> list[Fired]:
    """Fire every step due at `now` (default: the current time). Returns what it tried: fired steps, and
    those left for a later run (outcome "failed n/3", or "waiting_breach" for an escalation whose breach
    has not fired yet)."""
    started = timezone.now()
    now = now or started
    if dry_run:
        return [
            Fired(s.pk, s.deadline_id, s.deadline.kind, s.step, s.fire_at, "would fire", _label(s.deadline))
            for s in due_steps(now)[:10000]
        ]
    fired: list[Fired] = []
    with _pass_lock() as held:
        if not held:
            logger.info("timed checks: another pass is running, this one leaves the due steps to it")
            return fired
        clock = time.monotonic()
        with recipients.pass_directory() as directory:
            while True:
                with transaction.atomic():
                    batch = list(
                        due_steps(now, tried_before=started).select_for_update(
                            skip_locked=True, of=("self", "deadline")
                        )[:batch_size]
                    )
                    fired += _fire_batch(batch, now, directory)
                if len(batch) < batch_size:
                    return fired
                if len(fired) >= max_steps or time.monotonic() - clock >= max_seconds:
                    logger.warning("timed checks: pass budget used after %s steps, the rest is next pass's", len(fired))
                    return fired


@contextmanager
def _pass_lock() -> Iterator[bool]:
    """Whether this pass may run: on PostgreSQL a session advisory lock, taken without waiting (a second pass
    started meanwhile ends at once; the lock goes with the connection should the worker die). SQLite has one
    writer at a time, and each batch's transaction takes the write lock at BEGIN, so passes cannot interleave
    their writes there; the steps' state is re-read under that lock either way."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [PASS_LOCK])
        held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [PASS_LOCK])


@dataclass
class _Writes:
    """What a batch changes, written in one statement each by write()."""

    steps: list[DeadlineStep] = field(default_factory=list)
    breached: list[Deadline] = field(default_factory=list)
    unclaimed: dict[int, datetime] = field(default_factory=dict)  # ticket id -> its claim deadline's due time
    notices: list[Notice] = field(default_factory=list)
    events: list = field(default_factory=list)

    def write(self, now: datetime) -> None:
        """One UPDATE per kind of change with the same values (Django's bulk_update builds a CASE per row and
        field, which costs more in Python than the sweep's whole SQL), one INSERT per kind of row."""
        if self.breached:
            Deadline.objects.filter(pk__in=[d.pk for d in self.breached]).update(
                state=Deadline.State.BREACHED, breached_at=F("due_at")
            )
        if self.unclaimed:
            claims = [d.pk for d in self.breached if d.ticket_id in self.unclaimed]
            due = Deadline.objects.filter(pk__in=claims, ticket_id=OuterRef("pk")).order_by("-due_at").values("due_at")
            Ticket.objects.filter(pk__in=list(self.unclaimed), claimed_at__isnull=True).update(
                overdue_unclaimed_at=Subquery(due[:1])
            )
        notify_many(self.notices)
        audit.record_many(self.events)
        by_outcome: dict[str, list[int]] = {}
        waited: list[int] = []
        for step in self.steps:
            if step.state == DeadlineStep.State.FIRED:
                by_outcome.setdefault(step.outcome, []).append(step.pk)
            else:
                waited.append(step.pk)
        for outcome, ids in by_outcome.items():
            DeadlineStep.objects.filter(pk__in=ids).update(
                state=DeadlineStep.State.FIRED, fired_at=now, outcome=outcome, error=""
            )
        if waited:
            DeadlineStep.objects.filter(pk__in=waited).update(last_attempt_at=timezone.now())


def _waiting_for_breach(batch: list[DeadlineStep]) -> set[int]:
    """The deadlines of the batch's escalations whose breach has not fired (pending or failed): one query."""
    ids = {
        s.deadline_id
        for s in batch
        if s.step == "escalate" and s.deadline.state == Deadline.State.PENDING and s.deadline.met_at is None
    }
    if not ids:
        return set()
    return set(
        DeadlineStep.objects.filter(
            deadline_id__in=ids, step="breach", state__in=[DeadlineStep.State.PENDING, DeadlineStep.State.FAILED]
        ).values_list("deadline_id", flat=True)
    )


def _fire_batch(batch: list[DeadlineStep], now: datetime, directory: recipients.Directory) -> list[Fired]:
    """The batch's steps, in order, planned in memory (a step that raises fails alone and plans nothing), then
    written together; a write that fails is rolled back and the planned steps fire one by one."""
    shared: dict[int, Deadline] = {}
    for s in batch:  # one instance per deadline: a breach earlier in the batch is seen by its escalation
        s.deadline = shared.setdefault(s.deadline_id, s.deadline)
    waiting = _waiting_for_breach(batch)
    directory.preload(s.deadline.unit for s in batch if s.deadline.incident_id is not None)
    writes = _Writes()
    out: list[Fired] = []
    for step in batch:
        if subjects.subject_of(step.deadline) is not None:
            out.append(_fire_isolated(step, now))  # a patrol slot's subject writes its own notices
            continue
        try:
            out.append(_plan(step, now, writes, waiting))
        except Exception as exc:
            logger.exception("timed check step %s (%s of deadline %s) failed", step.pk, step.step, step.deadline_id)
            out.append(_record_failure(step, exc))
    if not writes.steps:
        return out
    try:
        with transaction.atomic():
            writes.write(now)
    except Exception:
        logger.exception("timed checks: the batch's bulk write failed, its %s steps fire one by one", len(writes.steps))
        planned = {s.pk for s in writes.steps}
        out = [f for f in out if f.step_id not in planned]
        again = due_steps(now).filter(pk__in=planned).select_for_update(of=("self",))
        out += [_fire_isolated(s, now) for s in again]
    return out


def _plan(step: DeadlineStep, now: datetime, writes: _Writes, waiting: set[int]) -> Fired:
    """_fire() for a batch: the same checks and outcomes, with the writes added to `writes`. Everything that may
    raise (looking up people, building titles) happens before anything is added or changed in memory."""
    deadline = step.deadline
    if (
        step.step == "escalate"
        and deadline.state == Deadline.State.PENDING
        and deadline.met_at is None
        and deadline.pk in waiting
    ):
        step.last_attempt_at = timezone.now()
        writes.steps.append(step)
        return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, "waiting_breach", _label(deadline))
    label = _label(deadline)
    if step.step == "breach":
        outcome = _plan_breach(step, deadline, writes)
    elif step.step == "escalate":
        outcome = _plan_escalate(step, deadline, writes)
    else:
        outcome = _plan_remind(step, deadline, now, writes)
    step.state, step.fired_at, step.outcome, step.error = DeadlineStep.State.FIRED, now, outcome, ""
    writes.steps.append(step)
    return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, outcome, label)


def _plan_remind(step: DeadlineStep, deadline: Deadline, now: datetime, writes: _Writes) -> str:
    if not deadline.is_open:
        return "skipped_met"
    if now >= deadline.due_at:
        return "skipped_stale"
    head = f"【到期提醒】{deadline.get_kind_display()}将于{_when(deadline.due_at)}到期："
    notice = Notice(
        _owners(deadline),
        title=_title(head, deadline, with_unit=False),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels="inbox",
        sensitive_head=head,
    )
    event = audit.event(
        None,
        "deadline_reminder",
        deadline,
        after={"kind": deadline.kind, "due_at": deadline.due_at, "step": step.step},
        incident=deadline.incident,
        ticket=deadline.ticket,
    )
    writes.notices.append(notice)
    writes.events.append(event)
    return "notified"


def _plan_breach(step: DeadlineStep, deadline: Deadline, writes: _Writes) -> str:
    if deadline.state != Deadline.State.PENDING or deadline.met_at is not None:
        return "skipped_met"
    people = list(_owners(deadline)) + recipients.duty_officers()
    after = {"kind": deadline.kind, "due_at": deadline.due_at, "breached_at": deadline.due_at}
    unclaimed = deadline.kind == DeadlineKind.CLAIM and bool(deadline.ticket_id)
    if unclaimed:
        # 逾期未认领 (002 第六条): the office and the unit's leader are told; the office may designate.
        people += recipients.leaders(deadline.unit)
        after["overdue_unclaimed"] = True
    head = f"【督办】{deadline.get_kind_display()}已于{_when(deadline.due_at)}逾期："
    notice = Notice(
        people,
        title=_title(head, deadline),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels=deadline.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(deadline),
    )
    event = audit.event(
        None, "deadline_breached", deadline, after=after, incident=deadline.incident, ticket=deadline.ticket
    )
    deadline.state, deadline.breached_at = Deadline.State.BREACHED, deadline.due_at
    writes.breached.append(deadline)
    if unclaimed and deadline.ticket_id is not None:
        writes.unclaimed[deadline.ticket_id] = deadline.due_at
    writes.notices.append(notice)
    writes.events.append(event)
    return "notified"


def _plan_escalate(step: DeadlineStep, deadline: Deadline, writes: _Writes) -> str:
    if not deadline.is_open or deadline.state != Deadline.State.BREACHED:
        return "skipped_met"
    # Up the chain of whoever owns the deadline (004 一(五)), as _escalate().
    people = recipients.leaders(deadline.unit) if deadline.unit else recipients.office_leaders()
    head = f"【逾期升级】{deadline.get_kind_display()}逾期未办结，请督促："
    notice = Notice(
        people + recipients.duty_officers(),
        title=_title(head, deadline),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels=deadline.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(deadline),
    )
    event = audit.event(
        None,
        "deadline_escalated",
        deadline,
        after={"kind": deadline.kind, "due_at": deadline.due_at},
        incident=deadline.incident,
        ticket=deadline.ticket,
    )
    writes.notices.append(notice)
    writes.events.append(event)
    return "notified"


def _fire_isolated(step: DeadlineStep, now: datetime) -> Fired:
    """One savepoint per step: whatever one row does (a title too long for a column, a bad recipient …)
    rolls back that step alone, never the batch, and never stops the checks for everyone."""
    try:
        with transaction.atomic():
            return _fire(step, now)
    except Exception as exc:
        logger.exception("timed check step %s (%s of deadline %s) failed", step.pk, step.step, step.deadline_id)
        return _record_failure(step, exc)


def _record_failure(step: DeadlineStep, exc: Exception) -> Fired:
    attempts = step.attempts + 1
    state = DeadlineStep.State.FAILED if attempts >= MAX_ATTEMPTS else DeadlineStep.State.PENDING
    DeadlineStep.objects.filter(pk=step.pk).update(
        attempts=attempts,
        last_attempt_at=timezone.now(),
        error=fit(f"{type(exc).__name__}: {exc}", ERROR_MAX),
        state=state,
    )
    deadline = step.deadline
    outcome = f"failed {attempts}/{MAX_ATTEMPTS}"
    return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, outcome, _label(deadline))


def _fire(step: DeadlineStep, now: datetime) -> Fired:
    # Re-read the deadline under its row lock: it may have been met, or breached by an earlier step
    # of this same batch, since the steps were selected.
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("incident", "ticket", "unit")
        .get(pk=step.deadline_id)
    )
    if step.step == "escalate" and _breach_not_fired(deadline):
        # Its breach failed and waits for a retry (or an admin's 重新触发): escalating now would find the
        # deadline not breached and drop the escalation for good. Try again on the next run.
        DeadlineStep.objects.filter(pk=step.pk).update(last_attempt_at=timezone.now())
        return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, "waiting_breach", _label(deadline))
    if (subject := subjects.subject_of(deadline)) is not None:
        outcome = _fire_subject(subject, step, deadline, now)
    elif step.step == "breach":
        outcome = _breach(step, deadline, now)
    elif step.step == "escalate":
        outcome = _escalate(step, deadline)
    else:
        outcome = _remind(step, deadline, now)
    step.state, step.fired_at, step.outcome, step.error = DeadlineStep.State.FIRED, now, outcome, ""
    step.save(update_fields=["state", "fired_at", "outcome", "error"])
    return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, outcome, _label(deadline))


def _breach_not_fired(deadline: Deadline) -> bool:
    if deadline.state != Deadline.State.PENDING or deadline.met_at is not None:
        return False  # breached (the usual case, no query), or met/cancelled: the step decides below
    return deadline.steps.filter(
        step="breach", state__in=[DeadlineStep.State.PENDING, DeadlineStep.State.FAILED]
    ).exists()


def _link(deadline: Deadline) -> str:
    if deadline.ticket_id:
        return reverse("ticket_detail", args=[deadline.ticket_id])
    return reverse("incident_detail", args=[deadline.incident_id])


def _owners(deadline: Deadline) -> list[User]:
    """Whoever must act: the unit's liaisons for a ticket, the office for the incident as a whole."""
    if deadline.unit:
        return recipients.liaisons(deadline.unit)
    return recipients.duty_officers()


def _when(instant: datetime) -> str:
    return f"{timezone.localtime(instant):%m月%d日 %H:%M}"


def _title(head: str, deadline: Deadline, *, with_unit: bool = True) -> str:
    """head + the incident's title + （unit）: the incident's title is what gets cut, so the notice still
    says what happened and whose it is however long the title someone typed."""
    tail = f"（{deadline.unit.name}）" if with_unit and deadline.unit else ""
    title = deadline.incident.title if deadline.incident else ""
    return head + fit(title, TITLE_MAX - len(head) - len(tail)) + tail


def _owner_tail(deadline: Deadline) -> str:
    """（unit） for a notice's head: whose deadline it is may be told to anyone the notice reaches."""
    return f"（{deadline.unit.name}）" if deadline.unit else ""


def _remind(step: DeadlineStep, deadline: Deadline, now: datetime) -> str:
    if not deadline.is_open:
        return "skipped_met"
    if now >= deadline.due_at:
        return "skipped_stale"  # the reminder was missed and the deadline has passed: the breach speaks
    head = f"【到期提醒】{deadline.get_kind_display()}将于{_when(deadline.due_at)}到期："
    # sensitive_head: who may not open a confidential incident reads the kind and time, not its title (issue 11 §1).
    notify(
        _owners(deadline),
        title=_title(head, deadline, with_unit=False),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels="inbox",
        sensitive_head=head,
    )
    audit.record(
        None,
        "deadline_reminder",
        deadline,
        after={"kind": deadline.kind, "due_at": deadline.due_at, "step": step.step},
        incident=deadline.incident,
        ticket=deadline.ticket,
    )
    return "notified"


def _breach(step: DeadlineStep, deadline: Deadline, now: datetime) -> str:
    if deadline.state != Deadline.State.PENDING or deadline.met_at is not None:
        return "skipped_met"
    deadline.state, deadline.breached_at = Deadline.State.BREACHED, deadline.due_at
    deadline.save(update_fields=["state", "breached_at"])
    people = list(_owners(deadline)) + recipients.duty_officers()
    after = {"kind": deadline.kind, "due_at": deadline.due_at, "breached_at": deadline.breached_at}
    if deadline.kind == DeadlineKind.CLAIM and deadline.ticket_id:
        # 逾期未认领 (002 第六条): the office and the unit's leader are told; the office may designate.
        Ticket.objects.filter(pk=deadline.ticket_id, claimed_at__isnull=True).update(
            overdue_unclaimed_at=deadline.due_at
        )
        people += recipients.leaders(deadline.unit)
        after["overdue_unclaimed"] = True
    head = f"【督办】{deadline.get_kind_display()}已于{_when(deadline.due_at)}逾期："
    notify(
        people,
        title=_title(head, deadline),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels=deadline.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(deadline),
    )
    audit.record(None, "deadline_breached", deadline, after=after, incident=deadline.incident, ticket=deadline.ticket)
    return "notified"


def _escalate(step: DeadlineStep, deadline: Deadline) -> str:
    if not deadline.is_open or deadline.state != Deadline.State.BREACHED:
        return "skipped_met"
    # Up the chain of whoever owns the deadline: a unit's to that unit's leaders, the office's own
    # (报告领导, 回应发布 …, unit None) to the office's leaders, not the subject unit's (004 一(五)).
    people = recipients.leaders(deadline.unit) if deadline.unit else recipients.office_leaders()
    head = f"【逾期升级】{deadline.get_kind_display()}逾期未办结，请督促："
    notify(
        people + recipients.duty_officers(),
        title=_title(head, deadline),
        link=_link(deadline),
        incident=deadline.incident,
        ticket=deadline.ticket,
        step=step,
        channels=deadline.rule.get("channels", "inbox"),
        sensitive_head=head.rstrip("：") + _owner_tail(deadline),
    )
    audit.record(
        None,
        "deadline_escalated",
        deadline,
        after={"kind": deadline.kind, "due_at": deadline.due_at},
        incident=deadline.incident,
        ticket=deadline.ticket,
    )
    return "notified"


def _fire_subject(subject: subjects.Subject, step: DeadlineStep, deadline: Deadline, now: datetime) -> str:
    """A deadline of no incident (a patrol slot): the same states and audit rows as an incident's, the people
    told and the words chosen by its registered subject (deadlines.subjects)."""
    if step.step == "breach":
        if deadline.state != Deadline.State.PENDING or deadline.met_at is not None:
            return "skipped_met"
        deadline.state, deadline.breached_at = Deadline.State.BREACHED, deadline.due_at
        deadline.save(update_fields=["state", "breached_at"])
        audit.record(None, "deadline_breached", deadline, after={"kind": deadline.kind, "due_at": deadline.due_at})
        return subject.notify(step, deadline, "breach", now)
    if step.step == "escalate":
        if not deadline.is_open or deadline.state != Deadline.State.BREACHED:
            return "skipped_met"
        audit.record(None, "deadline_escalated", deadline, after={"kind": deadline.kind, "due_at": deadline.due_at})
        return subject.notify(step, deadline, "escalate", now)
    if not deadline.is_open:
        return "skipped_met"
    if now >= deadline.due_at:
        return "skipped_stale"
    return subject.notify(step, deadline, "remind", now)


STEP_FIELDS = ["state", "attempts", "last_attempt_at", "error"]


@transaction.atomic
def requeue_failed_steps(
    actor: User, steps: Iterable[DeadlineStep | int], *, ip: str | None = None
) -> list[DeadlineStep]:
    """重新触发: an admin puts failed steps back in the queue once the cause is fixed; each fires on the next
    run with MAX_ATTEMPTS fresh attempts (a deadline is never lost, only delayed). Steps that are not
    failed are left as they are. Returns the steps re-queued."""
    require_role(actor, "is_admin", "只有管理员可以重新触发失败的督办步骤。")
    ids = [s.pk if isinstance(s, DeadlineStep) else s for s in steps]
    requeued = list(
        DeadlineStep.objects.select_for_update(of=("self",))
        .select_related("deadline__incident", "deadline__ticket")
        .filter(pk__in=ids, state=DeadlineStep.State.FAILED)
    )
    for step in requeued:
        before = audit.snapshot(step, STEP_FIELDS)
        step.state, step.attempts = DeadlineStep.State.PENDING, 0
        step.save(update_fields=["state", "attempts"])
        audit.record(
            actor,
            "deadline_step_requeued",
            step,
            before=before,
            after=audit.snapshot(step, STEP_FIELDS) | {"step": step.step},
            ip=ip,
            incident=step.deadline.incident,
            ticket=step.deadline.ticket,
        )
    return requeued
