"""The timed checks. Each run asks the database for the steps due now, by index, never loops over open incidents. A
step missed while the worker was down fires on the next run, once, with the breach time it really had.

Set-based per batch (issue 16): one statement locks a batch of due steps with their deadlines (skip locked, only the
columns the checks read), one reads the incidents' titles, recipients are looked up once per unit and role for the
whole pass (org.recipients.Directory), and the batch's notices (tuples in one INSERT, notifications.bulk), audit rows,
breached deadlines, overdue tickets and fired steps are each written in one statement, so the statements per step
fall with the batch's size. What each step does is decided by one builder per step kind (deadlines.sweep_steps),
which the batch and the one-by-one fallback share.

A step that raises is isolated: nothing of it is planned, the error and the attempt are kept on the step and logged,
and the rest of the batch fires. Should a bulk write fail, its savepoint is rolled back and the batch's steps fire one
by one, each in its own savepoint (_fire_one), so one bad row still fails alone. A failed step is not picked again in
the same run, is retried by the next runs, and after MAX_ATTEMPTS it is marked failed for the admins, who can put it
back in the queue (requeue_failed_steps, the admin's 重新触发).

A pass holds a lock (a PostgreSQL advisory lock; on SQLite the database's single writer serialises the batches) so
two passes never overlap, and stops taking batches after PASS_SECONDS or PASS_STEPS: a backlog drains over several
passes, none outliving the beat interval."""

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core import audit
from deadlines import subjects, sweep_steps
from deadlines.models import Deadline, DeadlineStep
from deadlines.sweep_steps import Due, Effect, Links
from incidents.models import Incident, Ticket
from notifications import bulk
from notifications.notify import fit
from org import recipients
from org.access import require_role
from org.models import Unit

logger = logging.getLogger(__name__)
# Steps per batch (one transaction): its row locks are held for about half a second at 500, and each batch costs a
# dozen statements whatever its size; 500 measured 1.4–1.6× the SQL floor at 1,000 due deadlines, 200 1.7–2.2×.
BATCH_SIZE = 500
MAX_ATTEMPTS = 3  # over three runs, about three minutes apart under beat; then it waits for an admin
ERROR_MAX = 2000
# A pass stops taking new batches after this long or this many steps; the rest is the next pass's (beat runs the
# checks every minute, so a pass ends well within the interval and a backlog drains over a few passes).
PASS_SECONDS = 40
PASS_STEPS = 20_000
PASS_LOCK = 0x59510016  # pg_try_advisory_lock key of the timed checks' pass ("YQ", issue 16)
# The columns a batch reads and locks: the step's and its deadline's (sweep_steps.Due), no model instances and nothing
# of the incident, ticket or unit (read apart, once).
READ = ("pk", "step", "fire_at", "attempts", "deadline_id", "deadline__kind", "deadline__state", "deadline__met_at",
        "deadline__due_at", "deadline__rule", "deadline__incident_id", "deadline__ticket_id", "deadline__unit_id",
        "breach_unfired")  # fmt: skip


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


def _due(now: datetime, tried_before: datetime | None = None) -> QuerySet[DeadlineStep]:
    qs = DeadlineStep.objects.filter(state=DeadlineStep.State.PENDING, fire_at__lte=now)
    if tried_before is not None:
        qs = qs.filter(Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=tried_before))
    # By fire time alone: the partial index on pending steps' fire_at hands the first rows over in that order, so a
    # batch reads its 200 rows however many are due. A tie-break on id made PostgreSQL read and sort every step due at
    # the same instant for every batch (a 100,000-step backlog due at one instant: 100,000 rows per batch).
    return qs.order_by("fire_at")


def due_steps(now: datetime, *, tried_before: datetime | None = None) -> QuerySet[DeadlineStep]:
    """Pending steps due at `now`. With `tried_before` (the run's start), a step that failed during this
    run is left out, so a failing step cannot keep a run busy; the next run retries it."""
    return (
        _due(now, tried_before)
        .order_by("fire_at", "id")
        .select_related("deadline__incident", "deadline__ticket", "deadline__unit")
    )


