"""The timed checks. Each run asks the database for the steps due now, by index, never loops over
open incidents. A step is locked (skip locked, so two workers split the work), re-checked, fired and
marked in one transaction with its audit row; notices go out after commit. A step missed while the
worker was down fires on the next run, once, with the breach time it really had."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from incidents import audit

from . import recipients
from .models import Deadline, DeadlineKind, DeadlineStep
from .notifications import notify

BATCH_SIZE = 200


@dataclass
class Fired:
    step_id: int
    deadline_id: int
    kind: str
    step: str
    fire_at: datetime
    outcome: str
    label: str

    def __str__(self):
        return f"{timezone.localtime(self.fire_at):%Y-%m-%d %H:%M} {self.step:<14} {self.outcome:<14} {self.label}"


def due_steps(now):
    return (
        DeadlineStep.objects.filter(state=DeadlineStep.State.PENDING, fire_at__lte=now)
        .select_related("deadline__incident", "deadline__ticket", "deadline__unit")
        .order_by("fire_at", "id")
    )


def _label(deadline):
    owner = deadline.unit.name if deadline.unit else "办公室"
    return f"{deadline.incident.title}｜{owner}｜{deadline.get_kind_display()}"


def run_timed_checks(now=None, *, dry_run=False, batch_size=BATCH_SIZE):
    """Fire every step due at `now` (default: the current time). Returns what fired."""
    now = now or timezone.now()
    if dry_run:
        return [
            Fired(s.pk, s.deadline_id, s.deadline.kind, s.step, s.fire_at, "would fire", _label(s.deadline))
            for s in due_steps(now)[:10000]
        ]
    fired = []
    while True:
        with transaction.atomic():
            batch = list(due_steps(now).select_for_update(skip_locked=True, of=("self",))[:batch_size])
            for step in batch:
                fired.append(_fire(step, now))
        if len(batch) < batch_size:
            return fired


def _fire(step, now):
    # Re-read the deadline under its row lock: it may have been met, or breached by an earlier step
    # of this same batch, since the steps were selected.
    deadline = (
        Deadline.objects.select_for_update(of=("self",))
        .select_related("incident", "ticket", "unit")
        .get(pk=step.deadline_id)
    )
    if step.step == "breach":
        outcome = _breach(step, deadline, now)
    elif step.step == "escalate":
        outcome = _escalate(step, deadline)
    else:
        outcome = _remind(step, deadline, now)
    step.state, step.fired_at, step.outcome = DeadlineStep.State.FIRED, now, outcome
    step.save(update_fields=["state", "fired_at", "outcome"])
    return Fired(step.pk, deadline.pk, deadline.kind, step.step, step.fire_at, outcome, _label(deadline))


def _link(deadline):
    if deadline.ticket_id:
        return reverse("ticket_detail", args=[deadline.ticket_id])
    return reverse("incident_detail", args=[deadline.incident_id])


def _owners(deadline):
    """Whoever must act: the unit's liaisons for a ticket, the office for the incident as a whole."""
    if deadline.unit:
        return recipients.liaisons(deadline.unit)
    return recipients.duty_officers()


def _when(instant):
    return f"{timezone.localtime(instant):%m月%d日 %H:%M}"


def _remind(step, deadline, now):
    if not deadline.is_open:
        return "skipped_met"
    if now >= deadline.due_at:
        return "skipped_stale"  # the reminder was missed and the deadline has passed: the breach speaks
    title = f"【到期提醒】{deadline.get_kind_display()}将于{_when(deadline.due_at)}到期：{deadline.incident.title}"
    notify(
        _owners(deadline), title=title, link=_link(deadline), incident=deadline.incident, ticket=deadline.ticket,
        step=step, channels="inbox",
    )  # fmt: skip
    audit.record(
        None, "deadline_reminder", deadline, after={"kind": deadline.kind, "due_at": deadline.due_at, "step": step.step},
        incident=deadline.incident, ticket=deadline.ticket,
    )  # fmt: skip
    return "notified"


def _breach(step, deadline, now):
    if deadline.state != Deadline.State.PENDING or deadline.met_at is not None:
        return "skipped_met"
    deadline.state, deadline.breached_at = Deadline.State.BREACHED, deadline.due_at
    deadline.save(update_fields=["state", "breached_at"])
    people = list(_owners(deadline)) + recipients.duty_officers()
    after = {"kind": deadline.kind, "due_at": deadline.due_at, "breached_at": deadline.breached_at}
    if deadline.kind == DeadlineKind.CLAIM and deadline.ticket_id:
        # 逾期未认领 (002 第六条): the office and the unit's leader are told; the office may designate.
        from incidents.models import Ticket

        Ticket.objects.filter(pk=deadline.ticket_id, claimed_at__isnull=True).update(overdue_unclaimed_at=deadline.due_at)
        people += recipients.leaders(deadline.unit)
        after["overdue_unclaimed"] = True
    title = f"【督办】{deadline.get_kind_display()}已于{_when(deadline.due_at)}逾期：{deadline.incident.title}"
    if deadline.unit:
        title += f"（{deadline.unit.name}）"
    notify(
        people, title=title, link=_link(deadline), incident=deadline.incident, ticket=deadline.ticket, step=step,
        channels=deadline.rule.get("channels", "inbox"),
    )  # fmt: skip
    audit.record(None, "deadline_breached", deadline, after=after, incident=deadline.incident, ticket=deadline.ticket)
    return "notified"


def _escalate(step, deadline):
    if not deadline.is_open or deadline.state != Deadline.State.BREACHED:
        return "skipped_met"
    people = recipients.leaders(deadline.unit) if deadline.unit else recipients.leaders(deadline.incident.subject_unit)
    title = f"【逾期升级】{deadline.get_kind_display()}逾期未办结，请督促：{deadline.incident.title}"
    if deadline.unit:
        title += f"（{deadline.unit.name}）"
    notify(
        people + recipients.duty_officers(), title=title, link=_link(deadline), incident=deadline.incident,
        ticket=deadline.ticket, step=step, channels=deadline.rule.get("channels", "inbox"),
    )  # fmt: skip
    audit.record(
        None, "deadline_escalated", deadline, after={"kind": deadline.kind, "due_at": deadline.due_at},
        incident=deadline.incident, ticket=deadline.ticket,
    )  # fmt: skip
    return "notified"
