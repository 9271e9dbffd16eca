"""What the incident services share: the row locks (through the visibility selectors, so a row the actor
cannot see is a 404), the permission check against the state machine, and the audited state moves.

Private to incidents.services: the modules of the package import it, nothing else does."""

from typing import Any

from django.contrib.auth.models import User

from core import audit
from core.errors import InvalidInput, NotFound, NotPermitted
from incidents.models import Incident, Ticket
from incidents.selectors import visible_incidents, visible_tickets
from incidents.workflow import INCIDENT, TICKET, StateMachine, Transition
from org.access import OFFICE, access_for

INCIDENT_FIELDS = ("status", "grade")
TICKET_FIELDS = ("status",)


def locked_incident(actor: User, incident: Incident | int) -> Incident:
    pk = incident.pk if isinstance(incident, Incident) else incident
    locked = visible_incidents(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise NotFound("舆情不存在或无权查看。")
    return locked


def locked_ticket(actor: User, ticket: Ticket | int) -> Ticket:
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = visible_tickets(actor).select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
    if locked is None:
        raise NotFound("转办单不存在或无权查看。")
    return locked


def require(machine: StateMachine, action: str, kinds: set[str]) -> Transition:
    t = machine.transitions[action]
    if not (t.actors & kinds):
        raise NotPermitted(f"您没有「{t.label}」的权限。")
    return t


def office_kinds(actor: User) -> set[str]:
    return {OFFICE} if access_for(actor).is_office else set()


def ticket_kinds(actor: User, ticket: Ticket) -> set[str]:
    return access_for(actor).kinds_for_unit(ticket.unit_id)


def require_reason(reason: str | None, what: str = "理由") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"请填写{what}。", {"reason": [f"请填写{what}。"]})
    return reason


def move_incident(
    actor: User | None,
    incident: Incident,
    action: str,
    *,
    reason: str = "",
    ip: str | None = None,
    after_extra: dict[str, Any] | None = None,
) -> None:
    t = INCIDENT.transition(action, incident.status)
    before = audit.snapshot(incident, INCIDENT_FIELDS)
    incident.status = t.target_from(incident.status)
    incident.save()
    after = audit.snapshot(incident, INCIDENT_FIELDS) | (after_extra or {})
    audit.record(actor, action, incident, before=before, after=after, reason=reason, ip=ip, incident=incident)


def move_ticket(
    actor: User | None,
    ticket: Ticket,
    action: str,
    *,
    reason: str = "",
    ip: str | None = None,
    after_extra: dict[str, Any] | None = None,
    **changes: Any,
) -> None:
    t = TICKET.transition(action, ticket.status)
    before = audit.snapshot(ticket, TICKET_FIELDS)
    ticket.status = t.target_from(ticket.status)
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.save()
    after = audit.snapshot(ticket, TICKET_FIELDS) | {"unit": ticket.unit.name} | (after_extra or {})
    audit.record(
        actor, action, ticket, before=before, after=after, reason=reason, ip=ip, incident=ticket.incident, ticket=ticket
    )
