"""Tickets: 转办 (one ticket per responsible unit), 认领 and 指定认领 (002 第六条), 退回, and the units'
feedback, progress and 核实调查报告 (002 第八条; 000 三.2)."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput
from deadlines.scheduling import on_feedback_submitted, on_ticket_claimed, on_ticket_ended, on_tickets_dispatched
from incidents import notices, search, uploads
from incidents.models import Attachment, Feedback, Incident, Ticket, TicketRole
from incidents.services._common import (
    locked_incident,
    locked_ticket,
    move_incident,
    move_ticket,
    office_kinds,
    require,
    require_reason,
    ticket_kinds,
)
from incidents.services.clearance import grant_receiving_units
from incidents.workflow import INCIDENT, TICKET
from org.models import Membership, Role, Unit


@transaction.atomic
def dispatch_incident(
    actor: User,
    incident: Incident | int,
    *,
    assignments: Sequence[tuple[Unit, str]],
    due_at: datetime | None = None,
    instructions: str = "",
    ip: str | None = None,
) -> list[Ticket]:
    """转办 by 属地/属事/属人 (docs/rules.md §1.3): one ticket per responsible unit, exactly one lead (主办)
    among the open tickets. An explicit deadline given here beats the policy default (000 三.2)."""
    incident = locked_incident(actor, incident)
    action = "dispatch" if INCIDENT.allows("dispatch", incident.status) else "dispatch_more"
    require(INCIDENT, action, office_kinds(actor))
    INCIDENT.transition(action, incident.status)
    if not incident.grade:
        raise InvalidInput("请先研判定级再转办。")
    if not assignments:
        raise InvalidInput("请至少选择一个责任单位。", {"tickets": ["请至少选择一个责任单位。"]})
    now = timezone.now()
    if due_at is not None and due_at <= now:
        raise InvalidInput("指定的办理时限必须晚于现在。", {"due_at": ["指定的办理时限必须晚于现在。"]})
    open_tickets = list(incident.tickets.open())
    busy_units = {t.unit_id for t in open_tickets}
    has_lead = any(t.role == TicketRole.LEAD for t in open_tickets)
    seen, leads = set(), 0
    for unit, role in assignments:
        if role not in TicketRole.values:
            raise InvalidInput("承办类型无效。", {"tickets": ["承办类型须为主办或协办。"]})
        if not isinstance(unit, Unit) or not unit.is_active:
            raise InvalidInput("责任单位无效。", {"tickets": ["责任单位不存在或已停用。"]})
        if unit.pk in seen:
            raise InvalidInput(f"「{unit.name}」重复选择。", {"tickets": [f"「{unit.name}」重复选择。"]})
        if unit.pk in busy_units:
            raise InvalidInput(
                f"「{unit.name}」已有在办的转办单。", {"tickets": [f"「{unit.name}」已有在办的转办单。"]}
            )
        seen.add(unit.pk)
        leads += role == TicketRole.LEAD
    if leads > 1 or (has_lead and leads):
        raise InvalidInput("只能有一个主办单位。", {"tickets": ["只能有一个主办单位。"]})
    if not has_lead and not leads:
        raise InvalidInput("请指定一个主办单位。", {"tickets": ["请指定一个主办单位。"]})

    instructions = (instructions or "").strip()
    tickets = []
    for unit, role in assignments:
        ticket = Ticket.objects.create(
            incident=incident,
            unit=unit,
            role=role,
            instructions=instructions,
            due_at=due_at,
            dispatched_at=now,
            dispatched_by=actor,
        )
        audit.record(
            actor,
            "dispatch",
            ticket,
            after={"status": ticket.status, "unit": unit.name, "role": role, "due_at": due_at},
            reason=instructions,
            ip=ip,
            incident=incident,
            ticket=ticket,
        )
        tickets.append(ticket)
    search.refresh(incident)  # found by the names of its responsible units
    move_incident(
        actor,
        incident,
        action,
        reason=instructions,
        ip=ip,
        after_extra={"units": [f"{u.name}（{TicketRole(r).label}）" for u, r in assignments]},
    )
    on_tickets_dispatched(incident, tickets, actor=actor, ip=ip)
    grant_receiving_units(actor, incident, tickets, ip=ip)
    notices.tickets_dispatched(incident, tickets)
    return tickets


@transaction.atomic
def claim_ticket(actor: User, ticket: Ticket | int, *, ip: str | None = None) -> Ticket:
    """认领 (002 第六条). The row is locked, so of two liaisons claiming at once exactly one wins."""
    ticket = locked_ticket(actor, ticket)
    require(TICKET, "claim", ticket_kinds(actor, ticket))
    claimant = ticket.claimed_by
    if claimant is not None and not TICKET.allows("claim", ticket.status):
        who = claimant.get_full_name() or claimant.get_username()
        raise Conflict(f"该转办单已由 {who} 于 {timezone.localtime(ticket.claimed_at):%m-%d %H:%M} 认领。")
    now = timezone.now()
    move_ticket(actor, ticket, "claim", ip=ip, claimed_at=now, claimed_by=actor)
    _ticket_started(actor, ticket, ip)
    on_ticket_claimed(ticket, actor=actor, ip=ip)
    return ticket


@transaction.atomic
def assign_ticket(
    actor: User, ticket: Ticket | int, *, assignee: User | None, reason: str = "", ip: str | None = None
) -> Ticket:
    """指定认领: the office names the claimant of an unclaimed ticket; recorded for assessment (002 第六条)."""
    ticket = locked_ticket(actor, ticket)
    require(TICKET, "assign", ticket_kinds(actor, ticket))
    TICKET.transition("assign", ticket.status)
    if (
        assignee is None
        or not Membership.objects.filter(
            user=assignee, unit_id=ticket.unit_id, role=Role.LIAISON, is_active=True
        ).exists()
    ):
        raise InvalidInput("被指定人须为该单位的联络员。", {"assignee": ["被指定人须为该单位的联络员。"]})
    now = timezone.now()
    move_ticket(
        actor,
        ticket,
        "assign",
        reason=reason,
        ip=ip,
        claimed_at=now,
        claimed_by=assignee,
        designated=True,
        after_extra={"assignee": assignee.get_full_name() or assignee.get_username(), "designated": True},
    )
    _ticket_started(actor, ticket, ip)
    on_ticket_claimed(ticket, actor=actor, ip=ip)
    notices.ticket_assigned(ticket, assignee)
    return ticket


def _ticket_started(actor, ticket, ip):
    incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
    ticket.incident = incident
    if INCIDENT.allows("start", incident.status):
        move_incident(None, incident, "start", ip=ip, after_extra={"by_unit": ticket.unit.name})


@transaction.atomic
def return_ticket(actor: User, ticket: Ticket | int, *, reason: str, ip: str | None = None) -> Ticket:
    """退回: not this unit's business. A product addition (the seeds have no 退回); a designated claim
    cannot be returned without the office (docs/rules.md §2.3). A returned lead sends the incident back."""
    ticket = locked_ticket(actor, ticket)
    require(TICKET, "return", ticket_kinds(actor, ticket))
    TICKET.transition("return", ticket.status)
    reason = require_reason(reason, "退回理由")
    if ticket.designated:
        raise InvalidInput("该转办单为办公室指定认领，不能退回，请与办公室联系。")
    move_ticket(actor, ticket, "return", reason=reason, ip=ip, returned_at=timezone.now(), return_reason=reason)
    incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
    if ticket.role == TicketRole.LEAD and INCIDENT.allows("lead_returned", incident.status):
        move_incident(actor, incident, "lead_returned", reason=reason, ip=ip, after_extra={"unit": ticket.unit.name})
    on_ticket_ended(ticket)
    notices.ticket_returned(ticket, reason)
    return ticket


FINAL_KIND: dict[str, Feedback.Kind] = {
    TicketRole.LEAD: Feedback.Kind.REPORT,
    TicketRole.ASSIST: Feedback.Kind.FEEDBACK,
}


@transaction.atomic
def submit_feedback(
    actor: User,
    ticket: Ticket | int,
    *,
    kind: str,
    content: str,
    files: Iterable[File] = (),
    promised_at: datetime | None = None,
    ip: str | None = None,
) -> Feedback:
    """Progress (进展), written explanation when it cannot be done in time (书面说明, 000 三.2),
    or the final result: the lead unit's 核实调查报告 (002 第八条), an assisting unit's feedback.
    The lead's report puts the incident under review. A 书面说明 must say by when the matter will be done
    (`promised_at`, in the future: "说明原因，给出时间表", docs/rules.md §9.20); that date becomes a follow-up
    deadline (deadlines.scheduling.on_explanation_filed)."""
    ticket = locked_ticket(actor, ticket)
    final = kind in (Feedback.Kind.REPORT, Feedback.Kind.FEEDBACK)
    action = "submit_feedback" if final else "progress"
    require(TICKET, action, ticket_kinds(actor, ticket))
    TICKET.transition(action, ticket.status)
    if kind not in Feedback.Kind.values:
        raise InvalidInput("反馈类型无效。", {"kind": ["反馈类型无效。"]})
    if final and kind != FINAL_KIND[ticket.role]:
        expected = FINAL_KIND[ticket.role].label
        raise InvalidInput(
            f"{ticket.get_role_display()}单位应提交「{expected}」。", {"kind": [f"应提交「{expected}」。"]}
        )
    content = (content or "").strip()
    if not content:
        raise InvalidInput("请填写反馈内容。", {"content": ["请填写反馈内容。"]})
    now = timezone.now()
    if kind == Feedback.Kind.WRITTEN_EXPLANATION:
        if promised_at is None:
            raise InvalidInput(
                "书面说明须填写承诺落实时间。", {"promised_at": ["书面说明须填写承诺落实时间（000 三.2）。"]}
            )
        if promised_at <= now:
            raise InvalidInput("承诺落实时间须晚于现在。", {"promised_at": ["承诺落实时间须晚于现在。"]})
    elif promised_at is not None:
        raise InvalidInput("承诺落实时间仅用于书面说明。", {"promised_at": ["承诺落实时间仅用于书面说明。"]})
    files = uploads.accepted(files)  # size and type by content, before anything is written (issue 11 §4)
    feedback = Feedback.objects.create(
        ticket=ticket, kind=kind, content=content, submitted_by=actor, submitted_at=now, promised_at=promised_at
    )
    for f in files:
        Attachment.objects.create(incident_id=ticket.incident_id, feedback=feedback, file=f, uploaded_by=actor)
    changes: dict[str, Any] = {"feedback_at": now} if final else {}
    after = {"kind": kind, "feedback_id": feedback.pk} | ({"promised_at": promised_at} if promised_at else {})
    move_ticket(actor, ticket, action, ip=ip, after_extra=after, **changes)
    if final and ticket.role == TicketRole.LEAD:
        incident = Incident.objects.select_for_update().get(pk=ticket.incident_id)
        move_incident(actor, incident, "submit_for_review", ip=ip, after_extra={"report_id": feedback.pk})
    on_feedback_submitted(ticket, feedback, actor=actor, ip=ip)
    return feedback
