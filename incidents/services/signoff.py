"""Sign-off: 审核销号, 退回重办 and 舆情反复 (000 四.3 销号管理; docs/rules.md T24). Who signs follows the
grade (GradeSetting.close_approver)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput, NotPermitted
from deadlines.scheduling import on_instruction, on_tickets_ended
from incidents import notices
from incidents.models import Approver, Grade, GradeSetting, Incident, TicketRole
from incidents.services._common import (
    locked_incident,
    move_incident,
    move_ticket,
    office_kinds,
    require,
    require_reason,
)
from incidents.workflow import INCIDENT, TICKET, TicketStatus
from org.access import LEADER, access_for


@transaction.atomic
def close_incident(actor: User, incident: Incident | int, *, opinion: str = "", ip: str | None = None) -> Incident:
    """审核销号 (000 四.3: 销号管理). Who signs follows the grade (GradeSetting.close_approver): the office
    (by default 一般/较大), a leader of the lead unit, or a county-level leader (by default 重大/特别重大: a unit
    leader may not close those). Every open ticket must have reported back."""
    incident = locked_incident(actor, incident)
    require(INCIDENT, "close", _incident_kinds(actor, incident))
    INCIDENT.transition("close", incident.status)
    _require_close_authority(actor, incident)
    open_tickets = list(incident.tickets.open().select_related("unit", "incident"))
    pending = [t.unit.name for t in open_tickets if not TICKET.allows("close", t.status)]
    if pending:
        raise InvalidInput(f"以下单位尚未反馈，不能销号：{'、'.join(pending)}")
    now = timezone.now()
    for ticket in open_tickets:
        move_ticket(actor, ticket, "close", reason=opinion, ip=ip, closed_at=now)
    incident.closed_at, incident.closed_by = now, actor
    move_incident(actor, incident, "close", reason=opinion, ip=ip)
    on_tickets_ended(incident)
    return incident


@transaction.atomic
def send_back_incident(
    actor: User, incident: Incident | int, *, reason: str, due_at: datetime | None = None, ip: str | None = None
) -> Incident:
    """退回重办: the review finds the result inadequate (000 四.3); the lead unit handles it again.
    A leader's instruction (批示) may set a time limit: it becomes a tracked deadline on the lead
    ticket, met when the unit reports again (交办、承办、督办, 002 第八条)."""
    incident = locked_incident(actor, incident)
    require(INCIDENT, "send_back", _incident_kinds(actor, incident))
    INCIDENT.transition("send_back", incident.status)
    access = access_for(actor)
    if _close_approver(incident) == Approver.COUNTY and not (access.is_office or access.oversees_all):
        # A grade the county closes is the county's to send back too; the office, which supervises 销号
        # (000 四.3), may return any report for rework, a unit's own leader not this one.
        _require_close_authority(actor, incident, "退回重办")
    reason = require_reason(reason, "退回意见")
    if due_at is not None and due_at <= timezone.now():
        raise InvalidInput("批示办理时限须晚于现在。", {"due_at": ["批示办理时限须晚于现在。"]})
    lead = None
    for ticket in incident.tickets.select_related("unit", "incident").filter(status=TicketStatus.FEEDBACK_SUBMITTED):
        if ticket.role == TicketRole.LEAD:
            move_ticket(actor, ticket, "reopen_ticket", reason=reason, ip=ip, after_extra={"due_at": due_at})
            lead = ticket
    # The resubmission goes first to whoever sent it back (dashboard._signoff_queue).
    incident.sent_back_by = actor
    move_incident(
        actor,
        incident,
        "send_back",
        reason=reason,
        ip=ip,
        after_extra={"due_at": due_at, "sent_back_by": actor.get_full_name() or actor.get_username()},
    )
    if lead is not None:
        instruction = None
        if due_at is not None:
            instruction = on_instruction(lead, due_at)
        notices.incident_sent_back(incident, lead, reason, instruction)
    return incident


@transaction.atomic
def reopen_incident(actor: User, incident: Incident | int, *, reason: str, ip: str | None = None) -> Incident:
    """舆情反复: a closed incident comes back for a new 研判, keeping all its history (docs/rules.md T24)."""
    incident = locked_incident(actor, incident)
    require(INCIDENT, "reopen", office_kinds(actor))
    INCIDENT.transition("reopen", incident.status)
    reason = require_reason(reason, "反复情况说明")
    incident.closed_at = None
    incident.closed_by = None
    move_incident(actor, incident, "reopen", reason=reason, ip=ip)
    return incident


def _incident_kinds(actor, incident):
    """Actor kinds towards an incident as a whole: office, or leader of the lead unit."""
    access = access_for(actor)
    kinds = office_kinds(actor)
    if access.is_leader:
        lead_units = incident.tickets.filter(role=TicketRole.LEAD).values_list("unit_id", flat=True)
        if any(uid in access.leader_unit_ids for uid in lead_units):
            kinds.add(LEADER)
    return kinds


def _close_approver(incident):
    """Who closes at this grade: GradeSetting.close_approver (admin-configurable); without a row, the county
    for 重大/特别重大 (their 销号 is the county leadership's, not the unit's own leader's), the office below."""
    setting = GradeSetting.objects.filter(grade=incident.grade).first()
    if setting is not None:
        return setting.close_approver
    return Approver.COUNTY if incident.grade in (Grade.I, Grade.II) else Approver.OFFICE


def _require_close_authority(actor, incident, what="审核销号"):
    """The approver the grade names (000 四.3 销号管理): the office; a leader whose units include the lead unit;
    or a county-level leader (Access.oversees_all), whom a unit's own leader does not replace."""
    approver = _close_approver(incident)
    access = access_for(actor)
    grade = incident.get_grade_display()
    if approver == Approver.COUNTY and not access.oversees_all:
        unit_leader = f"，单位领导不能{what}" if access.is_leader else ""
        raise NotPermitted(f"「{grade}」舆情须由县领导{what}（000 四.3 销号管理）{unit_leader}。")
    if approver == Approver.LEADER and LEADER not in _incident_kinds(actor, incident):
        raise NotPermitted(f"「{grade}」舆情须由主办单位的领导{what}。")
    if approver == Approver.OFFICE and not access.is_office:
        raise NotPermitted(f"「{grade}」舆情由办公室{what}。")
    return approver


def may_close(actor: User, incident: Incident) -> bool:
    """Whether the grade lets `actor` sign off this incident's 销号 (the page offers the form only then)."""
    try:
        _require_close_authority(actor, incident)
    except NotPermitted:
        return False
    return True
