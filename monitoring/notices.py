"""What a patrol slot's deadline says and to whom (registered with deadlines.subjects from apps.py): the people on
duty for the unit are reminded and told of the miss (002 第六条; 004 三(一)); still not patrolled, the office's
leaders are told once (escalate). After downtime the sweep catches up every missed step exactly once, but only the
latest missed slot of a unit speaks: the older ones are marked missed and audited without a notice each.

The sweep asks for a whole batch of due steps at once (plan_slots): the slots, the people on duty and the later slots
already due are read in one statement each for the batch, the office's people once per pass (org.recipients), so the
statements of a batch do not grow with its steps (issue 16). plan_slots writes nothing: the engine writes the
notices, the deadlines' states and the audit rows of the batch."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from deadlines.models import Deadline
from deadlines.subjects import Planned, Stage, Subject
from monitoring import selectors
from monitoring.models import DutyAssignment, PatrolSlot
from notifications.bulk import BulkNotice
from org import recipients
from workcalendar.working_days import parse_duration


def _slot(deadline: Deadline) -> PatrolSlot:
    return PatrolSlot.objects.select_related("unit").get(deadline=deadline)


def _window(slot: PatrolSlot) -> str:
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.due_at)
    return f"{start:%m月%d日 %H:%M}–{selectors.clock(end)}"


def _label(slot: PatrolSlot) -> str:
    return f"巡查｜{slot.unit.name}｜{_window(slot)}"


def label(deadline: Deadline) -> str:
    return _label(_slot(deadline))


def link(deadline: Deadline) -> str:
    return reverse("monitoring:patrol")


def _on_duty(slots: Iterable[PatrolSlot]) -> dict[int, list[User]]:
    """slot id -> the active people on its unit's roster at its start (selectors.people_on_duty for each slot), read
    in one statement: the assignments of the batch's units whose shifts overlap the batch's slot starts."""
    slots = list(slots)
    if not slots:
        return {}
    first, last = min(s.starts_at for s in slots), max(s.starts_at for s in slots)
    rows = (
        DutyAssignment.objects.filter(
            shift__unit_id__in={s.unit_id for s in slots}, shift__starts_at__lte=last, shift__ends_at__gt=first
        )
        .select_related("shift", "user")
        .order_by("user__id", "pk")
    )
    found: dict[int, list[User]] = {s.pk: [] for s in slots}
    by_unit: dict[int, list[PatrolSlot]] = {}
    for s in slots:
        by_unit.setdefault(s.unit_id, []).append(s)
    for a in rows:
        if not a.user.is_active:
            continue
        for s in by_unit.get(a.shift.unit_id, ()):
            if a.shift.starts_at <= s.starts_at < a.shift.ends_at:
                found[s.pk].append(a.user)
    return found


def _later_due(slots: Iterable[PatrolSlot], now: datetime) -> dict[int, list[tuple[datetime, datetime]]]:
    """unit id -> (starts_at, due_at) of its slots started after the batch's earliest slot and due by `now`: what
    selectors.later_slot_past_due asks of each slot, read once for the batch (a bounded range of the unit's
    (unit, starts_at) index)."""
    slots = list(slots)
    if not slots:
        return {}
    later = PatrolSlot.objects.filter(
        unit_id__in={s.unit_id for s in slots}, starts_at__gt=min(s.starts_at for s in slots), due_at__lte=now
    ).values_list("unit_id", "starts_at", "due_at")
    found: dict[int, list[tuple[datetime, datetime]]] = {}
    for unit_id, starts_at, due_at in later:
        found.setdefault(unit_id, []).append((starts_at, due_at))
    return found


def plan_slots(stages: Sequence[Stage], now: datetime) -> list[Planned]:
    """Who is told of each due step of a batch of slots, in what words (deadlines.subjects.Subject.plan)."""
    slots = {
        s.deadline_id: s
        for s in PatrolSlot.objects.filter(deadline_id__in={st.due.deadline_id for st in stages}).select_related("unit")
    }
    on_duty = _on_duty(slots.values())
    told_of_miss = [slots[st.due.deadline_id] for st in stages if st.stage != "remind"]
    later = _later_due(told_of_miss, now)
    page = reverse("monitoring:patrol")
    out: list[Planned] = []
    for st in stages:
        slot = slots[st.due.deadline_id]  # a deadline of kind PATROL without its slot is a bad row: the batch fails
        window, unit = _window(slot), slot.unit.name
        people = on_duty[slot.pk] or recipients.duty_officers()  # nobody rostered: the office's duty officers
        if st.stage == "remind":
            head = f"【巡查提醒】{window} 巡查时段即将截止，请登记巡查：{unit}"
        else:
            waited = timedelta(0)
            if st.stage == "escalate":  # planning writes the delay in minutes ("60m")
                waited = timedelta(minutes=parse_duration(st.due.rule.get("escalate_after") or "0m")[0])
            before = now - waited
            if any(s > slot.starts_at and d <= before for s, d in later.get(slot.unit_id, ())):
                out.append(Planned("superseded", None, _label(slot)))  # only the latest missed slot speaks
                continue
            if st.stage == "breach":
                head = f"【巡查逾期】{window} 未登记巡查：{unit}（002 第六条）"
            else:
                people = recipients.office_leaders() + people
                head = f"【巡查逾期升级】{window} 仍未巡查，请督促：{unit}"
        if not people:
            out.append(Planned("no_recipient", None, _label(slot)))
            continue
        notice = BulkNotice(
            people,
            title=head,
            link=page,
            incident_id=None,
            confidential=False,
            step_id=st.due.step_id,
            channels=st.due.rule.get("channels", "inbox"),
        )
        out.append(Planned("notified", notice, _label(slot)))
    return out


SUBJECT = Subject(label=label, link=link, plan=plan_slots)
