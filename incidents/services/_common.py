"""What the incident services share: the row locks (through the visibility selectors, so a row the actor
cannot see is a 404), the permission check against the state machine, and the audited state moves.

Private to incidents.services: the modules of the package import it, nothing else does."""

from core import audit
from core.errors import InvalidInput, NotFound, NotPermitted
from incidents.models import Incident, Ticket
from incidents.selectors import visible_incidents, visible_tickets
from incidents.workflow import INCIDENT, TICKET
from org.access import OFFICE, access_for

INCIDENT_FIELDS = ("status", "grade")
TICKET_FIELDS = ("status",)


def locked_incident(actor, incident):
    pk = incident.pk if isinstance(incident, Incident) else incident
    locked = visible_incidents(actor).select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise NotFound("舆情不存在或无权查看。")
    return locked


def locked_ticket(actor, ticket):
    pk = ticket.pk if isinstance(ticket, Ticket) else ticket
    locked = visible_tickets(actor).select_for_update(of=("self",)).select_related("unit").filter(pk=pk).first()
    if locked is None:
        raise NotFound("转办单不存在或无权查看。")
    return locked


def require(machine, action, kinds):
    t = machine.transitions[action]
    if not (t.actors & kinds):
        raise NotPermitted(f"您没有「{t.label}」的权限。")
    return t


def office_kinds(actor):
    return {OFFICE} if access_for(actor).is_office else set()


def ticket_kinds(actor, ticket):
    return access_for(actor).kinds_for_unit(ticket.unit_id)


def require_reason(reason, what="理由"):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(f"请填写{what}。", {"reason": [f"请填写{what}。"]})
    return reason


def move_incident(actor, incident, action, *, reason="", ip=None, after_extra=None):
    t = INCIDENT.transition(action, incident.status)
    before = audit.snapshot(incident, INCIDENT_FIELDS)
    incident.status = t.target_from(incident.status)
    incident.save()
    after = audit.snapshot(incident, INCIDENT_FIELDS) | (after_extra or {})
    audit.record(actor, action, incident, before=before, after=after, reason=reason, ip=ip, incident=incident)


def move_ticket(actor, ticket, action, *, reason="", ip=None, after_extra=None, **changes):
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
