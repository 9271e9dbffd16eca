"""Creating the patrol slots ahead of time, each with its 巡查时限 in the deadline engine. Run by beat
(monitoring.tasks.plan_patrol_slots): state-based and idempotent, a slot that exists is never created again
(one per unit and start, a unique constraint), so running it twice, or two workers at once, creates each once."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import audit
from deadlines import scheduling
from deadlines.models import DeadlineKind
from monitoring import emergency, selectors
from monitoring.models import PatrolPolicy, PatrolSlot
from monitoring.schedule import PatrolRules, Slot, due_slots
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


def _create(unit: Unit, slot: Slot, rule: dict[str, str], calendar: WorkCalendar) -> PatrolSlot | None:
    try:
        with transaction.atomic():
            deadline = scheduling.create_unit_deadline(
                kind=DeadlineKind.PATROL,
                unit=unit,
                started_at=slot.starts_at,
                due_at=slot.due_at,
                rule=rule,
                calendar=calendar,
            )
            return PatrolSlot.objects.create(
                unit=unit, starts_at=slot.starts_at, due_at=slot.due_at, kind=slot.kind, deadline=deadline
            )
    except IntegrityError:  # another run created it meanwhile: the constraint keeps one
        return None


def plan_patrol_slots(now: datetime | None = None, until: datetime | None = None) -> list[PatrolSlot]:
    """Create the slots starting in [now, until) (until: now + the policy's plan_ahead_hours) that do not exist
    yet, for every unit with an active site. Returns those created; audited once per run that created any."""
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
    rule = _rule(policy)
    created: list[PatrolSlot] = []
    for unit in selectors.watching_units():
        existing = set(
            PatrolSlot.objects.filter(unit=unit, starts_at__gte=now, starts_at__lt=until).values_list(
                "starts_at", flat=True
            )
        )
        for slot in slots:
            if slot.starts_at not in existing and (made := _create(unit, slot, rule, calendar)) is not None:
                created.append(made)
    if created:
        audit.record(
            None,
            "patrol_slots_planned",
            None,
            after={"count": len(created), "from": created[0].starts_at, "to": created[-1].starts_at},
        )
    return created