def _locked(qs: QuerySet[DeadlineStep], limit: int) -> list[Due]:
    """The first `limit` steps of `qs` with their deadlines, both locked (skip locked: a step or deadline another
    transaction holds waits for a later batch), as plain values (READ). The statement joins only the two tables,
    so FOR UPDATE locks those rows and no incident's."""
    # Whether the deadline's breach has not fired (pending or failed), read with the step: an escalation waits for it.
    unfired = DeadlineStep.objects.filter(
        deadline_id=OuterRef("deadline_id"),
        step="breach",
        state__in=[DeadlineStep.State.PENDING, DeadlineStep.State.FAILED],
    )
    qs = qs.annotate(breach_unfired=Exists(unfired)).select_for_update(skip_locked=True)
    return [Due(*row) for row in qs.values_list(*READ)[:limit]]


class AnyOf(Expression):
    """`column = ANY(%s)` with the ids as one array parameter, for a batch's reads and writes by id on PostgreSQL:
    `pk__in` makes one placeholder per id, and Django's psycopg cursor binds client-side, splitting and quoting a
    statement of 500 placeholders in Python for every batch (psycopg caches only short statements), which cost more
    than the statement (issue 16). Elsewhere (SQLite) the same IN list as pk__in. Never empty: the callers skip it."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int | None]) -> None:
        super().__init__()
        self.column: Any = F(column)
        self.ids = [i for i in ids if i is not None]

    def get_source_expressions(self) -> list:
        return [self.column]  # resolved, and relabelled inside a subquery, as any expression's

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        if not self.ids:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{sql} = ANY(%s)", [*params, self.ids]
        return f"{sql} IN ({', '.join(['%s'] * len(self.ids))})", [*params, *self.ids]


class _Pass:
    """What one pass reads once and keeps: the people (org.recipients.Directory), the units, the links' prefixes."""

    def __init__(self, now: datetime, directory: recipients.Directory) -> None:
        self.now, self.directory, self.links = now, directory, Links()
        self.units: dict[int, Unit] = {}

    def complete(self, batch: list[Due]) -> None:
        """The incidents' titles of a batch in one query, the units not yet seen in this pass in another, and their
        people (and those up their chain) in a third."""
        ours = [d for d in batch if d.incident_id is not None]
        if not ours:
            return
        incidents = Incident.objects.filter(AnyOf("pk", {d.incident_id for d in ours})).order_by()  # no sort
        titles: dict[int | None, tuple[str, bool]] = {
            pk: (title, secret) for pk, title, secret in incidents.values_list("pk", "title", "is_confidential")
        }
        missing = {d.unit_id for d in ours if d.unit_id is not None} - self.units.keys()
        if missing:
            self.units |= Unit.objects.in_bulk(missing)
        for d in ours:
            d.unit = self.units.get(d.unit_id) if d.unit_id is not None else None
            d.title, d.confidential = titles[d.incident_id]
        self.directory.preload({d.unit_id: d.unit for d in ours}.values())  # each unit once, not per step


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
            run = _Pass(now, directory)
            while True:
                with transaction.atomic():
                    batch = _locked(_due(now, tried_before=started), batch_size)
                    fired += _fire_batch(batch, run)
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

    now: datetime
    planned: list[Due] = field(default_factory=list)
    fired: dict[str, list[int]] = field(default_factory=dict)  # outcome -> step ids
    waited: list[int] = field(default_factory=list)
    breached: set[int] = field(default_factory=set)  # deadline ids
    overdue: dict[int, int] = field(default_factory=dict)  # ticket id -> its claim deadline's id
    notices: list[bulk.BulkNotice] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)  # audit rows as core.audit.SYSTEM_ROW tuples

    def add(self, due: Due, effect: Effect) -> None:
        if effect.notice is not None:
            self.notices.append(effect.notice)
        if effect.action:  # an incident's step audits what it told; a subject's breach is audited even if no one is
            self.events.append((effect.action, due.deadline_id, due.incident_id, due.ticket_id, effect.after))
        if effect.breach:
            self.breached.add(due.deadline_id)
        if effect.overdue_ticket is not None:
            self.overdue[effect.overdue_ticket] = due.deadline_id
        self.planned.append(due)
        self.fired.setdefault(effect.outcome, []).append(due.step_id)

    def wait(self, due: Due) -> None:
        self.planned.append(due)
        self.waited.append(due.step_id)

    def write(self) -> None:
        """One UPDATE per kind of change with the same values (Django's bulk_update builds a CASE per row and
        field, which costs more in Python than the sweep's whole SQL), one INSERT per kind of row."""
        if self.breached:
            Deadline.objects.filter(AnyOf("pk", self.breached)).update(
                state=Deadline.State.BREACHED, breached_at=F("due_at")
            )
        if self.overdue:
            due = Deadline.objects.filter(AnyOf("pk", self.overdue.values()), ticket_id=OuterRef("pk"))
            Ticket.objects.filter(AnyOf("pk", self.overdue), claimed_at__isnull=True).update(
                overdue_unclaimed_at=Subquery(due.order_by("-due_at").values("due_at")[:1])
            )
        bulk.insert_notices(self.notices)
        audit.record_system_rows(DEADLINE, self.events)
        for outcome, ids in self.fired.items():
            DeadlineStep.objects.filter(AnyOf("pk", ids)).update(
                state=DeadlineStep.State.FIRED, fired_at=self.now, outcome=outcome, error=""
            )
        if self.waited:
            DeadlineStep.objects.filter(AnyOf("pk", self.waited)).update(last_attempt_at=timezone.now())


