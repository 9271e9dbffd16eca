"""What a patrol slot's deadline says and to whom (registered with deadlines.subjects from apps.py): the people on
duty for the unit are reminded and told of the miss (002 第六条; 004 三(一)); still not patrolled, the office's
leaders are told once (escalate). After downtime the sweep catches up every missed step exactly once, but only the
latest missed slot of a unit speaks: the older ones are marked missed and audited without a notice each."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from deadlines.models import Deadline, DeadlineStep
from deadlines.subjects import Subject
from monitoring import selectors
from monitoring.models import PatrolSlot
from notifications.notify import notify
from org import recipients
from workcalendar.working_days import parse_duration


def _slot(deadline: Deadline) -> PatrolSlot:
    return PatrolSlot.objects.select_related("unit").get(deadline=deadline)


def _window(slot: PatrolSlot) -> str:
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.due_at)
    return f"{start:%m月%d日 %H:%M}–{selectors.clock(end)}"


def label(deadline: Deadline) -> str:
    slot = _slot(deadline)
    return f"巡查｜{slot.unit.name}｜{_window(slot)}"


def link(deadline: Deadline) -> str:
    return reverse("monitoring:patrol")


def on_duty_or_fallback(slot: PatrolSlot) -> list[User]:
    """The people on the unit's roster at the slot's start; with nobody rostered, the office's duty officers."""
    return selectors.people_on_duty(slot.unit, slot.starts_at) or recipients.duty_officers()


def notify_slot(step: DeadlineStep, deadline: Deadline, stage: str, now: datetime) -> str:
    slot = _slot(deadline)
    window = _window(slot)
    if stage == "remind":
        people, head = on_duty_or_fallback(slot), f"【巡查提醒】{window} 巡查时段即将截止，请登记巡查：{slot.unit.name}"
    else:
        waited = timedelta(0)
        if stage == "escalate":  # planning writes the delay in minutes ("60m")
            waited = timedelta(minutes=parse_duration(deadline.rule.get("escalate_after") or "0m")[0])
        if selectors.later_slot_past_due(slot, now - waited):
            return "superseded"
        if stage == "breach":
            people, head = on_duty_or_fallback(slot), f"【巡查逾期】{window} 未登记巡查：{slot.unit.name}（002 第六条）"
        else:
            people = recipients.office_leaders() + on_duty_or_fallback(slot)
            head = f"【巡查逾期升级】{window} 仍未巡查，请督促：{slot.unit.name}"
    if not people:
        return "no_recipient"
    notify(people, title=head, link=link(deadline), step=step, channels=deadline.rule.get("channels", "inbox"))
    return "notified"


SUBJECT = Subject(label=label, link=link, notify=notify_slot)
