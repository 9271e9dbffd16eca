"""Creating the patrol slots ahead of time, each with its 巡查时限 in the deadline engine. Run by beat
(monitoring.tasks.plan_patrol_slots): state-based and idempotent, a slot that exists is never created again
(one per unit and start, a unique constraint), so running it twice, or two workers at once, creates each once; a
run missed (downtime) is caught up by the next, which plans from its own `now`."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from deadlines import scheduling
from deadlines.models import Deadline, DeadlineKind, DeadlineStep
from deadlines.selectors import county_patrol_deadlines
from monitoring import emergency, patrol_days, selectors
from monitoring.models import PatrolPolicy, PatrolSlot
from monitoring.schedule import PatrolRules, due_slots
from org.models import Unit
from workcalendar.working_days import WorkCalendar

SOURCE = (
    "002 第五条、第六条：工作日上班时间每1小时、晚上（24点前）和节假日每2小时巡查一次，每天上午、下午、晚上三个时间节点"
)


def _rule(policy: PatrolPolicy) -> dict[str, str]:
    return {
        "policy": "巡查时限",
        "duration": "",
        "reminder_leads": f"{policy.reminder_lead}m" if policy.reminder_lead else "",
        "escalate_after": f"{policy.escalate_after}m" if policy.escalate_after else "",
        "channels": "inbox",
        "source": SOURCE,
    }


def plan_patrol_slots(now: datetime | None = None, until: datetime | None = None) -> list[PatrolSlot]:
    """Create the slots starting in [now, until) (until: now + the policy's plan_ahead_hours) that do not exist
    yet, for every unit with an active site. Returns those created; audited once per run that created any.

    Set-based: a dozen statements however many slots (the deadlines, their steps and the slots each in one INSERT).
    Exactly once: the watching units' rows are locked (FOR NO KEY UPDATE: inserts referencing the units are not
    blocked) while a run reads what exists and creates the rest, so a second run waits and then finds them; the
    unique constraint on (unit, starts_at) stays the guarantee: a run that still met it rolls back whole and
    creates nothing (the next hour's run catches up)."""
    now = now or timezone.now()
    policy = PatrolPolicy.current()
    until = until or now + timedelta(hours=policy.plan_ahead_hours)
    calendar = WorkCalendar.load()
    slots = due_slots(PatrolRules.of(policy), calendar, now, until)
    # 突发事件 (monitoring.emergency): an active watch's shorter interval adds slots; one per unit and start.
    planned = {s.starts_at for s in slots}
    slots = sorted(
        slots + [s for s in emergency.emergency_slots(now, until) if s.starts_at not in planned],
        key=lambda s: s.starts_at,
    )
    if not slots:
        return []
    rule = _rule(policy)
    try:
        with transaction.atomic():
            unit_ids = list(
                Unit.objects.select_for_update(no_key=True)
                .filter(pk__in=selectors.watching_units().values("pk"))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            existing = set(
                PatrolSlot.objects.filter(unit_id__in=unit_ids, starts_at__gte=now, starts_at__lt=until).values_list(
                    "unit_id", "starts_at"
                )
            )
            wanted = [(u, s) for u in unit_ids for s in slots if (u, s.starts_at) not in existing]
            if not wanted:
                return []
            # The engine has no set-based create: its patrol deadlines' queryset writes them (see the report of
            # issue 15: deadlines.scheduling could own a create_unit_deadlines doing this).
            deadlines = county_patrol_deadlines().bulk_create(
                Deadline(
                    kind=DeadlineKind.PATROL,
                    incident=None,
                    ticket=None,
                    unit_id=u,
                    rule=rule,
                    started_at=s.starts_at,
                    due_at=s.due_at,
                    original_due_at=s.due_at,
                )
                for u, s in wanted
            )
            DeadlineStep.objects.bulk_create(step for d in deadlines for step in scheduling.plan_steps(d, calendar))
            PatrolSlot.objects.bulk_create(
                PatrolSlot(unit_id=u, starts_at=s.starts_at, due_at=s.due_at, kind=s.kind, deadline=d)
                for (u, s), d in zip(wanted, deadlines, strict=True)
            )
            created = list(
                PatrolSlot.objects.filter(deadline_id__in=[d.pk for d in deadlines]).order_by("starts_at", "unit_id")
            )
            patrol_days.refresh({(slot.unit_id, patrol_days.local_day(slot.starts_at)) for slot in created})
            audit.record(
                None,
                "patrol_slots_planned",
                None,
                after={"count": len(created), "from": created[0].starts_at, "to": created[-1].starts_at},
            )
    except IntegrityError:  # another run created some of them meanwhile: the constraint kept one, this run none
        return []
    return created