DEADLINE = Deadline._meta.model_name  # the audit rows' object_type, as record() names a deadline


def _fire_batch(batch: list[Due], run: _Pass) -> list[Fired]:
    """The batch's steps, in order, planned in memory (a step that raises fails alone and plans nothing), then
    written together; a write that fails is rolled back and the planned steps fire one by one."""
    run.complete(batch)
    writes = _Writes(run.now)
    out: list[Fired] = []
    theirs: dict[str, list[Due]] = {}  # deadline kind -> the batch's steps of deadlines of no incident (patrol slots)
    for due in batch:
        if due.incident_id is None:
            theirs.setdefault(due.kind, []).append(due)
            continue
        try:
            out.append(_plan(due, run, writes))
        except Exception as exc:
            logger.exception("timed check step %s (%s of deadline %s) failed", due.step_id, due.step, due.deadline_id)
            out.append(_record_failure(due, exc, sweep_steps.label(due)))
    alone: list[Due] = []  # fired one by one after the batch's writes
    for kind, dues in theirs.items():
        try:
            out += _plan_subject(kind, dues, run, writes)
        except Exception:
            logger.exception("timed checks: the plan of %s %s steps failed, they fire one by one", len(dues), kind)
            alone += dues
    if writes.planned:
        try:
            with transaction.atomic():
                writes.write()
        except Exception:
            logger.exception(
                "timed checks: the batch's bulk write failed, its %s steps fire one by one", len(writes.planned)
            )
            planned = {d.step_id for d in writes.planned}
            out = [f for f in out if f.step_id not in planned]
            alone = writes.planned + alone
    return out + [f for due in alone if (f := _fire_one(due, run)) is not None]


def _fired(due: Due, outcome: str) -> Fired:
    return Fired(due.step_id, due.deadline_id, due.kind, due.step, due.fire_at, outcome, sweep_steps.label(due))


def _plan(due: Due, run: _Pass, writes: _Writes) -> Fired:
    """The step's effect by its builder, added to `writes`; the builder writes nothing, so a step that raises leaves
    nothing behind."""
    if due.deadline_id in writes.breached:  # breached by a step earlier in this batch
        due.state = Deadline.State.BREACHED
    if due.step == "escalate" and due.state == Deadline.State.PENDING and due.met_at is None and due.breach_unfired:
        # Its breach failed and waits for a retry (or an admin's 重新触发): escalating now would find the deadline not
        # breached and drop the escalation for good. It waits for a later run.
        writes.wait(due)
        return _fired(due, "waiting_breach")
    effect = sweep_steps.builder(due.step)(due, run.now, run.links)
    writes.add(due, effect)
    return _fired(due, effect.outcome)


