"""领导批示 on any incident (issue 14): a leader gives a 批示, at any point of the incident's life, not only when
sending a close-out back; it is tracked with its 落实时限 by the deadline engine, and met when the 落实情况 is
recorded. "对…市、区领导批示，相关责任单位要及时将调查核实和应对处置情况报区委办公室…有明确时间要求的，必须按照规定时间
落实到位；没有明确时间要求的，原则上在3天内落实到位" (000 三.2); 交办、承办、督办 (002 第八条).

Who answers for it: the office (the duty officers), which relays the 批示 to the units and records how it was
carried out; the incident's responsible units (their liaisons) may record it themselves. The deadline has no unit,
so the engine's reminders and breach go to the office and its escalation to the office's leaders, as for the
office's other limits."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import IllegalTransition, InvalidInput, NotFound
from deadlines.scheduling import (
    leader_instruction_policy,
    on_leader_instruction,
    on_leader_instruction_carried_out,
)
from incidents.models import Incident, LeaderInstruction
from incidents.selectors import visible_leader_instructions
from incidents.services._common import locked_incident
from incidents.workflow import IncidentStatus, TicketStatus
from notifications.notify import notify
from org import recipients
from org.access import access_for, require_role

TEXT_MAX = 2000
ENDED_TICKETS = (TicketStatus.RETURNED, TicketStatus.CANCELLED)


def _when(instant: datetime) -> str:
    return f"{timezone.localtime(instant):%m月%d日%H:%M}"


def _required_text(value: str | None, field: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{what}。", {field: [f"请填写{what}。"]})
    if len(value) > TEXT_MAX:
        raise InvalidInput(f"{what}不能超过 {TEXT_MAX} 字。", {field: [f"{what}不能超过 {TEXT_MAX} 字。"]})
    return value


def may_give_instruction(actor: User, incident: Incident) -> bool:
    """A leader who sees the incident may give a 批示 on it; not on a duplicate merged into another item."""
    return access_for(actor).is_leader and incident.status != IncidentStatus.MERGED


def may_report_progress(actor: User, incident: Incident) -> bool:
    """The office, or a liaison of a unit the incident was dispatched to (a ticket neither returned nor cancelled)."""
    access = access_for(actor)
    if access.is_office:
        return True
    if not access.liaison_unit_ids:
        return False
    return incident.tickets.filter(unit_id__in=access.liaison_unit_ids).exclude(status__in=ENDED_TICKETS).exists()


@transaction.atomic
def give_instruction(
    actor: User, incident: Incident | int, *, text: str, due_at: datetime | None = None, ip: str | None = None
) -> LeaderInstruction:
    """下达批示: a leader, on an incident they see, with an optional 落实时限; without one the admin's default
    (时限规则 「领导批示落实时限」, shipped as 3 自然日 from 000 三.2) applies. The office's duty officers are told on
    the inbox and on the channels of that policy (SMS by default)."""
    incident = locked_incident(actor, incident)
    require_role(actor, "is_leader", "只有领导可以下达批示。")
    if incident.status == IncidentStatus.MERGED:
        raise IllegalTransition("该舆情已合并至其他舆情，请在合并后的舆情上批示。")
    text = _required_text(text, "text", "批示内容")
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise InvalidInput("落实时限须晚于现在。", {"due_at": ["落实时限须晚于现在。"]})
    if due_at is None and leader_instruction_policy(incident) is None:
        message = "时限规则中没有启用的「领导批示落实时限」，请指定落实时限。"
        raise InvalidInput(message, {"due_at": [message]})
    deadline = on_leader_instruction(incident, now, due_at)
    instruction = LeaderInstruction.objects.create(
        incident=incident, text=text, given_by=actor, given_at=now, deadline=deadline
    )
    audit.record(
        actor,
        "leader_instruction_given",
        instruction,
        after={"text": text, "due_at": deadline.due_at, "rule": deadline.rule.get("policy", "")},
        ip=ip,
        incident=incident,
    )
    leader = actor.get_full_name() or actor.get_username()
    head = f"【领导批示】{leader}批示，请于{_when(deadline.due_at)}前报告落实情况"
    notify(
        recipients.duty_officers(),
        title=f"{head}：{incident.title}",
        sensitive_head=head,
        body=f"批示：{text}\n落实时限：{timezone.localtime(deadline.due_at):%Y-%m-%d %H:%M}（000 三.2）。",
        link=reverse("incident_detail", args=[incident.pk]),
        incident=incident,
        channels=deadline.rule.get("channels") or "inbox",
    )
    return instruction


@transaction.atomic
def report_instruction_progress(
    actor: User, instruction: LeaderInstruction | int, *, progress: str, ip: str | None = None
) -> LeaderInstruction:
    """报告落实情况: the office (or a responsible unit's liaison) records how a 批示 was carried out; this meets its
    deadline (on time or late) and tells the leader who gave it. Recorded once: a 批示 already answered is refused."""
    pk = instruction.pk if isinstance(instruction, LeaderInstruction) else instruction
    found = visible_leader_instructions(actor).filter(pk=pk).values_list("incident_id", flat=True).first()
    if found is None:
        raise NotFound("批示不存在或无权查看。")
    incident = locked_incident(actor, found)
    locked = LeaderInstruction.objects.select_for_update(of=("self",)).select_related("deadline", "given_by").get(pk=pk)
    if not may_report_progress(actor, incident):
        require_role(actor, "is_office", "只有办公室或承办单位的联络员可以报告批示落实情况。")
    if not locked.is_open:
        raise IllegalTransition("该批示的落实情况已报告。")
    progress = _required_text(progress, "progress", "落实情况")
    now = timezone.now()
    locked.progress, locked.progress_by, locked.progress_at = progress, actor, now
    locked.save(update_fields=["progress", "progress_by", "progress_at"])
    on_leader_instruction_carried_out(locked.deadline, now)
    on_time = now <= locked.deadline.due_at
    audit.record(
        actor,
        "leader_instruction_carried_out",
        locked,
        after={"progress": progress, "on_time": on_time},
        ip=ip,
        incident=incident,
    )
    reporter = actor.get_full_name() or actor.get_username()
    head = f"【批示落实】{reporter}报告了批示的落实情况{'' if on_time else '（逾期）'}"
    notify(
        [locked.given_by],
        title=f"{head}：{incident.title}",
        sensitive_head=head,
        body=f"批示：{locked.text}\n落实情况：{progress}",
        link=reverse("incident_detail", args=[incident.pk]),
        incident=incident,
    )
    return locked