def _plan_subject(kind: str, dues: list[Due], run: _Pass, writes: _Writes) -> list[Fired]:
    """Steps of deadlines of no incident (a patrol slot), in order: the engine decides what each does to its deadline
    (sweep_steps.subject_stage: breach, escalate, remind or skip) and the registered subject plans the notices of all
    of them at once (deadlines.subjects.Subject.plan); everything goes to `writes`. Nothing is added before the plan
    has answered for every step, so a plan that raises leaves `writes` as it was."""
    subject = subjects.of_kind(kind)
    if subject is None:
        raise LookupError(f"时限类型 {kind} 没有登记的对象（deadlines.subjects）")
    breached: set[int] = set()  # by a step earlier in this batch
    staged: list[tuple[Due, str, Effect]] = []
    for due in dues:
        if due.deadline_id in breached or due.deadline_id in writes.breached:
            due.state = Deadline.State.BREACHED
        if due.step == "escalate" and due.state == Deadline.State.PENDING and due.met_at is None and due.breach_unfired:
            staged.append((due, WAIT, Effect("waiting_breach")))  # as _plan: its breach waits for a retry
            continue
        stage, effect = sweep_steps.subject_stage(due, run.now)
        if effect.breach:
            breached.add(due.deadline_id)
        staged.append((due, stage, effect))
    asked = [subjects.Stage(due, stage) for due, stage, _ in staged if stage and stage != WAIT]
    planned = subject.plan(asked, run.now) if asked else []
    if len(planned) != len(asked):
        raise ValueError(f"{kind}: plan() answered {len(planned)} of {len(asked)} steps")
    answers = iter(planned)
    out: list[Fired] = []
    for due, stage, effect in staged:
        label = ""
        if stage == WAIT:
            writes.wait(due)
        else:
            if stage:
                answer = next(answers)
                effect.outcome, effect.notice, label = answer.outcome, answer.notice, answer.label
            writes.add(due, effect)
        out.append(Fired(due.step_id, due.deadline_id, due.kind, due.step, due.fire_at, effect.outcome, label))
    return out


WAIT = "wait"  # _plan_subject: an escalation waiting for its breach, no stage


def _fire_one(due: Due, run: _Pass) -> Fired | None:
    """The fallback: one step in its own savepoint, re-read under its lock, decided by the same builder (or subject)
    and written by the same writer as a batch of one; whatever it raises rolls back that step alone."""
    try:
        with transaction.atomic():
            again = _locked(_due(run.now).filter(pk=due.step_id), 1)
            if not again:  # no longer pending: nothing to do
                return None
            run.complete(again)
            writes = _Writes(run.now)
            if again[0].incident_id is None:
                (fired,) = _plan_subject(again[0].kind, again, run, writes)
            else:
                fired = _plan(again[0], run, writes)
            writes.write()
            return fired
    except Exception as exc:
        logger.exception("timed check step %s (%s of deadline %s) failed", due.step_id, due.step, due.deadline_id)
        return _record_failure(due, exc, sweep_steps.label(due) if due.incident_id is not None else "")


def _record_failure(due: Due, exc: Exception, label: str) -> Fired:
    attempts = due.attempts + 1
    state = DeadlineStep.State.FAILED if attempts >= MAX_ATTEMPTS else DeadlineStep.State.PENDING
    DeadlineStep.objects.filter(pk=due.step_id).update(
        attempts=attempts,
        last_attempt_at=timezone.now(),
        error=fit(f"{type(exc).__name__}: {exc}", ERROR_MAX),
        state=state,
    )
    outcome = f"failed {attempts}/{MAX_ATTEMPTS}"
    return Fired(due.step_id, due.deadline_id, due.kind, due.step, due.fire_at, outcome, label)


def _label(deadline: Deadline) -> str:
    if (subject := subjects.subject_of(deadline)) is not None:
        return subject.label(deadline)
    owner = deadline.unit.name if deadline.unit else "办公室"
    title = deadline.incident.title if deadline.incident else ""
    return f"{title}｜{owner}｜{deadline.get_kind_display()}"


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
